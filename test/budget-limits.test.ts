// Spending limits through the real Gate, SQLite and price table: exactly at / just under / over,
// each scope and period, env defaults vs run-time rows, UTC window resets with a clock we move,
// and racing requests for the last cents.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Gate } from "../src/admission/gate.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { openSqlite as openDatabase } from "../src/store/sqlite/open.ts";
import type { Db } from "../src/store/sql.ts";
import { UsageStore } from "../src/store/usage.ts";
import { PriceTable } from "../src/claude/pricing.ts";
import type { InboundMessage } from "../src/types.ts";
import { selectOne } from "./helpers/db.ts";

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0); // 2026-03-10 12:00 UTC

async function setup(env: Record<string, string> = {}, start = T0) {
  const config = parseConfig({ ANTHROPIC_API_KEY: "sk-test-1234", DATABASE_PATH: ":memory:", ...env });
  const db = await openDatabase(":memory:");
  const clock = new ManualClock(start);
  const prices = new PriceTable();
  const gate = new Gate(config, { db, clock, prices });
  return { db, clock, gate, prices, usage: new UsageStore(db) };
}

let seq = 0;
function message(over: Partial<InboundMessage> = {}): InboundMessage {
  const n = ++seq;
  return {
    id: `test:W1:C1:${n}`,
    platform: "console",
    conversationId: `test:W1:C1:conv-${n}`,
    workspaceId: "test:W1",
    channelId: "test:W1:C1",
    isDM: false,
    addressedBy: "mention",
    author: { id: "test:U1", displayName: "Ada", isBot: false, isMe: false },
    text: "hello",
    createdAt: T0,
    ...over,
  };
}

/** One recorded request costing exactly `micros`, in the given place and time. */
async function spend(db: Db, at: number, micros: number, where: { workspaceId?: string; channelId?: string; userId?: string } = {}) {
  await new UsageStore(db).record({
    platform: "console",
    workspaceId: where.workspaceId ?? "test:W1",
    channelId: where.channelId ?? "test:W1:C1",
    conversationId: "test:W1:C1:old",
    userId: where.userId ?? "test:U1",
    model: "claude-sonnet-4-6",
    inputTokens: 10,
    outputTokens: 10,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    costMicros: micros,
    latencyMs: 5,
    createdAt: at,
  });
}

async function admitted(gate: Gate, m: InboundMessage = message()) {
  const r = (await gate.admit({ message: m, model: "claude-sonnet-4-6", maxTokens: 100 }));
  if (r.ok) await r.admission.release();
  return r;
}

test("a workspace daily limit: just under admits, exactly at and over refuse with one line", async () => {
  const { db, gate } = (await setup({ PALAVER_BUDGET_DAILY_USD: "1" }));
  (await spend(db, T0 - 1000, 999_999));
  assert.equal((await admitted(gate)).ok, true, "one micro-dollar under the limit");

  (await spend(db, T0 - 500, 1));
  const at = (await admitted(gate));
  assert.ok(!at.ok);
  assert.equal(
    at.reply,
    "This workspace's daily budget of $1.00 is used up ($1.00 spent today); it resets at 00:00 UTC (in 12 h).",
  );

  (await spend(db, T0 - 100, 500_000));
  const over = (await admitted(gate));
  assert.ok(!over.ok);
  assert.match(over.reply, /daily budget of \$1\.00 is used up \(\$1\.50 spent today\)/);
});

test("the daily window resets at 00:00 UTC; the monthly one on the 1st", async () => {
  const evening = Date.UTC(2026, 2, 31, 23, 59, 0);
  const { db, clock, gate } = (await setup({ PALAVER_BUDGET_DAILY_USD: "1", PALAVER_BUDGET_MONTHLY_USD: "5" }, evening));
  (await spend(db, evening - 60_000, 1_000_000));
  const before = (await admitted(gate));
  assert.ok(!before.ok);
  assert.match(before.reply, /daily budget .* resets at 00:00 UTC \(in 1 min\)/);

  (await clock.set(Date.UTC(2026, 3, 1) - 1)); // the last millisecond of the day: still refused
  assert.equal((await admitted(gate)).ok, false);
  (await clock.set(Date.UTC(2026, 3, 1))); // 00:00 UTC
  assert.equal((await admitted(gate)).ok, true, "a new day, a new daily budget");

  // Monthly: spend the month's $5 over April's first days; refused until May 1st.
  (await clock.set(Date.UTC(2026, 3, 30, 18, 0)));
  (await spend(db, Date.UTC(2026, 3, 2), 5_000_000));
  const month = (await admitted(gate));
  assert.ok(!month.ok);
  assert.equal(
    month.reply,
    "This workspace's monthly budget of $5.00 is used up ($5.00 spent this month); it resets on 2026-05-01 00:00 UTC (in 6 h).",
  );
  (await clock.set(Date.UTC(2026, 4, 1)));
  assert.equal((await admitted(gate)).ok, true);
});

