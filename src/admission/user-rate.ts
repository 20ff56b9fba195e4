// Per-user request rate (PALAVER_USER_RATE, e.g. "30/hour"): a sliding window over the times of
// each user's admitted requests. In memory: a restart forgives everyone, which is acceptable for a
// limit meant to stop runaway loops and floods, not to meter spend (budgets do that).
import type { Clock } from "../runtime/clock.ts";
import { durationUntil } from "./utc-windows.ts";

export interface UserRate {
  count: number;
  windowMs: number;
}

export type RateCheck = { ok: true } | { ok: false; reply: string };

export class UserRateLimiter {
  /** Admission times per user, oldest first; never more than `rate.count` entries. */
  private readonly times = new Map<string, number[]>();
  private lastSweep: number;

  constructor(
    private readonly rate: UserRate,
    private readonly clock: Clock,
  ) {
    this.lastSweep = clock.now();
  }

  /** Users with requests inside the window (for tests). */
  get trackedUsers(): number {
    return this.times.size;
  }

  /**
   * Once per window, forget every user whose requests have all aged out: without it, each person
   * who ever asked would keep an entry for as long as the process runs.
   */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.rate.windowMs) return;
    this.lastSweep = now;
    const cutoff = now - this.rate.windowMs;
    for (const [user, list] of this.times) if ((list[list.length - 1] ?? 0) <= cutoff) this.times.delete(user);
  }

  /** Would a request by `userId` now stay within the rate? Does not count it. */
  check(userId: string): RateCheck {
    const now = this.clock.now();
    const recent = this.recent(userId, now);
    if (recent.length < this.rate.count) return { ok: true };
    const freeAt = recent[0]! + this.rate.windowMs;
    return {
      ok: false,
      reply:
        `You have reached the limit of ${describeRate(this.rate)} (${plural(recent.length, "request")} in the last ` +
        `${windowName(this.rate.windowMs)}); try again in ${durationUntil(now, freeAt)}.`,
    };
  }

  /** Count one admitted request. */
  record(userId: string): void {
    const now = this.clock.now();
    const recent = this.recent(userId, now);
    recent.push(now);
    if (recent.length > this.rate.count) recent.splice(0, recent.length - this.rate.count);
    this.times.set(userId, recent);
  }

  private recent(userId: string, now: number): number[] {
    this.sweep(now);
    const list = this.times.get(userId);
    if (!list) return [];
    const cutoff = now - this.rate.windowMs;
    const kept = list.filter((t) => t > cutoff);
    if (kept.length === 0) this.times.delete(userId);
    else this.times.set(userId, kept);
    return kept;
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
