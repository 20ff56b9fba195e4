// SQLite, the embedded default: one file at DATABASE_PATH, nothing to install. better-sqlite3 is
// synchronous; Kysely runs it behind the async seam and serialises its one connection, so a
// transaction's queries never interleave with another caller's.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { Db } from "../sql.ts";
import { checkSchema, migrate, migrationsDir, readMigrations } from "../migrate.ts";
import { withStatementCache } from "./statement-cache.ts";

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

function wrap(raw: Database.Database): Db {
  return new Db(new Kysely<unknown>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) }), "sqlite", (text) => raw.exec(text));
}

/** Open (creating the folder and file when needed) and migrate. ":memory:" for a throwaway one. */
export async function openSqlite(file: string, dir: string = migrationsDir("sqlite")): Promise<Db> {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new Database(file);
  const db = wrap(raw);
  try {
    raw.pragma("journal_mode = WAL");
    raw.pragma("foreign_keys = ON");
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    raw.pragma("synchronous = NORMAL");
    await migrate(db, readMigrations(dir));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * Open an existing database for reading only (`npm run usage`): never created, never migrated,
 * never written.
 */
export async function openSqliteReadOnly(file: string, dir: string = migrationsDir("sqlite")): Promise<Db> {
  const raw = new Database(file, { readonly: true, fileMustExist: true });
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const db = wrap(raw);
  try {
    await checkSchema(db, readMigrations(dir), file);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
