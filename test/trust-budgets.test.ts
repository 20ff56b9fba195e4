// Issue 9, item 1: budgets hold for every model. Real App, SDK and SQLite against the fake Claude:
// an unpriced default model stops start-up, an unpriced request is charged (never $0), broken and
// aborted streams record what they produced (marked estimated), mid-stream retries record every
// attempt, and the reservation covers the request as it is really sent.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { App } from "../src/runtime/app.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { silentLogger } from "../src/runtime/log.ts";
import { scopeId } from "../src/context/settings.ts";
import { UsageStore } from "../src/store/usage.ts";
import { isPalaverError } from "../src/errors.ts";
import type { ThreadMessage } from "../src/types.ts";
import { startCore, inbound, waitFor, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
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

interface UsageRow {
  output_tokens: number;
  input_tokens: number;
  cost_micros: number | null;
  estimated: number;
  error_code: string | null;
}
const usageRows = async (h: CoreHarness): Promise<UsageRow[]> =>
  (await selectAll(h.app.db, "SELECT input_tokens, output_tokens, cost_micros, estimated, error_code FROM usage ORDER BY id")) as UsageRow[];

test("a default model without a price stops start-up with one line naming the model and PALAVER_PRICES_FILE", async () => {
  const config = parseConfig({ ANTHROPIC_API_KEY: "sk-test-abcd1234", DATABASE_PATH: ":memory:", PALAVER_MODEL: "claude-experimental-9" });
  await assert.rejects(App.create(config, { logger: silentLogger() }), (err: unknown) => {
    assert.ok(isPalaverError(err, "config_invalid"));
    assert.doesNotMatch(err.message, /\n/, "one line");
    assert.match(err.message, /claude-experimental-9/);
    assert.match(err.message, /PALAVER_PRICES_FILE/);
    return true;
  });
});

test("a request for a model without a price is charged at the table's most expensive model, never $0", async () => {
  const h = await core();
  const message = inbound("hi");
  // A channel model set before the price table changed.
  await h.app.settings.set(scopeId("channel", message.channelId), "model", "claude-experimental-9", "test");
  assert.equal(await h.app.bot.handle(message, new RecordingSurface("test:unpriced")), "replied");
  const [row] = (await usageRows(h));
  const priciest = h.app.prices.mostExpensive();
  assert.equal(priciest.model, "claude-opus-4-5", "the built-in table's most expensive (first at $5/$25)");
  assert.ok(row && row.cost_micros !== null && row.cost_micros > 0, `charged: ${JSON.stringify(row)}`);
  const usage = { inputTokens: row.input_tokens, outputTokens: row.output_tokens, cacheReadTokens: 0, cacheWriteTokens: 0 };
  assert.equal(row.cost_micros, h.app.prices.costMicros(priciest.model, usage));
});

test("a stream that breaks after text records the output it produced, marked estimated", async () => {
  const h = await core();
  const text = "A reply that breaks partway. ".repeat(40);
  h.claude.enqueue({ text, midStreamError: { afterChars: 600, type: "api_error" } });
  await h.app.bot.handle(inbound("hi"), new RecordingSurface("test:broken"));
  const rows = (await usageRows(h));
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.estimated, 1, "marked estimated: no final usage event came");
  assert.equal(rows[0]!.output_tokens, 600 / 4, "600 characters received ≈ 150 tokens, not message_start's 1");
});

test("a reply cut short by shutdown records the output it produced, marked estimated", async () => {
  const h = await core({ PALAVER_SHUTDOWN_GRACE_MS: "50" });
  h.claude.enqueue({ text: "This will take far too long. ".repeat(60), chunkSize: 8, chunkDelayMs: 15 });
  const surface = new RecordingSurface("test:aborted");
  const reply = h.app.bot.handle(inbound("hi"), surface);
  await waitFor(() => surface.edits().length > 2, 5000, "some text on screen");
  await h.app.bot.drain(50);
  await reply;
  const rows = (await usageRows(h));
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.error_code, "interrupted");
  assert.equal(rows[0]!.estimated, 1);
  const stored = (await selectOne(h.app.db, "SELECT content FROM messages WHERE reply_id IS NOT NULL")) as { content: string };
  assert.ok(rows[0]!.output_tokens >= Math.ceil(stored.content.length / 4), `${rows[0]!.output_tokens} tokens for ${stored.content.length} chars shown`);
  assert.ok(rows[0]!.output_tokens > 1);
});

