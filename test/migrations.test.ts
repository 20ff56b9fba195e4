// Migrations: applied in order on an empty database, a no-op on an up-to-date one, and a
// database written by a newer Palaver is refused with a message saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { openDatabase, readMigrations, MIGRATIONS_DIR } from "../src/store/db.ts";
import { isPalaverError } from "../src/errors.ts";
import { tempDbPath } from "./helpers/core.ts";

test("an empty database gets every migration, in order, recorded", () => {
  const file = tempDbPath();
  const db = openDatabase(file);
  const versions = (db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[]).map((r) => r.version);
  assert.deepEqual(versions, readMigrations().map((m) => m.version));
  assert.equal((db.pragma("journal_mode", { simple: true }) as string).toLowerCase(), "wal");
  assert.equal(db.pragma("foreign_keys", { simple: true }), 1);
  assert.ok((db.pragma("busy_timeout", { simple: true }) as number) > 0);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  for (const t of ["conversations", "messages", "replies", "settings", "usage", "budgets", "handled_events"]) assert.ok(tables.includes(t), t);
  db.close();
});

test("re-opening an up-to-date database applies nothing and keeps the data", () => {
  const file = tempDbPath();
  const db = openDatabase(file);
  db.prepare("INSERT INTO handled_events (key, handled_at) VALUES ('k', 1)").run();
  const before = db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get();
  db.close();
  const again = openDatabase(file);
  assert.deepEqual(again.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get(), before);
  assert.deepEqual(again.prepare("SELECT key FROM handled_events").all(), [{ key: "k" }]);
  again.close();
});

test("a new migration is applied to an existing database", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-"));
  for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  const file = tempDbPath();
  openDatabase(file, dir).close();
  const next = String(readMigrations(dir).at(-1)!.version + 1).padStart(3, "0");
  fs.writeFileSync(path.join(dir, `${next}_add_notes.sql`), "CREATE TABLE notes (id INTEGER PRIMARY KEY);");
  const db = openDatabase(file, dir);
  assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'notes'").get());
  db.close();
});

test("a failing migration leaves nothing half-applied", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-"));
  fs.writeFileSync(path.join(dir, "001_ok.sql"), "CREATE TABLE a (id INTEGER);");
  fs.writeFileSync(path.join(dir, "002_broken.sql"), "CREATE TABLE b (id INTEGER); INSERT INTO nowhere VALUES (1);");
  const file = tempDbPath();
  assert.throws(() => openDatabase(file, dir), (err) => isPalaverError(err, "migration_failed") && /002_broken/.test(err.message));
  const raw = new Database(file);
  assert.equal(raw.prepare("SELECT 1 FROM sqlite_master WHERE name = 'b'").get(), undefined);
  assert.deepEqual(raw.prepare("SELECT version FROM schema_migrations").all(), [{ version: 1 }]);
  raw.close();
});

test("a database from a newer Palaver is refused, saying so", () => {
  const file = tempDbPath();
  openDatabase(file).close();
  const raw = new Database(file);
  raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)").run();
  raw.close();
  assert.throws(
    () => openDatabase(file),
    (err) => isPalaverError(err, "migration_unknown") && /999_from_the_future/.test(err.message) && /newer Palaver/.test(err.message),
  );
});
