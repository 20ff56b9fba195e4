// One reply at a time per conversation across instances (migration 008): a lease row names the
// instance answering there until it expires. The holder renews it while it streams; a crashed
// holder's lease runs out and the next instance takes it.
import { sql, type Db } from "./sql.ts";

export class LeaseStore {
  constructor(private readonly db: Db) {}

  /**
   * Take the conversation's lease for `owner` until `expiresAt`, when it is free, expired or
   * already `owner`'s. One statement, so two instances can never both win it.
   */
  async acquire(conversationId: string, owner: string, now: number, expiresAt: number): Promise<boolean> {
    const changed = await this.db.run(
      sql`INSERT INTO conversation_leases (conversation_id, owner, expires_at) VALUES (${conversationId}, ${owner}, ${expiresAt})
          ON CONFLICT (conversation_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE conversation_leases.owner = excluded.owner OR conversation_leases.expires_at <= ${now}`,
    );
    return changed === 1;
  }

  /** Extend every lease `owner` holds (its heartbeat); returns how many. */
  renewAll(owner: string, expiresAt: number): Promise<number> {
    return this.db.run(sql`UPDATE conversation_leases SET expires_at = ${expiresAt} WHERE owner = ${owner}`);
  }

  async release(conversationId: string, owner: string): Promise<void> {
    await this.db.run(sql`DELETE FROM conversation_leases WHERE conversation_id = ${conversationId} AND owner = ${owner}`);
  }

  async releaseAll(owner: string): Promise<void> {
    await this.db.run(sql`DELETE FROM conversation_leases WHERE owner = ${owner}`);
  }
}
