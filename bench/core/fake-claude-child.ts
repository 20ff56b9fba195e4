// The fake Claude in its own process, for the concurrency bench: its SSE writing and cache
// hashing then load neither Palaver's event loop nor Palaver's RSS, which is what that bench
// measures. Prints {"url": ...} as its first stdout line; exits on SIGTERM or when stdin closes.
import { closeAndExit, startFakeClaude } from "../../test/fakes/claude.ts";
import { scriptedResponder } from "./scripted-reply.ts";

const fake = await startFakeClaude();
fake.setResponder(scriptedResponder);
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

const stop = closeAndExit(fake);
process.once("SIGTERM", stop);
// The parent holds our stdin open: when it exits (even abruptly) we go too.
process.stdin.on("end", stop);
process.stdin.resume();
