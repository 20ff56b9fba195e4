// Prompt caching (turn N+1 reads what turn N wrote, priced accordingly) and graceful shutdown.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startCore, inbound, waitFor, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { PriceTable } from "../src/claude/pricing.ts";
import { INTERRUPTED_NOTE } from "../src/reply/notes.ts";
import { selectAll } from "./helpers/db.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

interface UsageRow {
  input_tokens: number;
  cache_write_tokens: number;
  cache_read_tokens: number;
  output_tokens: number;
  cost_micros: number;
}

test("turn N+1 of a thread reads from the cache what turn N wrote, and is billed for it", async () => {
  const system = "You are a meticulous assistant. ".repeat(200); // ≈ 1,600 tokens: cacheable
  const h = await startCore({ PALAVER_SYSTEM_PROMPT: system });
  harnesses.push(h);
  const conv = { conversationId: "test:W:C:cache" };
  for (const q of ["first question", "second question", "third question"]) {
    h.claude.enqueue({ text: `answer to ${q}` });
    await h.app.bot.handle(inbound(q, conv), new RecordingSurface("test:cache"));
  }
  const rows = (await selectAll(h.app.db, "SELECT * FROM usage ORDER BY id")) as UsageRow[];
  assert.equal(rows.length, 3);
  assert.ok(rows[0]!.cache_write_tokens > 0, "turn 1 writes the cache");
  assert.equal(rows[0]!.cache_read_tokens, 0);
  for (let i = 1; i < rows.length; i++) {
    const written = rows[i - 1]!.cache_write_tokens + rows[i - 1]!.cache_read_tokens;
    assert.equal(rows[i]!.cache_read_tokens, written, `turn ${i + 1} reads the whole prefix turn ${i} cached`);
    assert.ok(rows[i]!.cache_write_tokens > 0, `turn ${i + 1} caches its own new turns`);
  }
  // Cost from the price table, cache reads at 0.1× and writes at 1.25× of input.
  const prices = new PriceTable();
  for (const r of rows) {
    const expected = prices.costMicros("claude-sonnet-4-6", {
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cacheWriteTokens: r.cache_write_tokens,
      cacheReadTokens: r.cache_read_tokens,
    });
    assert.equal(r.cost_micros, expected);
  }
  const turn3 = rows[2]!;
  const uncached = (turn3.input_tokens + turn3.cache_read_tokens + turn3.cache_write_tokens) * 3 + turn3.output_tokens * 15;
  assert.ok(turn3.cost_micros < uncached, "caching made turn 3 cheaper");
});

test("prices: list prices per million tokens, integer micro-dollars, dated ids resolve", () => {
  const p = new PriceTable();
  const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheWriteTokens: 1_000_000, cacheReadTokens: 1_000_000 };
  assert.equal(p.costMicros("claude-sonnet-4-6", usage), 3_000_000 + 15_000_000 + 3_750_000 + 300_000);
  assert.equal(p.costMicros("claude-haiku-4-5", { ...usage, cacheWriteTokens: 0, cacheReadTokens: 0 }), 6_000_000);
  assert.equal(p.costMicros("claude-opus-5", { ...usage, cacheWriteTokens: 0, cacheReadTokens: 0 }), 30_000_000);
  assert.equal(p.costMicros("claude-sonnet-5", { ...usage, cacheWriteTokens: 0, cacheReadTokens: 0 }), 12_000_000);
  assert.equal(p.costMicros("claude-sonnet-4-5-20250929", { ...usage, cacheWriteTokens: 0, cacheReadTokens: 0 }), 18_000_000);
  assert.equal(p.costMicros("gpt-whatever", usage), undefined);
  for (const m of ["claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8"]) assert.ok(p.has(m), m);
});

test("shutdown lets a reply finish within the grace period", async () => {
  const h = await startCore({ PALAVER_SHUTDOWN_GRACE_MS: "5000" });
  h.claude.enqueue({ text: "short and sweet", chunkSize: 3, chunkDelayMs: 10 });
  const surface = new RecordingSurface("test:grace");
  const reply = h.app.bot.handle(inbound("hi"), surface);
  await waitFor(() => surface.calls.length > 0, 5000, "reply start");
  await h.app.bot.drain(5000);
  assert.equal(await reply, "replied");
  assert.deepEqual(surface.shown(), ["short and sweet"]);
  // New work is refused once draining started.
  assert.equal(await h.app.bot.handle(inbound("too late"), surface), "deferred");
  await h.close();
});

test("shutdown cuts a reply that outlives the grace period: it ends with the interrupted note", async () => {
  const h = await startCore({ PALAVER_SHUTDOWN_GRACE_MS: "100" });
  h.claude.enqueue({ text: "This will take far too long. ".repeat(50), chunkSize: 5, chunkDelayMs: 20 });
  const surface = new RecordingSurface("test:cut");
  const reply = h.app.bot.handle(inbound("hi"), surface);
  await waitFor(() => surface.edits().length > 0, 5000, "some text on screen");
  await h.app.bot.drain(100);
  await reply;
  const shown = surface.shown()[0]!;
  assert.ok(shown.startsWith("This will take"));
  assert.ok(shown.endsWith(INTERRUPTED_NOTE), shown.slice(-120));
  assert.deepEqual((await selectAll(h.app.db, "SELECT status FROM replies")), [{ status: "interrupted" }]);
  await h.close();
});