test("a mid-stream retry records both attempts", async () => {
  const h = await core();
  h.claude.enqueue({ text: "x", midStreamError: { afterChars: 0, type: "overloaded_error" } }, { text: "Second time lucky." });
  assert.equal(await h.app.bot.handle(inbound("hi"), new RecordingSurface("test:retry")), "replied");
  const rows = (await usageRows(h));
  assert.equal(rows.length, 2, "one row per attempt the API answered");
  assert.equal(rows[0]!.error_code, "claude_overloaded");
  assert.ok(rows[0]!.input_tokens > 0 && rows[0]!.cost_micros! > 0, "the failed attempt's input is charged");
  assert.equal(rows[1]!.error_code, null);
  assert.equal(rows[1]!.input_tokens, rows[0]!.input_tokens, "the same request twice");
});

test("a mid-stream retry is reserved before it is sent: the reply holds two requests' estimates while the retry runs", async () => {
  const h = await core();
  h.claude.enqueue({ text: "x", midStreamError: { afterChars: 0, type: "overloaded_error" } }, { text: "Second time lucky.", firstTokenDelayMs: 400 });
  const reply = h.app.bot.handle(inbound("hi"), new RecordingSurface("test:retry-reserved"));
  // The first request's estimate is held from admission.
  await waitFor(async () => (await h.app.gate.spending.reservedMicros("workspace", "test:W")) > 0, 5000, "the reservation");
  const one = await h.app.gate.spending.reservedMicros("workspace", "test:W");
  // Once the retry is under way (the second request reached the fake), two are held.
  await waitFor(() => h.claude.messageRequests().length === 2, 5000, "the retry to be sent");
  assert.equal(await h.app.gate.spending.reservedMicros("workspace", "test:W"), 2 * one, "the retry is counted as in flight");
  assert.equal(await reply, "replied");
  assert.equal(await h.app.gate.spending.reservedMicros("workspace", "test:W"), 0, "both released with the usage recorded");
});

test("the reservation covers a long system prompt and a first mention in the middle of a long thread, racing the last cents", async () => {
  const system = "You are a careful assistant. ".repeat(1200); // ~35k chars ≈ 8.7k tokens
  const h = await core({ PALAVER_SYSTEM_PROMPT: system, PALAVER_BUDGET_DAILY_USD: "1", PALAVER_MAX_TOKENS: "256" });
  // Five cents left today.
  await new UsageStore(h.app.db).record({
    platform: "console",
    workspaceId: "test:W",
    channelId: "test:W:C",
    conversationId: "test:W:C:earlier",
    userId: "test:U9",
    model: "claude-sonnet-4-6",
    inputTokens: 0,
    outputTokens: 0,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    costMicros: 950_000,
    latencyMs: 1,
    createdAt: Date.now() - 1000,
  });
  // Palaver is mentioned for the first time in a thread that already holds 40 long messages
  // (~25k tokens it has never seen: no earlier request in this conversation to go by).
  const now = Date.now();
  const thread: ThreadMessage[] = Array.from({ length: 40 }, (_, i) => ({
    id: `test:W:C:long.${i}`,
    author: { id: `test:U${i % 3}`, displayName: `Person ${i % 3}`, isBot: false, isMe: false },
    text: `Message ${i}: ${"the long discussion goes on. ".repeat(90)}`,
    createdAt: now - 100_000 + i,
  }));
  const first = inbound("@Palaver what do you make of all this?", { conversationId: "test:W:C:long", createdAt: now });
  first.fetchThread = () => Promise.resolve([...thread, first]);
  h.claude.enqueue({ text: "Here is what I make of it.", firstTokenDelayMs: 300 });
  const a = h.app.bot.handle(first, new RecordingSurface("test:race-a"));
  await waitFor(async () => (await h.app.gate.spending.reservedMicros("workspace", "test:W")) > 0, 5000, "the first request's reservation");
  const reserved = (await h.app.gate.spending.reservedMicros("workspace", "test:W"));
  // A second request races for the same last cents while the first is in flight.
  const bSurface = new RecordingSurface("test:race-b");
  assert.equal(await h.app.bot.handle(inbound("and a quick one", { conversationId: "test:W:C:other" }), bSurface), "refused");
  assert.match(bSurface.shown()[0] ?? "", /daily budget of \$1\.00 is used up/);
  assert.equal(await a, "replied");
  const rows = (await usageRows(h));
  assert.equal(rows.length, 2, "the earlier spend and the first request; the second made none");
  const cost = rows[1]!.cost_micros!;
  assert.ok(cost > 50_000, `the first request really costs more than the five cents left (${cost} µ$)`);
  assert.ok(cost <= reserved, `what was reserved (${reserved} µ$) covers what it cost (${cost} µ$)`);
  const spent = rows.reduce((sum, r) => sum + (r.cost_micros ?? 0), 0);
  assert.ok(spent - 1_000_000 <= reserved, "the limit was overshot by at most what was in flight");
});
