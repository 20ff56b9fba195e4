// Admin benchmarks: what the budget check adds before every Claude request, and how long the
// usage report takes, on a database holding a busy workspace's history. Prints figures only.
// Runs on SQLite and on PostgreSQL (each in its own process, figures side by side at the end);
// `--engine=sqlite|postgres` runs one alone. The data is the same on both (bench/admin-seed.ts).
import os from "node:os";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Gate } from "../src/admission/gate.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { UsageStore } from "../src/store/usage.ts";
import { PriceTable } from "../src/claude/pricing.ts";
import { systemClock } from "../src/runtime/clock.ts";
import { UsageReports } from "../src/usage/report.ts";
import { renderUsageMarkdown } from "../src/commands/render-usage.ts";
import type { InboundMessage } from "../src/types.ts";
import { ms, summarize } from "./lib.ts";
import { benchStore, ENGINE_NAMES, engineArg, reportFigure, runPerEngine, stopBenchEngines } from "./engines.ts";
import { CHANNELS, DAYS, ROWS, seedUsage, USERS } from "./admin-seed.ts";

/** Targets: the check runs before every request, so it must be negligible next to Claude's TTFT. */
const ADMIT_P99_TARGET_MS = 2;
const REPORT_TARGET_MS = 500;

const engine = engineArg();
if (engine === undefined) {
  const failed = await runPerEngine(fileURLToPath(import.meta.url), "bench/admin.ts");
  process.exit(failed > 0 ? 1 : 0);
}

console.log(`Palaver admin benchmarks on ${ENGINE_NAMES[engine]}; load average (1 min) at start ${os.loadavg()[0]!.toFixed(2)}`);
const store = await benchStore(engine);
const db = await store.open();
const now = systemClock.now();
const seedStarted = performance.now();
await seedUsage(db, now);
const seedMs = performance.now() - seedStarted;

const config = parseConfig({
  ANTHROPIC_API_KEY: "sk-bench-0000",
  ...store.env,
  PALAVER_BUDGET_DAILY_USD: "100000",
  PALAVER_BUDGET_MONTHLY_USD: "1000000",
  PALAVER_USER_DAILY_USD: "1000",
  PALAVER_USER_RATE: "1000000/hour",
});
const gate = new Gate(config, { db, clock: systemClock, prices: new PriceTable() });
await gate.spending.set("channel", "slack:T1:C7", "daily", 50_000_000, "bench");
const admitMs: number[] = [];
for (let i = 0; i < 2000; i++) {
  const message: InboundMessage = {
    id: `slack:T1:C7:${i}`,
    platform: "slack",
    conversationId: `slack:T1:C7:${i % 5000}`,
    workspaceId: "slack:T1",
    channelId: "slack:T1:C7",
    isDM: false,
    addressedBy: "mention",
    author: { id: `slack:U${i % USERS}`, displayName: "u", isBot: false, isMe: false },
    text: "How much did we spend?",
    createdAt: now,
  };
  const t = performance.now();
  const r = (await gate.admit({ message, model: "claude-sonnet-4-6", maxTokens: 2048 }));
  admitMs.push(performance.now() - t);
  if (!r.ok) throw new Error(`unexpected refusal: ${r.reply}`);
  // The request's usage is recorded before release, as the bot does: the next check counts it.
  await new UsageStore(db).record({
    platform: "slack",
    workspaceId: "slack:T1",
    channelId: message.channelId,
    conversationId: message.conversationId,
    userId: message.author.id,
    model: "claude-sonnet-4-6",
    inputTokens: 1200,
    outputTokens: 400,
    cacheWriteTokens: 0,
    cacheReadTokens: 3000,
    costMicros: 10_000,
    latencyMs: 900,
    createdAt: systemClock.now(),
  });
  await r.admission.release();
}

const reports = new UsageReports(db, new PriceTable());
const reportMs: number[] = [];
let chars = 0;
for (const by of ["user", "channel", "model", "day"] as const) {
  const t = performance.now();
  const report = (await reports.report({ period: "30d", by, workspaceId: "slack:T1", now }));
  chars = Math.max(chars, renderUsageMarkdown(report, "this workspace").length);
  reportMs.push(performance.now() - t);
}

const a = summarize(admitMs.slice(100));
const r = summarize(reportMs);
const mark = (ok: boolean) => (ok ? "PASS" : "MISS");
const where = engine === "sqlite" ? "file DB, WAL" : "embedded PostgreSQL on loopback";
console.log(`usage rows: ${ROWS} over ${DAYS} days, ${USERS} users, ${CHANNELS} channels (${where}), seeded in ${(seedMs / 1000).toFixed(1)} s`);
console.log(`gate.admit (access, rate, 3 scopes × 2 windows, reserve): p50 ${a.p50.toFixed(3)} ms, p99 ${a.p99.toFixed(3)} ms  target p99 < ${ADMIT_P99_TARGET_MS} ms  ${mark(a.p99 < ADMIT_P99_TARGET_MS)}`);
console.log(`usage report 30d (user|channel|model|day, rendered): max ${r.max.toFixed(1)} ms, mean ${r.mean.toFixed(1)} ms  target < ${REPORT_TARGET_MS} ms  ${mark(r.max < REPORT_TARGET_MS)}; longest answer ${chars} chars`);
reportFigure("gate.admit p50 (200k usage rows)", ms(a.p50, 3));
reportFigure("gate.admit p99 (200k usage rows)", ms(a.p99, 3));
reportFigure("usage report 30d, max of 4", ms(r.max, 1));
await db.close();
await store.cleanup();
await stopBenchEngines();
console.log(`load average (1 min) at end ${os.loadavg()[0]!.toFixed(2)}`);
