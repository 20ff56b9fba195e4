// Running Palaver processes and their heartbeats (migration 005): which replies and queued
// messages belong to a live instance, and which a dead one left behind.
import type { Db } from "./db.ts";

export class InstanceStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      beat: db.prepare(
        `INSERT INTO instances (id, host, pid, started_at, last_seen) VALUES (@id, @host, @pid, @now, @now)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen`,
      ),
      onHost: db.prepare<[string, string], { id: string; pid: number }>("SELECT id, pid FROM instances WHERE host = ? AND id != ?"),
      remove: db.prepare("DELETE FROM instances WHERE id = ?"),
      prune: db.prepare("DELETE FROM instances WHERE last_seen < ?"),
    };
  }

  /** Record that instance `id` (process `pid` on `host`) is alive now (creates its row the first time). */
  heartbeat(id: string, where: { host: string; pid: number }, now: number): void {
    this.stmts.beat.run({ id, ...where, now });
  }

  /** The other instances recorded on `host`, with their process ids. */
  onHost(host: string, me: string): { id: string; pid: number }[] {
    return this.stmts.onHost.all(host, me);
  }

  /** A clean stop: what the instance leaves is for the others at once. */
  remove(id: string): void {
    this.stmts.remove.run(id);
  }

  /** Forget instances not seen since `before` (their work counts as orphaned either way). */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }
}

/**
 * SQL condition: the owner column `col` names no live instance (no row, or a heartbeat older than
 * @staleBefore), and is not @me. Shared by replies and the inbox.
 */
export function orphanedBy(col: string): string {
  return `(${col} IS NULL OR (${col} != @me AND NOT EXISTS (
    SELECT 1 FROM instances i WHERE i.id = ${col} AND i.last_seen >= @staleBefore)))`;
}
