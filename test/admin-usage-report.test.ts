// Usage reports over a real SQLite `usage` table: periods, dimensions, filters, cache figures,
// the chat rendering's size, the CSV, and `npm run usage` as a real process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openSqlite as openDatabase } from "../src/store/sqlite/open.ts";
import type { Db } from "../src/store/sql.ts";
import { UsageStore } from "../src/store/usage.ts";
import { ConversationStore } from "../src/store/conversations.ts";
import { PriceTable, type TokenUsage } from "../src/claude/pricing.ts";
import { UsageReports, type ReportDimension, type ReportPeriod } from "../src/usage/report.ts";
import { renderUsageMarkdown, MAX_CHAT_ROWS } from "../src/commands/render-usage.ts";
import { usageCsv } from "../src/usage/csv.ts";
import { parseCsv } from "./helpers/csv.ts";
import { tempDbPath } from "./helpers/core.ts";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 15, 15, 0, 0); // 2026-03-15 15:00 UTC
const prices = new PriceTable();

interface Row {
  ws: string;
  ch: string;
  user: string;
  model: string;
  tokens: TokenUsage;
  at: number;
}

const tok = (inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number): TokenUsage => ({
  inputTokens,
  outputTokens,
  cacheWriteTokens,
  cacheReadTokens,
});

const ROWS: Record<string, Row> = {
  todayAda: { ws: "test:W1", ch: "test:W1:C1", user: "test:U1", model: "claude-sonnet-4-6", tokens: tok(1000, 500, 2000, 0), at: T0 - HOUR },
  threeDaysBob: { ws: "test:W1", ch: "test:W1:C2", user: "test:U2", model: "claude-haiku-4-5", tokens: tok(200, 100, 0, 8000), at: T0 - 3 * DAY },
  tenDaysAda: { ws: "test:W1", ch: "test:W1:C1", user: "test:U1", model: "claude-sonnet-4-6", tokens: tok(50, 50, 0, 4000), at: T0 - 10 * DAY },
  fortyDaysBob: { ws: "test:W1", ch: "test:W1:C1", user: "test:U2", model: "claude-sonnet-4-6", tokens: tok(10, 10, 0, 0), at: T0 - 40 * DAY },
  otherWorkspace: { ws: "test:W2", ch: "test:W2:C9", user: "test:U9", model: "claude-opus-4-6", tokens: tok(9, 9, 9, 9), at: T0 - HOUR },
  unpriced: { ws: "test:W1", ch: "test:W1:C1", user: "test:U3", model: "mystery-model", tokens: tok(70, 30, 0, 0), at: T0 - 2 * HOUR },
};

async function seed(db: Db, rows: Row[]): Promise<void> {
  const usage = new UsageStore(db);
  for (const r of rows) {
    await usage.record({
      platform: "console",
      workspaceId: r.ws,
      channelId: r.ch,
      conversationId: `${r.ch}:conv`,
      userId: r.user,
      model: r.model,
      ...r.tokens,
      costMicros: prices.costMicros(r.model, r.tokens),
      latencyMs: 10,
      createdAt: r.at,
    });
  }
  // Ada has written to Palaver, so the report knows her name.
  const conversations = new ConversationStore(db);
  (await conversations.ensureConversation({ id: "test:W1:C1:conv", platform: "console", workspaceId: "test:W1", channelId: "test:W1:C1", isDM: false }, T0));
  await conversations.upsert(
    "test:W1:C1:conv",
    { id: "test:m1", author: { id: "test:U1", displayName: "Ada", isBot: false, isMe: false }, text: "hi", createdAt: T0 - 5 * DAY },
    T0,
  );
}

async function setup() {
  const db = await openDatabase(":memory:");
  (await seed(db, Object.values(ROWS)));
  return new UsageReports(db, prices);
}

function expectedTotals(rows: Row[]) {
  const sum = (f: (r: Row) => number) => rows.reduce((a, r) => a + f(r), 0);
  return {
    requests: rows.length,
    inputTokens: sum((r) => r.tokens.inputTokens),
    outputTokens: sum((r) => r.tokens.outputTokens),
    cacheReadTokens: sum((r) => r.tokens.cacheReadTokens),
    cacheWriteTokens: sum((r) => r.tokens.cacheWriteTokens),
    costMicros: sum((r) => prices.costMicros(r.model, r.tokens) ?? 0),
  };
}

const inW1 = (names: (keyof typeof ROWS)[]) => names.map((n) => ROWS[n]!);

test("each period covers the right UTC days of the workspace", async () => {
  const reports = (await setup());
  const cases: [ReportPeriod, (keyof typeof ROWS)[], number][] = [
    ["today", ["todayAda", "unpriced"], 1],
    ["7d", ["todayAda", "unpriced", "threeDaysBob"], 7],
    ["30d", ["todayAda", "unpriced", "threeDaysBob", "tenDaysAda"], 30],
    ["month", ["todayAda", "unpriced", "threeDaysBob", "tenDaysAda"], 15],
    ["all", ["todayAda", "unpriced", "threeDaysBob", "tenDaysAda", "fortyDaysBob"], 41],
  ];
  for (const [period, names, days] of cases) {
    const r = (await reports.report({ period, by: "user", workspaceId: "test:W1", now: T0 }));
    const { requests, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros } = r.totals;
    assert.deepEqual(
      { requests, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros },
      expectedTotals(inW1(names)),
      period,
    );
    assert.equal(r.days.length, days, `${period}: one sparkline point per day`);
    assert.equal(r.days.reduce((a, d) => a + d.costMicros, 0), r.totals.costMicros, `${period}: days add up`);
    assert.equal(r.days.at(-1)!.day, "2026-03-15");
  }
});

