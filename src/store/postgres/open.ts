// PostgreSQL, for several instances sharing one store (DATABASE_URL=postgres://…).
import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { Db, sql } from "../sql.ts";
import { describeError, PalaverError } from "../../errors.ts";
import { checkSchema, migrate, migrationsDir, readMigrations } from "../migrate.ts";

/** Connections per instance: a reply holds one only for the length of a query or transaction. */
const POOL_SIZE = 10;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Counts, ids, milliseconds and micro-dollars are BIGINT, and SUM() of them is NUMERIC; node-postgres
// returns both as strings so as not to lose precision past 2^53. Ours stay far below that (2^53
// micro-dollars is $9 billion), so read them as numbers, as better-sqlite3 does.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID || oid === NUMERIC_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

function connect(url: string, readOnly: boolean): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    types,
    // A reader (`npm run usage`) cannot write even by mistake: the server refuses it.
    ...(readOnly ? { options: "-c default_transaction_read_only=on" } : {}),
  });
  // An idle pooled connection can be cut by the server (a restart, a failover, an administrator's
  // pg_terminate_backend, or a shutdown racing our own close()). node-postgres reports that as an
  // 'error' event on the pool, which crashes the process when nothing listens. The pool has already
  // dropped that connection and the next query opens a new one; a query that was running gets its
  // own error. So there is nothing to do here but not crash.
  pool.on("error", () => undefined);
  return new Db(new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }), "postgres");
}

/** Where to say the database is, without its password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

/**
 * A database Palaver cannot reach or log in to is a setting to fix: one line naming DATABASE_URL
 * (without its password), not a stack trace.
 */
async function reach(db: Db, url: string): Promise<void> {
  try {
    await db.get(sql`SELECT 1 AS one`);
  } catch (err) {
    throw new PalaverError(
      "database_unreachable",
      `Cannot use the PostgreSQL database at ${describeUrl(url)} (DATABASE_URL): ${describeError(err).message}. Check that it is running and that DATABASE_URL's host, user and password are right, or unset DATABASE_URL to use SQLite at DATABASE_PATH.`,
      { cause: err },
    );
  }
}

export async function openPostgres(url: string, dir: string = migrationsDir("postgres")): Promise<Db> {
  const db = connect(url, false);
  try {
    await reach(db, url);
    await migrate(db, readMigrations(dir));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

export async function openPostgresReadOnly(url: string, dir: string = migrationsDir("postgres")): Promise<Db> {
  const db = connect(url, true);
  try {
    await reach(db, url);
    await checkSchema(db, readMigrations(dir), describeUrl(url));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
