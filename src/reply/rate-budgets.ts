// Shared request budgets for platform calls. Every reply streaming in the process draws from the
// same buckets (one per RateBudget.key), so twenty replies in one Slack workspace share its
// chat.update allowance instead of each tripping 429s on its own.
//
// A sliding window: at most `limit` grants in any `windowMs`. (A token bucket would allow a full
// burst plus the refill inside one window, which is exactly what a fixed-window limit rejects.)
// Waiters are served first come, first served, except that urgent requests (a reply's final
// text) go before ordinary ones (intermediate edits): under load, a finished reply should not
// wait behind other replies' progress updates to show its last words.
import type { RateBudget } from "../types.ts";

/** A wait for a budget slot given up by its caller (the slot was not taken). */
export class BudgetWaitAborted extends Error {
  constructor() {
    super("budget wait aborted");
    this.name = "BudgetWaitAborted";
  }
}

class SlidingWindow {
  private readonly grants: number[] = [];
  /** [urgent, ordinary] waiters, each first come, first served. */
  private readonly queues: [(() => void)[], (() => void)[]] = [[], []];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  acquire(urgent: boolean, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new BudgetWaitAborted());
        return;
      }
      const queue = this.queues[urgent ? 0 : 1];
      const onAbort = () => {
        const at = queue.indexOf(grant);
        if (at >= 0) queue.splice(at, 1);
        reject(new BudgetWaitAborted());
      };
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(grant);
      this.pump();
    });
  }

  /** Grant what the window allows now; if someone still waits, come back when a slot frees. */
  private pump(): void {
    if (this.timer) return;
    for (;;) {
      const queue = this.queues[0].length > 0 ? this.queues[0] : this.queues[1];
      if (queue.length === 0) return;
      const now = this.now();
      while (this.grants.length > 0 && this.grants[0]! <= now - this.windowMs) this.grants.shift();
      if (this.grants.length >= this.limit) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.grants[0]! + this.windowMs - now + 1);
        return;
      }
      this.grants.push(now);
      queue.shift()!();
    }
  }

  /** Take a slot only if one is free now and nobody is waiting; never waits. */
  tryAcquire(): boolean {
    if (this.queues[0].length > 0 || this.queues[1].length > 0) return false;
    const now = this.now();
    while (this.grants.length > 0 && this.grants[0]! <= now - this.windowMs) this.grants.shift();
    if (this.grants.length >= this.limit) return false;
    this.grants.push(now);
    return true;
  }

  /** Nothing granted within the window, nobody waiting: forgetting it changes nothing. */
  idle(): boolean {
    if (this.timer || this.queues[0].length > 0 || this.queues[1].length > 0) return false;
    const last = this.grants[this.grants.length - 1];
    return last === undefined || last <= this.now() - this.windowMs;
  }

  /** Grants within the current window (for tests and metrics). */
  inWindow(): number {
    const now = this.now();
    return this.grants.filter((t) => t > now - this.windowMs).length;
  }
}

/**
 * How often idle windows are dropped. Keys are per channel (Discord) or per workspace (Slack), so a
 * long-running process meets an unbounded number of them; an idle window (its last grant older
 * than its window, nobody waiting) holds nothing a new one would not, so it is forgotten.
 */
export const BUDGET_SWEEP_INTERVAL_MS = 60_000;

export class Budgets {
  private readonly windows = new Map<string, SlidingWindow>();
  private lastSweep: number;

  constructor(private readonly now: () => number = () => Date.now()) {
    this.lastSweep = now();
  }

  /** Windows held now (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < BUDGET_SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (w.idle()) this.windows.delete(key);
  }

  private window(b: RateBudget): SlidingWindow {
    this.sweep();
    let w = this.windows.get(b.key);
    if (!w) {
      w = new SlidingWindow(Math.max(1, b.limit), b.windowMs, this.now);
      this.windows.set(b.key, w);
    }
    return w;
  }

  /**
   * Wait until every budget allows one more request, taking one from each. `urgent` requests
   * (final texts) are served before ordinary ones waiting on the same budget. Aborting `signal`
   * gives up the wait (rejecting with BudgetWaitAborted) without taking a slot.
   */
  async acquire(budgets: readonly RateBudget[], urgent = false, signal?: AbortSignal): Promise<void> {
    for (const b of budgets) await this.window(b).acquire(urgent, signal);
  }

  /**
   * Take one slot from `budget` if it has one free right now, without waiting (for callers with
   * a cheaper alternative when the budget is spent, e.g. Slack posting instead of streaming).
   */
  tryAcquire(budget: RateBudget): boolean {
    return this.window(budget).tryAcquire();
  }

  used(b: RateBudget): number {
    return this.window(b).inWindow();
  }
}