test("rows by user, channel, model and day add up to the totals; names where known", async () => {
  const reports = (await setup());
  for (const by of ["user", "channel", "model", "day"] as ReportDimension[]) {
    const r = (await reports.report({ period: "30d", by, workspaceId: "test:W1", now: T0 }));
    assert.equal(r.rows.reduce((a, x) => a + x.costMicros, 0), r.totals.costMicros, by);
    assert.equal(r.rows.reduce((a, x) => a + x.requests, 0), r.totals.requests, by);
  }
  const byUser = (await reports.report({ period: "30d", by: "user", workspaceId: "test:W1", now: T0 }));
  assert.deepEqual(
    byUser.rows.map((r) => [r.key, r.label, r.requests]),
    [
      ["test:U1", "Ada", 2],
      ["test:U2", "test:U2", 1],
      ["test:U3", "test:U3", 1],
    ],
    "most expensive first; unknown names show the id",
  );
  const byDay = (await reports.report({ period: "30d", by: "day", workspaceId: "test:W1", now: T0 }));
  assert.deepEqual(byDay.rows.map((r) => r.key), ["2026-03-05", "2026-03-12", "2026-03-15"], "chronological");
  const byModel = (await reports.report({ period: "30d", by: "model", workspaceId: "test:W1", now: T0 }));
  const mystery = byModel.rows.find((r) => r.key === "mystery-model")!;
  assert.equal(mystery.costMicros, 0);
  assert.equal(mystery.unpricedRequests, 1);
  assert.equal(byModel.totals.unpricedRequests, 1);
});

