// Estimates held by requests in flight (migration 008), one row per request and scope key
// ("kind:id"), so that every instance's budget check counts every instance's requests.
import { sql, type Db } from "./sql.ts";

export class ReservationStore {
  constructor(private readonly db: Db) {}

  /** Micro-dollars held in one scope by reservations that have not expired at `now`. */
  async heldBy(scopeKey: string, now: number, db: Db = this.db): Promise<number> {
    const row = await db.get<{ micros: number | null }>(
      sql`SELECT SUM(micros) AS micros FROM reservations WHERE scope_key = ${scopeKey} AND expires_at > ${now}`,
    );
    return row?.micros ?? 0;
  }

  async hold(id: string, scopeKeys: string[], micros: number, expiresAt: number, db: Db = this.db): Promise<void> {
    for (const key of scopeKeys) {
      await db.run(sql`INSERT INTO reservations (id, scope_key, micros, expires_at) VALUES (${id}, ${key}, ${micros}, ${expiresAt})`);
    }
  }

  async release(id: string): Promise<void> {
    await this.db.run(sql`DELETE FROM reservations WHERE id = ${id}`);
  }

  /** Rows of requests that never released (their instance died): they stopped counting at expiry. */
  prune(now: number): Promise<number> {
    return this.db.run(sql`DELETE FROM reservations WHERE expires_at <= ${now}`);
  }
}
