// Running Palaver processes and their heartbeats (migration 005): which replies and queued
// messages belong to a live instance, and which a dead one left behind.
import { sql, type Db } from "./sql.ts";
import type { RawBuilder } from "kysely";

export class InstanceStore {
  constructor(private readonly db: Db) {}

  /** Record that instance `id` (process `pid` on `host`) is alive now (creates its row the first time). */
  async heartbeat(id: string, where: { host: string; pid: number }, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO instances (id, host, pid, started_at, last_seen) VALUES (${id}, ${where.host}, ${where.pid}, ${now}, ${now})
          ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`,
    );
  }

  /** The other instances recorded on `host`, with their process ids. */
  onHost(host: string, me: string): Promise<{ id: string; pid: number }[]> {
    return this.db.all(sql`SELECT id, pid FROM instances WHERE host = ${host} AND id != ${me}`);
  }

  /** How many instances have a heartbeat at or after `since` (this one included, once it beat). */
  async live(since: number): Promise<number> {
    const row = await this.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM instances WHERE last_seen >= ${since}`);
    return row?.n ?? 0;
  }

  /** A clean stop: what the instance leaves is for the others at once. */
  async remove(id: string): Promise<void> {
    await this.db.run(sql`DELETE FROM instances WHERE id = ${id}`);
  }

  /** Forget instances not seen since `before` (their work counts as orphaned either way). */
  prune(before: number): Promise<number> {
    return this.db.run(sql`DELETE FROM instances WHERE last_seen < ${before}`);
  }
}

/**
 * SQL condition: the owner column `col` names no live instance (no row, or a heartbeat older than
 * staleBefore), and is not me. Shared by replies and the inbox.
 */
export function orphanedBy(col: "owner", me: string, staleBefore: number): RawBuilder<unknown> {
  const c = sql.ref(col);
  return sql`(${c} IS NULL OR (${c} != ${me} AND NOT EXISTS (
    SELECT 1 FROM instances i WHERE i.id = ${c} AND i.last_seen >= ${staleBefore})))`;
}