test("cache hit rate and what caching saved, by the price table", async () => {
  const reports = (await setup());
  const r = (await reports.report({ period: "30d", by: "model", workspaceId: "test:W1", now: T0 }));
  const rows = inW1(["todayAda", "unpriced", "threeDaysBob", "tenDaysAda"]);
  const t = expectedTotals(rows);
  assert.equal(r.cacheHitRate, t.cacheReadTokens / (t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens));
  // Saved = the same tokens sent uncached minus what they cost cached (writes cost 1.25×).
  let saved = 0;
  for (const row of rows) {
    const cached = prices.costMicros(row.model, row.tokens);
    const plain = prices.costMicros(row.model, {
      inputTokens: row.tokens.inputTokens + row.tokens.cacheReadTokens + row.tokens.cacheWriteTokens,
      outputTokens: row.tokens.outputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    if (cached !== undefined && plain !== undefined) saved += plain - cached;
  }
  assert.ok(saved > 0);
  assert.equal(r.totals.cacheSavedMicros, saved);
  // Only a write, no read yet: caching cost extra, and the report says so.
  const today = (await reports.report({ period: "today", by: "model", workspaceId: "test:W1", now: T0 }));
  assert.ok(today.totals.cacheSavedMicros < 0);
  assert.match(renderUsageMarkdown(today, "this workspace"), /caching cost an extra \$/);
});

test("a person's own usage only, and other workspaces never", async () => {
  const reports = (await setup());
  const mine = (await reports.report({ period: "all", by: "model", workspaceId: "test:W1", userId: "test:U1", now: T0 }));
  const { requests, costMicros } = mine.totals;
  const expected = expectedTotals(inW1(["todayAda", "tenDaysAda"]));
  assert.deepEqual({ requests, costMicros }, { requests: expected.requests, costMicros: expected.costMicros });
  const other = (await reports.report({ period: "all", by: "user", workspaceId: "test:W2", now: T0 }));
  assert.deepEqual(other.rows.map((r) => r.key), ["test:U9"]);
  const empty = (await reports.report({ period: "today", by: "user", workspaceId: "test:W3", now: T0 }));
  assert.equal(empty.totals.requests, 0);
  assert.match(renderUsageMarkdown(empty, "this workspace"), /No Claude requests in this period/);
});

test("the chat rendering: a monospace table with sparkline, capped rows, inside one Discord message", async () => {
  const db = await openDatabase(":memory:");
  const conversations = new ConversationStore(db);
  const many: Row[] = [];
  for (let i = 0; i < 40; i++) {
    const user = `test:U${100 + i}`;
    many.push({ ws: "test:W1", ch: `test:W1:C${i % 7}`, user, model: "claude-sonnet-4-6", tokens: tok(1000 * i, 400 * i, 100_000, 2_000_000), at: T0 - (i % 30) * DAY });
    const conv = `test:W1:C${i}:t`;
    (await conversations.ensureConversation({ id: conv, platform: "console", workspaceId: "test:W1", channelId: "test:W1:C", isDM: false }, T0));
    await conversations.upsert(conv, { id: `test:n${i}`, author: { id: user, displayName: `A Rather Long Display Name Number ${i}`, isBot: false, isMe: false }, text: "x", createdAt: T0 }, T0);
  }
  (await seed(db, many));
  const report = await new UsageReports(db, prices).report({ period: "30d", by: "user", workspaceId: "test:W1", now: T0 });
  const md = renderUsageMarkdown(report, "this workspace");
  assert.ok(md.length < 2000, `fits a Discord message: ${md.length} chars`);
  const block = md.split("```")[1]!.trim().split("\n");
  const header = block[0]!;
  assert.match(header, /^user\s+req\s+input\s+output\s+c\.read\s+c\.write\s+cost\s+share$/);
  const dataRows = block.slice(1, block.findIndex((l) => l.startsWith("---")));
  assert.equal(dataRows.length, MAX_CHAT_ROWS);
  assert.match(dataRows.at(-1)!, /^31 others\s+31\s/);
  assert.match(dataRows[0]!, /^A Rather Long Dis…\s+1\s/, "labels are cut to fit");
  assert.ok(new Set(block.slice(0, dataRows.length + 3).map((l) => l.length)).size <= 2, "columns line up");
  const spark = block.find((l) => l.startsWith("cost per day"))!;
  assert.match(spark, /^cost per day {2}[·▁▂▃▄▅▆▇█]{30} {2}\(peak day \$\d/);
  assert.match(md, /cache hit rate {2}\d+% {3}caching saved \$\d/);
});

test("CSV: parses, one line per row, exact numbers, names quoted and defused", async () => {
  const db = await openDatabase(":memory:");
  (await seed(db, [ROWS.todayAda!, ROWS.threeDaysBob!]));
  const conversations = new ConversationStore(db);
  await conversations.upsert(
    "test:W1:C1:conv",
    { id: "test:m2", author: { id: "test:U2", displayName: '=HYPERLINK("x"), "Bob"', isBot: false, isMe: false }, text: "x", createdAt: T0 },
    T0,
  );
  const report = await new UsageReports(db, prices).report({ period: "7d", by: "user", workspaceId: "test:W1", now: T0 });
  const rows = parseCsv(usageCsv(report));
  assert.deepEqual(rows[0], [
    "user",
    "name",
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cost_usd",
    "cache_saved_usd",
    "unpriced_requests",
  ]);
  assert.equal(rows.length, 1 + report.rows.length);
  const bob = rows.find((r) => r[0] === "test:U2")!;
  assert.equal(bob[1], `'=HYPERLINK("x"), "Bob"`, "comma and quotes survive; the formula is defused");
  assert.deepEqual(bob.slice(2, 7).map(Number), [1, 200, 100, 8000, 0]);
  assert.equal(Number(bob[7]), prices.costMicros("claude-haiku-4-5", ROWS.threeDaysBob!.tokens)! / 1e6);
  const total = rows.slice(1).reduce((a, r) => a + Math.round(Number(r[7]) * 1e6), 0);
  assert.equal(total, report.totals.costMicros);
});

test("npm run usage: needs only DATABASE_PATH; text, CSV, and clear errors", async () => {
  const file = tempDbPath();
  const db = await openDatabase(file);
  const now = Date.now();
  const recent = [ROWS.todayAda!, ROWS.threeDaysBob!, ROWS.otherWorkspace!].map((r) => ({ ...r, at: now - (T0 - r.at) }));
  (await seed(db, recent));
  await db.close();
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", DATABASE_PATH: file, LOG_LEVEL: "silent" };
  const cli = (args: string[], e = env) =>
    run(process.execPath, ["--import", "tsx", path.join(ROOT, "src/usage/cli.ts"), ...args], { cwd: ROOT, env: e });

  const csv = await cli(["--since", "7d", "--by", "model", "--csv"]);
  const rows = parseCsv(csv.stdout);
  assert.deepEqual(rows.map((r) => r[0]).slice(1).sort(), ["claude-haiku-4-5", "claude-opus-4-6", "claude-sonnet-4-6"]);
  const cost = rows.slice(1).reduce((a, r) => a + Math.round(Number(r[7]) * 1e6), 0);
  assert.equal(cost, expectedTotals(recent).costMicros, "every workspace, priced");

  const text = await cli(["--since", "today", "--by", "channel", "--workspace", "test:W2"]);
  assert.match(text.stdout, /^Usage today \(\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d UTC\), workspace test:W2, by channel\n/);
  assert.match(text.stdout, /\ntest:W2:C9 +1 /);
  assert.doesNotMatch(text.stdout, /test:W1/);

  await assert.rejects(cli(["--since", "90d"]), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /--since must be one of today, 7d, 30d, month, all/);
    return true;
  });
  await assert.rejects(cli([], { ...env, DATABASE_PATH: path.join(path.dirname(file), "missing.db") }), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /No database at .*missing\.db: set DATABASE_PATH/);
    return true;
  });
});
