// Issue 9 item 10, operations: `npm run usage` only reads; per-key rate windows and caches forget
// idle keys; handled-event ids are pruned while Palaver runs, not only at start.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import Database from "better-sqlite3";
import { webApi } from "@slack/bolt";
import { migrate, migrationsDir, readMigrations } from "../src/store/migrate.ts";
import { openSqlite } from "../src/store/sqlite/open.ts";
import { Db } from "../src/store/sql.ts";
import { Kysely, SqliteDialect } from "kysely";
import { selectAll, selectOne } from "./helpers/db.ts";
import { UsageStore } from "../src/store/usage.ts";
import { runUsageCli } from "../src/usage/cli.ts";
import { Budgets, SWEEP_AT_WINDOWS } from "../src/reply/rate-budgets.ts";
import { UserRateLimiter } from "../src/admission/user-rate.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import { silentLogger } from "../src/runtime/log.ts";
import { HANDLED_EVENT_TTL_MS } from "../src/store/events.ts";
import { UserDirectory } from "../adapters/slack/users.ts";
import { USER_CACHE_MAX_ENTRIES, USER_CACHE_TTL_MS } from "../adapters/slack/limits.ts";
import { startFakeSlack } from "./fakes/slack/index.ts";
import { startCore, tempDbPath } from "./helpers/core.ts";

const HOUR = 3_600_000;
const sha256 = (file: string): string => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const versions = (file: string): number[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map((r) => r.version);
  } finally {
    db.close();
  }
};

test("npm run usage opens the database read-only and never migrates it", async () => {
  // A database an older Palaver wrote (only the first migration), with one usage row.
  const old = tempDbPath();
  const raw = new Database(old);
  const oldDb = new Db(new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) }), "sqlite", (text) => raw.exec(text));
  await migrate(oldDb, readMigrations(migrationsDir("sqlite")).slice(0, 1));
  await oldDb.close();
  const before = sha256(old);
  const refused = await runUsageCli(["--since", "all"], { DATABASE_PATH: old }, Date.now());
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /has not been upgraded to this version of Palaver \(missing migration 002, .*\)\. Start Palaver once to upgrade it; this command only reads\./);
  assert.deepEqual(versions(old), [1], "not migrated");
  assert.equal(sha256(old), before, "not a byte changed");

  // A current database: reported, and still not written.
  const current = tempDbPath();
  const db = await openSqlite(current);
  await new UsageStore(db).record({
    platform: "console",
    workspaceId: "console",
    channelId: "console:local",
    conversationId: "console:local",
    userId: "console:ada",
    model: "claude-haiku-4-5",
    inputTokens: 100,
    outputTokens: 10,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    costMicros: 150,
    latencyMs: 5,
    createdAt: Date.now(),
  });
  await db.close();
  // Closing the last connection checkpoints the WAL into the file.
  const snapshot = sha256(current);
  const report = await runUsageCli(["--since", "all", "--csv"], { DATABASE_PATH: current }, Date.now());
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /console:ada/);
  assert.equal(sha256(current), snapshot, "reading changed nothing");
});

test("per-key rate windows: idle keys are evicted, busy ones kept", async () => {
  let now = 1_000_000;
  const budgets = new Budgets(() => now);
  const busy = { key: "slack:T1:chat.update", limit: 50, windowMs: 120_000 };
  const many = SWEEP_AT_WINDOWS + 100;
  for (let i = 0; i < many; i++) await budgets.acquire([{ key: `discord:c${i}:edit`, limit: 4, windowMs: 5_500 }]);
  assert.equal(budgets.size, many, "windows in use are all kept");
  // A minute later the per-channel windows are idle; the busy key has a grant inside its window.
  now += 60_000;
  await budgets.acquire([busy]);
  await budgets.acquire([{ key: "discord:c-new:edit", limit: 4, windowMs: 5_500 }]);
  assert.ok(budgets.size <= 3, `idle windows were dropped (${budgets.size} left)`);
  assert.equal(budgets.used(busy), 1, "the busy key kept its grant");
});

test("per-user rate: users whose requests aged out are forgotten", async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const db = await openSqlite(":memory:");
  try {
    const rate = new UserRateLimiter({ count: 3, windowMs: HOUR }, db, clock);
    const tracked = async () => ((await selectOne<{ n: number }>(db, "SELECT COUNT(DISTINCT user_key) AS n FROM rate_events"))?.n ?? 0);
    for (let i = 0; i < 500; i++) await rate.record(`slack:U${i}`);
    assert.equal(await tracked(), 500);
    clock.advance(HOUR + 1);
    assert.equal((await rate.check("slack:U1")).ok, true);
    await rate.record("slack:Unew");
    assert.equal(await tracked(), 1, "only the user with a request in the window");
  } finally {
    await db.close();
  }
});

test("slack user directory: expired users are evicted and the cache never exceeds its bound", async () => {
  const slack = await startFakeSlack();
  try {
    let now = Date.UTC(2026, 0, 1);
    const client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const users = new UserDirectory(client, silentLogger(), () => now, 20);
    // Unknown ids: users.info fails (user_not_found) and each id is cached as a fallback.
    await Promise.all(Array.from({ length: 15 }, (_, i) => users.get(`U0GONE${i}`)));
    assert.equal(users.size, 15);
    now += USER_CACHE_TTL_MS;
    await users.get("U0ALICE");
    assert.equal(users.size, 1, "expired entries were dropped");
    // Never more than the bound, even inside one TTL: the least recently added go first.
    await Promise.all(Array.from({ length: 30 }, (_, i) => users.get(`U0FLOOD${i}`)));
    assert.equal(users.size, 20);
    assert.ok(USER_CACHE_MAX_ENTRIES >= 1000, "the production bound still holds a busy workspace");
  } finally {
    await slack.close();
  }
});

test("handled-event ids are pruned while running, not only at start", async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const h = await startCore({}, { clock });
  try {
    await h.app.start([]);
    for (let i = 0; i < 20; i++) assert.equal(await h.app.bot.claimEvent(`slack:event:Ev${i}`), true);
    clock.advance(HANDLED_EVENT_TTL_MS + HOUR);
    assert.equal(await h.app.bot.claimEvent("slack:event:EvLater"), true);
    const keys = await selectAll<{ key: string }>(h.app.db, "SELECT key FROM handled_events");
    assert.deepEqual(keys.map((k) => k.key), ["slack:event:EvLater"]);
  } finally {
    await h.close();
  }
});
