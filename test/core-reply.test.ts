// The core's reply path end to end: real SDK → fake Claude (SSE), real SQLite, a recording
// surface standing in for the platform.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startCore, inbound, waitFor, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { asMessagesBody } from "./fakes/claude.ts";
import * as notes from "../src/reply/notes.ts";
import { selectAll, selectOne } from "./helpers/db.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function core(env: Record<string, string> = {}) {
  const h = await startCore(env);
  harnesses.push(h);
  return h;
}

const LONG_TEXT = "Streaming replies arrive in pieces. ".repeat(12).trim();

test("a reply streams with several visible edits and ends with the full text", async () => {
  const h = await core();
  h.claude.enqueue({ text: LONG_TEXT, chunkSize: 10, chunkDelayMs: 15 });
  const surface = new RecordingSurface("test:a", { editIntervalMs: 30 });
  const outcome = await h.app.bot.handle(inbound("tell me about streaming"), surface);
  assert.equal(outcome, "replied");
  assert.deepEqual(surface.shown(), [LONG_TEXT]);
  const edits = surface.edits();
  assert.ok(edits.length >= 3, `expected several edits, got ${edits.length}`);
  // Intermediate edits carry the indicator and grow; the last is final with the exact text.
  const intermediate = edits.slice(0, -1);
  assert.ok(intermediate.every((e) => e.final === false && e.text!.endsWith(" ▍")));
  assert.equal(edits.at(-1)!.final, true);
  assert.equal(edits.at(-1)!.text, LONG_TEXT);
  for (let i = 1; i < intermediate.length; i++) {
    assert.ok(intermediate[i]!.text!.length >= intermediate[i - 1]!.text!.length);
  }
  // Never two calls at once on one reply.
  assert.equal(surface.maxConcurrent, 1);
  // Recorded: the reply as an assistant message and one usage row with a cost.
  const rows = (await selectAll(h.app.db, "SELECT role, content, status FROM messages ORDER BY created_at, rowid"));
  assert.deepEqual(rows.at(-1), { role: "assistant", content: LONG_TEXT, status: "complete" });
  const usage = (await selectAll(h.app.db, "SELECT * FROM usage")) as { output_tokens: number; cost_micros: number; stop_reason: string; request_id: string; ttft_ms: number }[];
  assert.equal(usage.length, 1);
  assert.equal(usage[0]!.stop_reason, "end_turn");
  assert.equal(usage[0]!.output_tokens, Math.ceil(LONG_TEXT.length / 4));
  assert.ok(usage[0]!.cost_micros > 0);
  assert.match(usage[0]!.request_id, /^req_fake_/);
  assert.ok(usage[0]!.ttft_ms >= 0);
});

test("the request has a top-level system prompt, alternating turns and cache breakpoints", async () => {
  const h = await core({ PALAVER_SYSTEM_PROMPT: "Be brief." });
  const surface = new RecordingSurface("test:b");
  const conv = { conversationId: "test:W:C:sys" };
  await h.app.bot.handle(inbound("first", conv), surface);
  await h.app.bot.handle(inbound("second", conv), surface);
  const body = asMessagesBody(h.claude.messageRequests().at(-1)!.body);
  assert.deepEqual(body.system, [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }]);
  assert.deepEqual(body.messages.map((m) => m.role), ["user", "assistant", "user"]);
  const marked = JSON.stringify(body.messages).match(/cache_control/g) ?? [];
  assert.equal(marked.length, 2);
});

test("429 twice then success: retried by the SDK, one visible reply", async () => {
  const h = await core();
  h.claude.enqueue({ status: 429, retryAfterSeconds: 0.001 }, { status: 429, retryAfterSeconds: 0.001 }, { text: "finally" });
  const surface = new RecordingSurface("test:c");
  assert.equal(await h.app.bot.handle(inbound("hi"), surface), "replied");
  assert.deepEqual(surface.shown(), ["finally"]);
  assert.equal(h.claude.messageRequests().length, 3);
});

test("529 overloaded is retried with backoff until it succeeds", async () => {
  const h = await core();
  h.claude.enqueue({ status: 529, retryAfterSeconds: 0.001 }, { text: "recovered" });
  const surface = new RecordingSurface("test:d");
  await h.app.bot.handle(inbound("hi"), surface);
  assert.deepEqual(surface.shown(), ["recovered"]);
});

