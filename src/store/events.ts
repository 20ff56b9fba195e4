// Dedup of inbound events across retries, replays and restarts.
import type { Db } from "./db.ts";

/** Keep keys 7 days: far past Slack's retry window (~5 min) and any Discord gateway replay. */
export const HANDLED_EVENT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * While running, expired keys are pruned at most this often, by the claim that comes due: a
 * process that runs for months keeps only a week of keys (not only what it pruned at start).
 */
export const HANDLED_EVENT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export class EventLog {
  private readonly claimStmt;
  private readonly pruneStmt;
  private lastPrune = -Infinity;

  constructor(db: Db) {
    this.claimStmt = db.prepare("INSERT OR IGNORE INTO handled_events (key, handled_at) VALUES (?, ?)");
    this.pruneStmt = db.prepare("DELETE FROM handled_events WHERE handled_at < ?");
  }

  /** True the first time a key is seen; false for every repeat. */
  claim(key: string, now: number): boolean {
    if (now - this.lastPrune >= HANDLED_EVENT_PRUNE_INTERVAL_MS) this.prune(now);
    return this.claimStmt.run(key, now).changes === 1;
  }

  prune(now: number): number {
    this.lastPrune = now;
    return this.pruneStmt.run(now - HANDLED_EVENT_TTL_MS).changes;
  }
}
