// `npm run chat` driven through stdin, as a script would: real process, real SQLite file, real
// SDK against the fake Claude.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { runEntry } from "./helpers/process.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { INTERRUPTED_NOTE, NO_PLATFORM_MESSAGE } from "../src/reply/notes.ts";

let claude: FakeClaude;
before(async () => {
  claude = await startFakeClaude();
});
after(async () => {
  await claude.close();
});

function env(db: string): Record<string, string> {
  return { ANTHROPIC_API_KEY: "sk-test-console-0042", ANTHROPIC_BASE_URL: claude.url, DATABASE_PATH: db, PALAVER_CLAUDE_MAX_RETRIES: "0" };
}

test("piped stdin: one message a line, plain replies on stdout, exit 0 at end of input; history survives a restart", async () => {
  const db = tempDbPath();
  claude.enqueue({ text: "Paris." }, { text: "About 2.1 million." });
  const run = runEntry("adapters/console/main.ts", env(db), "Capital of France?\nHow many people live there?\n");
  const { code } = await run.exited;
  assert.equal(code, 0, run.stderr());
  assert.equal(run.stdout(), "Paris.\nAbout 2.1 million.\n");
  assert.ok(!run.stderr().includes("sk-test-console-0042"), "the key never reaches the logs");

  claude.enqueue({ text: "You asked about France." });
  const again = runEntry("adapters/console/main.ts", env(db), "What did I ask first?\n");
  assert.equal((await again.exited).code, 0, again.stderr());
  assert.equal(again.stdout(), "You asked about France.\n");
  const body = claude.messageRequests().at(-1)!.body as { messages: { role: string }[] };
  assert.deepEqual(body.messages.map((m) => m.role), ["user", "assistant", "user", "assistant", "user"]);
});

test("/palaver reaches the command handler and /exit leaves before later lines", async () => {
  const db = tempDbPath();
  const before = claude.messageRequests().length;
  const run = runEntry("adapters/console/main.ts", env(db), "/palaver help\n/exit\nthis is never sent\n");
  assert.equal((await run.exited).code, 0, run.stderr());
  assert.match(run.stdout(), /palaver/i);
  assert.equal(claude.messageRequests().length, before, "no Claude request");
});

test("a missing API key stops start-up with one line naming it", async () => {
  const run = runEntry("adapters/console/main.ts", { DATABASE_PATH: tempDbPath() }, "");
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.match(run.stderr(), /ANTHROPIC_API_KEY is not set/);
});

test("npm start without platform credentials says which variables enable Slack / Discord", async () => {
  const run = runEntry("adapters/main.ts", { ANTHROPIC_API_KEY: "sk-x", DATABASE_PATH: tempDbPath() });
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.ok(run.stderr().includes(NO_PLATFORM_MESSAGE), run.stderr());
});

test("a reply killed mid-stream is marked interrupted at the next start", async () => {
  const db = tempDbPath();
  claude.enqueue({ text: "This answer is long and slow. ".repeat(40), chunkSize: 4, chunkDelayMs: 20 });
  const run = runEntry("adapters/console/main.ts", env(db));
  run.child.stdin!.write("Tell me a long story\n");
  await waitFor(() => run.stdout().length > 40, 10_000, "the reply to start streaming");
  run.child.kill("SIGKILL");
  await run.exited;
  const raw = new Database(db);
  assert.deepEqual(raw.prepare("SELECT status FROM replies").all(), [{ status: "streaming" }]);
  raw.close();

  const next = runEntry("adapters/console/main.ts", env(db), "");
  assert.equal((await next.exited).code, 0, next.stderr());
  assert.ok(next.stdout().includes(INTERRUPTED_NOTE), next.stdout());
  const after = new Database(db);
  assert.deepEqual(after.prepare("SELECT status FROM replies").all(), [{ status: "interrupted" }]);
  const part = after.prepare("SELECT status, content FROM messages WHERE role = 'assistant'").get() as { status: string; content: string };
  assert.equal(part.status, "interrupted", JSON.stringify(after.prepare("SELECT id, role, status, reply_id, part FROM messages").all()));
  // What was saved before the kill (progress is saved about once a second) is kept.
  assert.ok(part.content.length > 0 && "This answer is long and slow. ".repeat(40).startsWith(part.content), part.content);
  after.close();
});

test("SIGTERM during a reply: the reply gets the grace period, then the process exits 0", async () => {
  const db = tempDbPath();
  claude.enqueue({ text: "A reply that takes a while. ".repeat(30), chunkSize: 4, chunkDelayMs: 20 });
  const run = runEntry("adapters/console/main.ts", { ...env(db), PALAVER_SHUTDOWN_GRACE_MS: "200" });
  run.child.stdin!.write("Go on, take your time\n");
  await waitFor(() => run.stdout().length > 20, 10_000, "the reply to start streaming");
  run.child.kill("SIGTERM");
  const { code } = await run.exited;
  assert.equal(code, 0, run.stderr());
  assert.ok(run.stdout().trimEnd().endsWith(INTERRUPTED_NOTE), run.stdout().slice(-200));
  const raw = new Database(db);
  assert.deepEqual(raw.prepare("SELECT status FROM replies").all(), [{ status: "interrupted" }]);
  raw.close();
});