test("529 on every try: a short busy note, usage records the error", async () => {
  const h = await core({ PALAVER_CLAUDE_MAX_RETRIES: "1" });
  h.claude.setResponder(() => ({ status: 529, retryAfterSeconds: 0.001 }));
  const surface = new RecordingSurface("test:e");
  assert.equal(await h.app.bot.handle(inbound("hi"), surface), "failed");
  assert.deepEqual(surface.shown(), [notes.errorText("claude_overloaded", "")]);
  const row = (await selectOne(h.app.db, "SELECT error_code FROM usage")) as { error_code: string };
  assert.equal(row.error_code, "claude_overloaded");
});

test("overloaded mid-stream before any text: retried by Palaver, full reply", async () => {
  const h = await core();
  h.claude.enqueue({ text: "ignored", midStreamError: { afterChars: 0 } }, { text: "second try worked" });
  const surface = new RecordingSurface("test:f");
  assert.equal(await h.app.bot.handle(inbound("hi"), surface), "replied");
  assert.deepEqual(surface.shown(), ["second try worked"]);
  assert.equal(h.claude.messageRequests().length, 2);
});

test("overloaded mid-stream after text: the partial text stays, with a note", async () => {
  const h = await core();
  h.claude.enqueue({ text: "The first part arrives and then the stream breaks", chunkSize: 5, midStreamError: { afterChars: 20 } });
  const surface = new RecordingSurface("test:g");
  await h.app.bot.handle(inbound("hi"), surface);
  const [shown] = surface.shown();
  assert.ok(shown!.startsWith("The first part arriv"), shown);
  assert.ok(shown!.endsWith(notes.STREAM_BROKE_NOTE));
  assert.equal(h.claude.messageRequests().length, 1, "no retry once text was shown");
  const row = (await selectOne(h.app.db, "SELECT status FROM replies")) as { status: string };
  assert.equal(row.status, "interrupted");
});

test("stop_reason max_tokens: the reply ends with the cut note", async () => {
  const h = await core();
  h.claude.enqueue({ text: "A long answer that", stopReason: "max_tokens" });
  const surface = new RecordingSurface("test:h");
  await h.app.bot.handle(inbound("hi"), surface);
  assert.deepEqual(surface.shown(), [`A long answer that\n\n${notes.MAX_TOKENS_NOTE}`]);
  // The note is ours, not Claude's: the stored assistant turn is Claude's text alone.
  const stored = (await selectOne(h.app.db, "SELECT content FROM messages WHERE role = 'assistant'")) as { content: string };
  assert.equal(stored.content, "A long answer that");
});

test("stop_reason refusal is said plainly", async () => {
  const h = await core();
  h.claude.enqueue({ text: "", stopReason: "refusal" });
  const surface = new RecordingSurface("test:i");
  await h.app.bot.handle(inbound("hi"), surface);
  assert.deepEqual(surface.shown(), [notes.REFUSAL_TEXT]);
});

test("401: the user is told the API key is not working, and the bot keeps serving", async () => {
  const h = await core();
  h.claude.enqueue({ status: 401, errorMessage: "invalid x-api-key" });
  const surface = new RecordingSurface("test:j");
  assert.equal(await h.app.bot.handle(inbound("hi", { conversationId: "test:401" }), surface), "failed");
  assert.deepEqual(surface.shown(), ["Palaver's Claude API key is not working; ask an admin."]);
  assert.ok(!surface.shown()[0]!.includes("invalid x-api-key"), "no details to the user");
  h.claude.enqueue({ text: "back to normal" });
  const next = new RecordingSurface("test:j2");
  assert.equal(await h.app.bot.handle(inbound("again", { conversationId: "test:401" }), next), "replied");
  assert.deepEqual(next.shown(), ["back to normal"]);
});

test("400 from the API: a short note, no crash", async () => {
  const h = await core();
  h.claude.enqueue({ status: 400, errorMessage: "messages: something odd" });
  const surface = new RecordingSurface("test:k");
  assert.equal(await h.app.bot.handle(inbound("hi"), surface), "failed");
  assert.deepEqual(surface.shown(), [notes.errorText("claude_bad_request", "")]);
});

