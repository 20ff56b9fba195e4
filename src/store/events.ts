// Dedup of inbound events across retries, replays, restarts and instances: the claim is one
// insert that only the first caller wins, so two instances given one event answer it once.
import { sql, type Db } from "./sql.ts";

/** Keep keys 7 days: far past Slack's retry window (~5 min) and any Discord gateway replay. */
export const HANDLED_EVENT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * While running, expired keys are pruned at most this often, by the claim that comes due: a
 * process that runs for months keeps only a week of keys (not only what it pruned at start).
 */
export const HANDLED_EVENT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export class EventLog {
  private lastPrune = -Infinity;

  constructor(private readonly db: Db) {}

  /** True the first time a key is seen; false for every repeat. */
  async claim(key: string, now: number): Promise<boolean> {
    if (now - this.lastPrune >= HANDLED_EVENT_PRUNE_INTERVAL_MS) await this.prune(now);
    const changed = await this.db.run(
      sql`INSERT INTO handled_events (key, handled_at) VALUES (${key}, ${now}) ON CONFLICT (key) DO NOTHING`,
    );
    return changed === 1;
  }

  async prune(now: number): Promise<number> {
    this.lastPrune = now;
    return this.db.run(sql`DELETE FROM handled_events WHERE handled_at < ${now - HANDLED_EVENT_TTL_MS}`);
  }
}
