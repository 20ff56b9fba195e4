// Kysely's SQLite driver prepares every query afresh, and compiling a statement costs more than
// running most of ours (a primary-key lookup). Our SQL texts are a fixed set of templates (values
// are always bound, never spliced in), so the connection keeps its prepared statements by text and
// hands the same one back. Measured in bench/admin.ts: preparing was about a quarter of the CPU of
// a budget check. SQLite re-prepares a kept statement by itself if a migration changes the schema.
import type Database from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** More than the distinct statements Palaver issues; the least recently used goes beyond that. */
export const STATEMENT_CACHE_SIZE = 500;

export function withStatementCache(raw: Database.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  // A Map iterates in insertion order: re-inserting on each use keeps the least recent first.
  const kept = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(text: string): SqliteStatement {
      let statement = kept.get(text);
      if (statement) {
        kept.delete(text);
      } else {
        statement = raw.prepare(text);
        if (kept.size >= size) kept.delete(kept.keys().next().value!);
      }
      kept.set(text, statement);
      return statement;
    },
  };
}