test("a bare mention gets a hint and makes no Claude request", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:l");
  assert.equal(await h.app.bot.handle(inbound("   "), surface), "hint");
  assert.deepEqual(surface.shown(), [notes.HINT_EMPTY_MESSAGE]);
  assert.equal(h.claude.messageRequests().length, 0);
});

test("the same message delivered twice gets one reply", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:m");
  const msg = inbound("hello");
  const [a, b] = await Promise.all([h.app.bot.handle(msg, surface), h.app.bot.handle({ ...msg }, surface)]);
  assert.deepEqual([a, b].sort(), ["duplicate", "replied"]);
  assert.equal(h.claude.messageRequests().length, 1);
  assert.equal(surface.shown().length, 1);
});

test("a second message during a reply waits, and is answered with the first reply in its history", async () => {
  const h = await core();
  h.claude.enqueue({ text: "first answer, slowly", chunkSize: 3, chunkDelayMs: 10 }, { text: "second answer" });
  const conv = { conversationId: "test:W:C:queue" };
  const s1 = new RecordingSurface("test:n1");
  const s2 = new RecordingSurface("test:n2");
  const first = h.app.bot.handle(inbound("question one", conv), s1);
  await waitFor(() => s1.calls.length > 0, 5000, "first reply to start");
  const second = h.app.bot.handle(inbound("question two", conv), s2);
  assert.deepEqual(await Promise.all([first, second]), ["replied", "replied"]);
  const reqs = h.claude.messageRequests().map((r) => asMessagesBody(r.body));
  assert.equal(reqs.length, 2);
  assert.deepEqual(reqs[1]!.messages.map((m) => m.role), ["user", "assistant", "user"]);
  assert.match(JSON.stringify(reqs[1]!.messages[1]), /first answer, slowly/);
  // The second reply started only after the first one was finished.
  const firstEnd = s1.edits().at(-1)!.at;
  assert.ok(s2.calls[0]!.at >= firstEnd);
});

test("an over-long thread is trimmed to the context window and the reply says so", async () => {
  const h = await core({ PALAVER_MAX_TOKENS: "1000", PALAVER_PRICES_FILE: "" });
  // A small context window for this model, from an operator price file.
  const conv = { conversationId: "test:W:C:long" };
  const big = "x".repeat(60_000); // ≈ 15k tokens each
  const surface = new RecordingSurface("test:o");
  for (let i = 0; i < 14; i++) {
    h.claude.enqueue({ text: `answer ${i}` });
    await h.app.bot.handle(inbound(`${i} ${big}`, conv), surface);
  }
  const last = surface.shown().at(-1)!;
  assert.match(last, /earlier messages? (was|were) left out to fit/);
  const body = asMessagesBody(h.claude.messageRequests().at(-1)!.body);
  assert.equal(body.messages[0]!.role, "user");
  const chars = JSON.stringify(body.messages).length;
  assert.ok(chars / 4 < 200_000 - 1000, `history ≈ ${Math.round(chars / 4)} tokens must fit`);
});

test("a single message too large for the context is cut with a note, never a 400", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:p");
  const huge = "y".repeat(1_000_000); // ≈ 250k tokens: over a 200k window on its own
  h.claude.enqueue({ text: "I read the start." });
  assert.equal(await h.app.bot.handle(inbound(huge), surface), "replied");
  assert.ok(surface.shown()[0]!.endsWith(notes.TRUNCATED_INPUT_NOTE), surface.shown()[0]!.slice(-300));
  const body = asMessagesBody(h.claude.messageRequests()[0]!.body);
  assert.ok(JSON.stringify(body).length < 800_000);
});

test("a failed edit is retried: the final screen equals the reply", async () => {
  const h = await core();
  h.claude.enqueue({ text: LONG_TEXT, chunkSize: 20, chunkDelayMs: 10 });
  const surface = new RecordingSurface("test:q", { editIntervalMs: 20 });
  surface.failEdits = 3;
  await h.app.bot.handle(inbound("hi"), surface);
  assert.deepEqual(surface.shown(), [LONG_TEXT]);
});

