// Opens the SQLite database and brings its schema up to date.
//
// Migrations are migrations/NNN_name.sql, applied in order, each in its own transaction and
// recorded in schema_migrations. A database that records a migration this code does not have
// was written by a newer Palaver: we refuse to start rather than run on a schema we don't know.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { PalaverError } from "../errors.ts";

export type Db = Database.Database;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations/sqlite");

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((file) => {
      const m = MIGRATION_FILE.exec(file)!;
      return { version: Number(m[1]), name: m[2]!, sql: fs.readFileSync(path.join(dir, file), "utf8") };
    });
}

/** Open (creating the folder and file when needed) and migrate. Use ":memory:" for tests. */
export function openDatabase(file: string, migrationsDir: string = MIGRATIONS_DIR): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("synchronous = NORMAL");
    migrate(db, readMigrations(migrationsDir));
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Open an existing database for reading only (`npm run usage`): never created, never migrated,
 * never written. A database whose schema is not the one this code expects (migrations missing,
 * or from a newer Palaver) is refused with the reason, rather than changed or misread.
 */
export function openDatabaseReadOnly(file: string, migrationsDir: string = MIGRATIONS_DIR): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    const applied = new Set(
      hasTable ? (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version) : [],
    );
    const known = readMigrations(migrationsDir).map((m) => m.version);
    const missing = known.filter((v) => !applied.has(v));
    if (missing.length > 0) {
      throw new PalaverError(
        "migration_pending",
        `The database at ${file} has not been upgraded to this version of Palaver (missing migration ${missing.map((v) => String(v).padStart(3, "0")).join(", ")}). Start Palaver once to upgrade it; this command only reads.`,
      );
    }
    const unknown = [...applied].filter((v) => !known.includes(v));
    if (unknown.length > 0) {
      throw new PalaverError(
        "migration_unknown",
        `The database at ${file} was written by a newer Palaver (migration ${unknown.join(", ")}): upgrade Palaver to read it.`,
      );
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Apply what is missing; returns the versions applied now. */
export function migrate(db: Db, migrations: Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all() as {
    version: number;
    name: string;
  }[];
  const known = new Set(migrations.map((m) => m.version));
  const unknown = applied.filter((a) => !known.has(a.version));
  if (unknown.length > 0) {
    const names = unknown.map((u) => `${String(u.version).padStart(3, "0")}_${u.name}`).join(", ");
    throw new PalaverError(
      "migration_unknown",
      `The database has migration ${names}, which this version of Palaver does not know: it was written by a newer Palaver. Upgrade Palaver or point DATABASE_PATH at another file.`,
    );
  }
  const done = new Set(applied.map((a) => a.version));
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const now: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    const apply = db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    });
    try {
      apply();
    } catch (err) {
      throw new PalaverError(
        "migration_failed",
        `Migration ${String(m.version).padStart(3, "0")}_${m.name} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    now.push(m.version);
  }
  return now;
}
