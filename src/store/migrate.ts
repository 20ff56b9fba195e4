// Brings a database's schema up to date, the same way on both engines.
//
// Migrations are migrations/<engine>/NNN_name.sql: the same versions and names for each engine
// (test/store-migrations.test.ts checks), applied in order, each in its own transaction and
// recorded in schema_migrations. A database that records a migration this code does not have was
// written by a newer Palaver: we refuse to start rather than run on a schema we don't know.
// Instances that start together on one PostgreSQL take an advisory lock inside each migration's
// transaction and look again under it, so each migration runs exactly once.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PalaverError } from "../errors.ts";
import { sql, type Db, type Dialect } from "./sql.ts";

export const MIGRATIONS_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

export function migrationsDir(dialect: Dialect): string {
  return path.join(MIGRATIONS_ROOT, dialect);
}

/** Any fixed number: every Palaver uses the same one, and nothing else in the database takes it. */
const MIGRATION_LOCK_KEY = 0x70616c76; // "palv"

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((file) => {
      const m = MIGRATION_FILE.exec(file)!;
      return { version: Number(m[1]), name: m[2]!, sql: fs.readFileSync(path.join(dir, file), "utf8") };
    });
}

const label = (version: number, name?: string) => `${String(version).padStart(3, "0")}${name ? `_${name}` : ""}`;

async function lock(tx: Db): Promise<void> {
  if (tx.dialect === "postgres") await tx.get(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
}

async function applied(tx: Db): Promise<{ version: number; name: string }[]> {
  return tx.all<{ version: number; name: string }>(sql`SELECT version, name FROM schema_migrations ORDER BY version`);
}

function refuseUnknown(rows: { version: number; name: string }[], known: Migration[]): void {
  const versions = new Set(known.map((m) => m.version));
  const unknown = rows.filter((a) => !versions.has(a.version));
  if (unknown.length > 0) {
    throw new PalaverError(
      "migration_unknown",
      `The database has migration ${unknown.map((u) => label(u.version, u.name)).join(", ")}, which this version of Palaver does not know: it was written by a newer Palaver. Upgrade Palaver or point DATABASE_PATH / DATABASE_URL at another database.`,
    );
  }
}

/** Apply what is missing; returns the versions applied now. */
export async function migrate(db: Db, migrations: Migration[]): Promise<number[]> {
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.run(sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
  });
  refuseUnknown(await applied(db), migrations);
  const now: number[] = [];
  for (const m of migrations) {
    try {
      const ran = await db.transaction(async (tx) => {
        await lock(tx);
        // Another instance may have applied it while we waited for the lock.
        if ((await applied(tx)).some((a) => a.version === m.version)) return false;
        await tx.script(m.sql);
        await tx.run(sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`);
        return true;
      });
      if (ran) now.push(m.version);
    } catch (err) {
      throw new PalaverError("migration_failed", `Migration ${label(m.version, m.name)} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return now;
}

/**
 * For readers that must not change the database (`npm run usage`): refuse a schema that is not
 * exactly this code's, naming what is missing or too new, instead of migrating or misreading it.
 */
export async function checkSchema(db: Db, migrations: Migration[], where: string): Promise<void> {
  const table = await db.get(
    db.dialect === "sqlite"
      ? sql`SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
      : sql`SELECT 1 AS one FROM information_schema.tables WHERE table_name = 'schema_migrations' AND table_schema = current_schema()`,
  );
  const rows = table ? await applied(db) : [];
  const have = new Set(rows.map((r) => r.version));
  const missing = migrations.filter((m) => !have.has(m.version));
  if (missing.length > 0) {
    throw new PalaverError(
      "migration_pending",
      `The database at ${where} has not been upgraded to this version of Palaver (missing migration ${missing.map((m) => label(m.version)).join(", ")}). Start Palaver once to upgrade it; this command only reads.`,
    );
  }
  const known = new Set(migrations.map((m) => m.version));
  const unknown = rows.filter((r) => !known.has(r.version));
  if (unknown.length > 0) {
    throw new PalaverError(
      "migration_unknown",
      `The database at ${where} was written by a newer Palaver (migration ${unknown.map((u) => u.version).join(", ")}): upgrade Palaver to read it.`,
    );
  }
}