test("a reply longer than the surface limit continues in new messages, code fences intact", async () => {
  const h = await core();
  const code = Array.from({ length: 40 }, (_, i) => `console.log(${i}); // line ${i}`).join("\n");
  const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat's all.`;
  h.claude.enqueue({ text, chunkSize: 50 });
  const surface = new RecordingSurface("test:r", { maxMessageLength: 400, editIntervalMs: 5 });
  await h.app.bot.handle(inbound("code please"), surface);
  const parts = surface.shown();
  assert.ok(parts.length >= 3, `expected several messages, got ${parts.length}`);
  for (const p of parts) {
    assert.ok(p.length <= 400, `part of ${p.length} chars`);
    const fences = p.split("\n").filter((l) => l.startsWith("```")).length;
    assert.equal(fences % 2, 0, `unbalanced fences in:\n${p}`);
  }
  // Every line of the reply is on screen, in order.
  const joined = parts.join("\n");
  let at = 0;
  for (const line of text.split("\n").filter((l) => l !== "")) {
    const found = joined.indexOf(line, at);
    assert.ok(found >= at, `missing line ${line}`);
    at = found + line.length;
  }
});

test("model_context_window_exceeded before any text: trimmed harder and retried once", async () => {
  const h = await core();
  const conv = { conversationId: "test:W:C:ctx" };
  const surface = new RecordingSurface("test:s");
  const big = "w".repeat(200_000); // ≈ 50k tokens each: three fit in 200k, not in half of it
  for (const q of ["one", "two", "three"]) {
    h.claude.enqueue({ text: `answer ${q}` });
    await h.app.bot.handle(inbound(`${q} ${big}`, conv), surface);
  }
  h.claude.enqueue({ text: "", stopReason: "model_context_window_exceeded" }, { text: "fits now" });
  await h.app.bot.handle(inbound("four", conv), surface);
  assert.match(surface.shown().at(-1)!, /^fits now\n\n_\(\d earlier messages? (was|were) left out/);
  const reqs = h.claude.messageRequests().map((r) => asMessagesBody(r.body));
  assert.equal(reqs.length, 5);
  const size = (b: (typeof reqs)[number]) => JSON.stringify(b.messages).length;
  assert.ok(size(reqs[4]!) < size(reqs[3]!), "the retry sends a smaller history");
  const usage = (await selectAll(h.app.db, "SELECT stop_reason FROM usage ORDER BY id DESC LIMIT 2"));
  assert.deepEqual(usage, [{ stop_reason: "end_turn" }, { stop_reason: "model_context_window_exceeded" }]);
});

test("with PALAVER_COUNT_TOKENS the history is measured with count_tokens before the request", async () => {
  const h = await core({ PALAVER_COUNT_TOKENS: "true" });
  const surface = new RecordingSurface("test:t");
  await h.app.bot.handle(inbound("count me"), surface);
  const paths = h.claude.requests.map((r) => r.path);
  assert.deepEqual(paths, ["/v1/messages/count_tokens", "/v1/messages"]);
  assert.equal(surface.shown().length, 1);
});

test("a message sent while the previous reply is still thinking sorts after that reply", async () => {
  const h = await core();
  h.claude.enqueue({ text: "answer one", firstTokenDelayMs: 150 }, { text: "answer two" });
  const conv = { conversationId: "test:W:C:thinking" };
  const s1 = new RecordingSurface("test:u1", { thinking: true });
  const s2 = new RecordingSurface("test:u2", { thinking: true });
  const first = h.app.bot.handle(inbound("question one", conv), s1);
  await waitFor(() => s1.calls.some((c) => c.kind === "thinking"), 5000, "first reply thinking");
  const second = h.app.bot.handle(inbound("question two", conv), s2);
  await Promise.all([first, second]);
  const body = asMessagesBody(h.claude.messageRequests()[1]!.body);
  assert.deepEqual(
    body.messages.map((m) => [m.role, JSON.stringify(m.content).match(/(question|answer) (one|two)/g)]),
    [
      ["user", ["question one"]],
      ["assistant", ["answer one"]],
      ["user", ["question two"]],
    ],
  );
});
