// The storage seam: one async handle over either engine. Stores write portable SQL with Kysely's
// `sql` tag (values are always bound parameters, never spliced into the text); Kysely's dialects
// turn the placeholders into each engine's own (`?` for SQLite, `$1` for PostgreSQL), pool
// PostgreSQL connections and serialise SQLite's single connection.
import { sql, type Kysely, type RawBuilder } from "kysely";

export { sql };
export type Dialect = "sqlite" | "postgres";

export class Db {
  constructor(
    private readonly kysely: Kysely<unknown>,
    readonly dialect: Dialect,
    /**
     * Runs a script of several statements. better-sqlite3 prepares one statement at a time, so
     * SQLite's opener passes its exec(); PostgreSQL's simple query protocol takes a whole script.
     */
    private readonly execScript?: (text: string) => void,
    /** Inside transaction(): nested calls join it instead of opening another. */
    private readonly inTransaction = false,
  ) {}

  /** A migration file: several statements, no parameters. */
  async script(text: string): Promise<void> {
    if (this.execScript) this.execScript(text);
    else await sql.raw(text).execute(this.kysely);
  }

  async all<T>(query: RawBuilder<T>): Promise<T[]> {
    return (await query.execute(this.kysely)).rows;
  }

  async get<T>(query: RawBuilder<T>): Promise<T | undefined> {
    return (await query.execute(this.kysely)).rows[0];
  }

  /** Runs a write; returns how many rows it changed. */
  async run(query: RawBuilder<unknown>): Promise<number> {
    return Number((await query.execute(this.kysely)).numAffectedRows ?? 0n);
  }

  /**
   * All of fn's queries in one transaction: committed when fn resolves, rolled back when it
   * throws, so no error leaves half of a change behind.
   */
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.kysely.transaction().execute((trx) => fn(new Db(trx as Kysely<unknown>, this.dialect, this.execScript, true)));
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}
