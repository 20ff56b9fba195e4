// Per-user request rate (PALAVER_USER_RATE, e.g. "30/hour"): a sliding window over the times of
// each user's admitted requests, kept in the database (rate_events) so every instance counts every
// instance's requests.
import { randomUUID } from "node:crypto";
import type { Clock } from "../runtime/clock.ts";
import type { Db } from "../store/sql.ts";
import { RateEventStore } from "../store/rate-events.ts";
import { durationUntil } from "./utc-windows.ts";

export interface UserRate {
  count: number;
  windowMs: number;
}

export type RateCheck = { ok: true } | { ok: false; reply: string };

/** Expired events are deleted at most this often (by whichever check comes due). */
const RATE_PRUNE_INTERVAL_MS = 60_000;

export class UserRateLimiter {
  private readonly events: RateEventStore;
  private lastPrune = -Infinity;

  constructor(
    private readonly rate: UserRate,
    db: Db,
    private readonly clock: Clock,
  ) {
    this.events = new RateEventStore(db);
  }

  /** Would a request by `userId` now stay within the rate? Does not count it. */
  async check(userId: string): Promise<RateCheck> {
    const now = this.clock.now();
    const recent = await this.recent(userId, now);
    if (recent.length < this.rate.count) return { ok: true };
    const freeAt = recent[recent.length - this.rate.count]! + this.rate.windowMs;
    return {
      ok: false,
      reply:
        `You have reached the limit of ${describeRate(this.rate)} (${plural(recent.length, "request")} in the last ` +
        `${windowName(this.rate.windowMs)}); try again in ${durationUntil(now, freeAt)}.`,
    };
  }

  /** Count one admitted request. */
  async record(userId: string): Promise<void> {
    await this.events.add(randomUUID(), userId, this.clock.now());
  }

  private async recent(userId: string, now: number): Promise<number[]> {
    const cutoff = now - this.rate.windowMs;
    // Without pruning, each person who ever asked would keep rows for as long as Palaver runs.
    if (now - this.lastPrune >= RATE_PRUNE_INTERVAL_MS) {
      this.lastPrune = now;
      await this.events.prune(cutoff);
    }
    return this.events.since(userId, cutoff);
  }
}

/** "30 requests per hour" */
export function describeRate(rate: UserRate): string {
  return `${plural(rate.count, "request")} per ${windowName(rate.windowMs)}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function windowName(windowMs: number): string {
  if (windowMs === 1000) return "second";
  if (windowMs === 60_000) return "minute";
  if (windowMs === 3_600_000) return "hour";
  if (windowMs === 86_400_000) return "day";
  return `${Math.round(windowMs / 1000)} s`;
}
