// Migrations (SQLite; test/store-migrations.test.ts runs the same on PostgreSQL): applied in order
// on an empty database, a no-op on an up-to-date one, and a database written by a newer Palaver is
// refused with a message saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { openSqlite } from "../src/store/sqlite/open.ts";
import { migrationsDir, readMigrations } from "../src/store/migrate.ts";
import { isPalaverError } from "../src/errors.ts";
import { tempDbPath } from "./helpers/core.ts";
import { execute, selectAll, selectOne } from "./helpers/db.ts";

const SQLITE_DIR = migrationsDir("sqlite");

test("an empty database gets every migration, in order, recorded", async () => {
  const file = tempDbPath();
  const db = await openSqlite(file);
  const versions = (await selectAll<{ version: number }>(db, "SELECT version FROM schema_migrations ORDER BY version")).map((r) => r.version);
  assert.deepEqual(versions, readMigrations(SQLITE_DIR).map((m) => m.version));
  const tables = (await selectAll<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => t.name);
  for (const t of ["conversations", "messages", "replies", "settings", "usage", "budgets", "handled_events", "spend_totals", "reservations"]) {
    assert.ok(tables.includes(t), t);
  }
  await db.close();
  const raw = new Database(file);
  assert.equal((raw.pragma("journal_mode", { simple: true }) as string).toLowerCase(), "wal");
  raw.close();
});

test("re-opening an up-to-date database applies nothing and keeps the data", async () => {
  const file = tempDbPath();
  const db = await openSqlite(file);
  await execute(db, "INSERT INTO handled_events (key, handled_at) VALUES ('k', 1)");
  const before = await selectOne(db, "SELECT COUNT(*) AS n FROM schema_migrations");
  await db.close();
  const again = await openSqlite(file);
  assert.deepEqual(await selectOne(again, "SELECT COUNT(*) AS n FROM schema_migrations"), before);
  assert.deepEqual(await selectAll(again, "SELECT key FROM handled_events"), [{ key: "k" }]);
  await again.close();
});

test("a new migration is applied to an existing database", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-"));
  for (const f of fs.readdirSync(SQLITE_DIR)) fs.copyFileSync(path.join(SQLITE_DIR, f), path.join(dir, f));
  const file = tempDbPath();
  await (await openSqlite(file, dir)).close();
  const next = String(readMigrations(dir).at(-1)!.version + 1).padStart(3, "0");
  fs.writeFileSync(path.join(dir, `${next}_add_notes.sql`), "CREATE TABLE notes (id INTEGER PRIMARY KEY);");
  const db = await openSqlite(file, dir);
  assert.ok(await selectOne(db, "SELECT 1 AS one FROM sqlite_master WHERE name = 'notes'"));
  await db.close();
});

test("a failing migration leaves nothing half-applied", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-"));
  fs.writeFileSync(path.join(dir, "001_ok.sql"), "CREATE TABLE a (id INTEGER);");
  fs.writeFileSync(path.join(dir, "002_broken.sql"), "CREATE TABLE b (id INTEGER); INSERT INTO nowhere VALUES (1);");
  const file = tempDbPath();
  await assert.rejects(openSqlite(file, dir), (err) => isPalaverError(err, "migration_failed") && /002_broken/.test(err.message));
  const raw = new Database(file);
  assert.equal(raw.prepare("SELECT 1 FROM sqlite_master WHERE name = 'b'").get(), undefined);
  assert.deepEqual(raw.prepare("SELECT version FROM schema_migrations").all(), [{ version: 1 }]);
  raw.close();
});

test("a database from a newer Palaver is refused, saying so", async () => {
  const file = tempDbPath();
  await (await openSqlite(file)).close();
  const raw = new Database(file);
  raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)").run();
  raw.close();
  await assert.rejects(
    openSqlite(file),
    (err) => isPalaverError(err, "migration_unknown") && /999_from_the_future/.test(err.message) && /newer Palaver/.test(err.message),
  );
});

test("spend totals are brought up from the usage recorded before migration 008", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-"));
  for (const f of fs.readdirSync(SQLITE_DIR)) if (Number(f.slice(0, 3)) < 8) fs.copyFileSync(path.join(SQLITE_DIR, f), path.join(dir, f));
  const file = tempDbPath();
  const old = await openSqlite(file, dir);
  const jan31 = Date.UTC(2026, 0, 31, 23, 0);
  const feb1 = Date.UTC(2026, 1, 1, 1, 0);
  for (const [at, cost] of [[jan31, 100], [jan31 + 60_000, 20], [feb1, 3]] as const) {
    await execute(
      old,
      `INSERT INTO usage (platform, workspace_id, channel_id, conversation_id, user_id, model, cost_micros, latency_ms, created_at)
       VALUES ('console', 'W', 'C', 'c', 'U', 'm', ?, 1, ?)`,
      cost,
      at,
    );
  }
  await old.close();
  const db = await openSqlite(file);
  const totals = await selectAll(db, "SELECT scope_kind, period, window_start, cost_micros FROM spend_totals WHERE scope_kind = 'user' ORDER BY period, window_start");
  assert.deepEqual(totals, [
    { scope_kind: "user", period: "daily", window_start: Date.UTC(2026, 0, 31), cost_micros: 120 },
    { scope_kind: "user", period: "daily", window_start: Date.UTC(2026, 1, 1), cost_micros: 3 },
    { scope_kind: "user", period: "monthly", window_start: Date.UTC(2026, 0, 1), cost_micros: 120 },
    { scope_kind: "user", period: "monthly", window_start: Date.UTC(2026, 1, 1), cost_micros: 3 },
  ]);
  await db.close();
});
