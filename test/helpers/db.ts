// Raw SQL in tests, over the same async store seam Palaver uses, so a test reads what Palaver
// wrote whichever engine holds it. `?` placeholders are bound values, as in a prepared statement.
import { sql, type RawBuilder } from "kysely";
import type { Db } from "../../src/store/sql.ts";

export function q<T = Record<string, unknown>>(text: string, ...params: unknown[]): RawBuilder<T> {
  const pieces = text.split("?");
  if (pieces.length - 1 !== params.length) throw new Error(`${params.length} values for ${pieces.length - 1} placeholders in: ${text}`);
  const parts = pieces.flatMap((piece, i) => (i === 0 ? [sql.raw(piece)] : [sql`${params[i - 1]}`, sql.raw(piece)]));
  return sql<T>`${sql.join(parts, sql``)}`;
}

export function selectAll<T = Record<string, unknown>>(db: Db, text: string, ...params: unknown[]): Promise<T[]> {
  return db.all<T>(q<T>(text, ...params));
}

export function selectOne<T = Record<string, unknown>>(db: Db, text: string, ...params: unknown[]): Promise<T | undefined> {
  return db.get<T>(q<T>(text, ...params));
}

export function execute(db: Db, text: string, ...params: unknown[]): Promise<number> {
  return db.run(q(text, ...params));
}
