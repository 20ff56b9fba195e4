// Times of each user's admitted requests (migration 008), for PALAVER_USER_RATE's sliding window,
// shared by every instance.
import { sql, type Db } from "./sql.ts";

export class RateEventStore {
  constructor(private readonly db: Db) {}

  /** Times of `userKey`'s requests after `since`, oldest first. */
  async since(userKey: string, since: number, db: Db = this.db): Promise<number[]> {
    const rows = await db.all<{ at: number }>(sql`SELECT at FROM rate_events WHERE user_key = ${userKey} AND at > ${since} ORDER BY at`);
    return rows.map((r) => r.at);
  }

  async add(id: string, userKey: string, at: number, db: Db = this.db): Promise<void> {
    await db.run(sql`INSERT INTO rate_events (id, user_key, at) VALUES (${id}, ${userKey}, ${at})`);
  }

  /** Drop every event older than the window: nobody's count needs them. */
  prune(before: number): Promise<number> {
    return this.db.run(sql`DELETE FROM rate_events WHERE at <= ${before}`);
  }
}
