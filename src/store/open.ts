// Which store: PostgreSQL when DATABASE_URL is set (several instances share it), else the SQLite
// file at DATABASE_PATH.
import type { Db } from "./sql.ts";
import { openSqlite, openSqliteReadOnly } from "./sqlite/open.ts";
import { describeUrl, openPostgres, openPostgresReadOnly } from "./postgres/open.ts";

export interface StoreLocation {
  databaseUrl?: string;
  databasePath: string;
}

export function openStore(where: StoreLocation): Promise<Db> {
  return where.databaseUrl ? openPostgres(where.databaseUrl) : openSqlite(where.databasePath);
}

export function openStoreReadOnly(where: StoreLocation): Promise<Db> {
  return where.databaseUrl ? openPostgresReadOnly(where.databaseUrl) : openSqliteReadOnly(where.databasePath);
}

/** The store as a log line or /readyz may name it: never a password. */
export function describeStore(where: StoreLocation): string {
  return where.databaseUrl ? describeUrl(where.databaseUrl) : where.databasePath;
}