test("when daily and monthly are both used up, the refusal names the one that resets last", async () => {
  const { db, gate } = (await setup({ PALAVER_BUDGET_DAILY_USD: "1", PALAVER_BUDGET_MONTHLY_USD: "1" }));
  (await spend(db, T0 - 1, 1_000_000));
  const r = (await admitted(gate));
  assert.ok(!r.ok);
  assert.match(r.reply, /^This workspace's monthly budget/);
});

test("channel and user limits apply only to their channel and user; rows override env defaults", async () => {
  const { db, gate } = (await setup({ PALAVER_USER_DAILY_USD: "0.50" }));
  const spending = gate.spending;
  (await spend(db, T0 - 10, 600_000, { userId: "test:U1", channelId: "test:W1:C1" }));

  const ada = (await admitted(gate, message()));
  assert.ok(!ada.ok);
  assert.equal(ada.reply, "Your daily budget of $0.50 is used up ($0.60 spent today); it resets at 00:00 UTC (in 12 h).");
  const bob = { id: "test:U2", displayName: "Bob", isBot: false, isMe: false };
  assert.equal((await admitted(gate, message({ author: bob }))).ok, true, "another user is not limited by Ada's spend");

  // A run-time row raises Ada's daily limit above the env default.
  (await spending.set("user", "test:U1", "daily", 1_000_000, "Admin (test:A)"));
  assert.equal((await admitted(gate, message())).ok, true);

  // A channel limit stops everyone in that channel, and only there.
  (await spending.set("channel", "test:W1:C1", "daily", 600_000, "Admin (test:A)"));
  const inC1 = (await admitted(gate, message({ author: bob })));
  assert.ok(!inC1.ok);
  assert.match(inC1.reply, /^This channel's daily budget of \$0\.60 is used up/);
  assert.equal((await admitted(gate, message({ author: bob, channelId: "test:W1:C2" }))).ok, true);

  // Clearing the rows brings the env default back.
  assert.equal((await spending.clear("channel", "test:W1:C1", "daily"))?.limitMicros, 600_000);
  assert.equal((await spending.clear("user", "test:U1", "daily"))?.limitMicros, 1_000_000);
  assert.equal((await spending.clear("user", "test:U1", "daily")), undefined, "nothing left to clear");
  assert.match(((await admitted(gate, message())) as { reply: string }).reply, /^Your daily budget of \$0\.50/);
});

test("a limit of 0 blocks every request in its scope", async () => {
  const { gate } = (await setup());
  (await gate.spending.set("workspace", "test:W1", "monthly", 0, "Admin (test:A)"));
  const r = (await admitted(gate));
  assert.ok(!r.ok);
  assert.match(r.reply, /monthly budget is \$0, so Palaver makes no requests here/);
  assert.equal((await admitted(gate, message({ workspaceId: "test:W2" }))).ok, true, "other workspaces are unaffected");
});

test("two requests racing the last cents: the first reserves its estimate, the second is refused", async () => {
  const { db, gate, prices } = (await setup({ PALAVER_BUDGET_DAILY_USD: "1" }));
  (await spend(db, T0 - 10, 990_000)); // one cent left
  const first = (await gate.admit({ message: message(), model: "claude-sonnet-4-6", maxTokens: 1000 }));
  const second = (await gate.admit({ message: message(), model: "claude-sonnet-4-6", maxTokens: 1000 }));
  assert.ok(first.ok, "the first request gets the last cent");
  assert.ok(!second.ok, "the second sees the first's reservation");
  // The estimate is max_tokens of output plus the new message, at the dearest input price.
  const estimate = prices.costMicros("claude-sonnet-4-6", {
    inputTokens: 0,
    outputTokens: 1000,
    cacheReadTokens: 0,
    cacheWriteTokens: 2,
  })!;
  assert.equal(estimate, 15_008, "2 input tokens at the $3.75/M cache-write price + 1,000 output tokens at $15/M");
  assert.equal((await gate.spending.reservedMicros("workspace", "test:W1")), estimate);
  assert.equal(
    second.reply,
    "This workspace's daily budget of $1.00 is used up ($0.99 spent today, plus $0.015 for replies in progress); it resets at 00:00 UTC (in 12 h).",
  );

  // The first finishes: its real cost is recorded, then the reservation goes.
  (await spend(db, T0 - 5, 4_000));
  await first.admission.release();
  await first.admission.release(); // idempotent
  assert.equal((await gate.spending.reservedMicros("workspace", "test:W1")), 0);
  assert.equal((await admitted(gate)).ok, true, "6,000 µ$ left and nothing in flight: admitted");
  (await spend(db, T0 - 1, 6_000));
  assert.equal((await admitted(gate)).ok, false, "now exactly at the limit");
});

test("a racing burst overshoots by no more than what was already in flight", async () => {
  const { db, gate } = (await setup({ PALAVER_BUDGET_DAILY_USD: "1" }));
  (await spend(db, T0 - 10, 900_000)); // 10 cents left
  const results = await Promise.all(
    Array.from({ length: 20 }, () => gate.admit({ message: message(), model: "claude-sonnet-4-6", maxTokens: 2000 })),
  );
  const ok = results.filter((r) => r.ok);
  // Each estimate is ≈ 3 cents (2,000 output tokens at $15/M): 10 cents cover 4 admissions
  // (0, 3, 6, 9 cents reserved before each), the 5th sees 12 cents ≥ 10.
  assert.equal(ok.length, 4);
  for (const r of ok) await r.admission.release();
});

test("the estimate grows with the conversation: the last request's prompt and reply count", async () => {
  const { db, gate, prices } = (await setup());
  const m = message({ conversationId: "test:W1:C1:long" });
  const fresh = (await gate.estimateMicros({ message: m, model: "claude-haiku-4-5", maxTokens: 100 }));
  await new UsageStore(db).record({
    platform: "console",
    workspaceId: "test:W1",
    channelId: "test:W1:C1",
    conversationId: "test:W1:C1:long",
    userId: "test:U1",
    model: "claude-haiku-4-5",
    inputTokens: 100,
    outputTokens: 400,
    cacheWriteTokens: 2000,
    cacheReadTokens: 7000,
    costMicros: 1,
    latencyMs: 1,
    createdAt: T0 - 1,
  });
  const later = (await gate.estimateMicros({ message: m, model: "claude-haiku-4-5", maxTokens: 100 }));
  const extra = prices.costMicros("claude-haiku-4-5", {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 100 + 2000 + 7000 + 400,
  })!;
  assert.equal(later - fresh, extra);
  const priciest = prices.mostExpensive().model;
  assert.equal(
    (await gate.estimateMicros({ message: m, model: "no-such-model", maxTokens: 100 })),
    (await gate.estimateMicros({ message: m, model: priciest, maxTokens: 100 })),
    "unpriced: reserved at the most expensive model's price, as it will be charged",
  );
});

test("spend totals kept up to date incrementally always equal a full recount", async () => {
  const { db, clock, gate } = (await setup({}, Date.UTC(2026, 0, 30, 20, 0)));
  const recount = async (column: string, id: string, from: number, to: number) =>
    ((await selectOne(db, `SELECT COALESCE(SUM(cost_micros), 0) AS s FROM usage WHERE ${column} = ? AND created_at >= ? AND created_at < ?`, id, from, to)) as { s: number }).s;
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let step = 0; step < 400; step++) {
    // Time moves on by up to 3 hours, across midnights and the end of January.
    clock.advance(rand(3 * 3_600_000));
    const now = clock.now();
    const where = { workspaceId: `test:W${rand(2)}`, channelId: `test:W1:C${rand(3)}`, userId: `test:U${rand(4)}` };
    // Some rows land earlier today or earlier this month, as a slow request recorded late would.
    if (rand(3) > 0) (await spend(db, now - rand(2 * 86_400_000), 1 + rand(50_000), where));
    const day = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
    const month = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
    const nextMonth = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1);
    for (const [scope, column, id] of [
      ["workspace", "workspace_id", where.workspaceId],
      ["channel", "channel_id", where.channelId],
      ["user", "user_id", where.userId],
    ] as const) {
      const got = await gate.spending.spend(scope, id, now);
      assert.equal(got.daily, await recount(column, id, day, day + 86_400_000), `step ${step} ${scope} daily`);
      assert.equal(got.monthly, await recount(column, id, month, nextMonth), `step ${step} ${scope} monthly`);
    }
  }
});
