// `npm run fake-claude`: the fake Claude API as a standalone server, so Palaver can be tried offline:
//   ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_API_KEY=anything npm start
// Every request gets a friendly canned answer quoting the last user message, streamed at ~50 tokens/s.

import { lastUserText } from "./claude-wire.ts";
import { closeAndExit, startFakeClaude, type FakeReplyScript, type MessagesBody } from "./claude.ts";

const TOKENS_PER_SECOND = 50;
const CHARS_PER_CHUNK = 8; // two tokens at ~4 chars per token

function cannedReply(body: MessagesBody): FakeReplyScript {
  const said = lastUserText(body).replace(/\s+/g, " ").trim();
  const quote = said.length > 80 ? `${said.slice(0, 80)}…` : said;
  const text = quote
    ? `Hi! I'm the fake Claude, running offline. You said: "${quote}". I can't really think, but your message arrived safely and this reply streamed back to you.`
    : "Hi! I'm the fake Claude, running offline. Your message arrived safely (I only read text) and this reply streamed back to you.";
  return {
    text,
    chunkSize: CHARS_PER_CHUNK,
    chunkDelayMs: Math.round((1000 * CHARS_PER_CHUNK) / 4 / TOKENS_PER_SECOND),
    firstTokenDelayMs: 300,
  };
}

const raw = process.env.FAKE_CLAUDE_PORT;
const port = raw ? Number(raw) : 8787;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`FAKE_CLAUDE_PORT must be a port number, got ${JSON.stringify(raw)}`);
  process.exit(1);
}

const fake = await startFakeClaude({ port });
fake.setResponder(cannedReply);
console.log(`fake Claude listening on ${fake.url}`);

const stop = closeAndExit(fake);
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
