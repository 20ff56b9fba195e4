// Shared request budgets for platform calls. Every reply streaming in the process draws from the
// same buckets (one per RateBudget.key), so twenty replies in one Slack workspace share its
// chat.update allowance instead of each tripping 429s on its own.
//
// A sliding window: at most `limit` grants in any `windowMs`. (A token bucket would allow a full
// burst plus the refill inside one window, which is exactly what a fixed-window limit rejects.)
// Waiters are served first come, first served.
import type { RateBudget } from "../types.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class SlidingWindow {
  private readonly grants: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.take());
    // The chain must survive a rejected turn (it cannot reject today, but keep the queue alive).
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.grants.length > 0 && this.grants[0]! <= now - this.windowMs) this.grants.shift();
      if (this.grants.length < this.limit) {
        this.grants.push(now);
        return;
      }
      await sleep(this.grants[0]! + this.windowMs - now + 1);
    }
  }

  /** Grants within the current window (for tests and metrics). */
  inWindow(): number {
    const now = this.now();
    return this.grants.filter((t) => t > now - this.windowMs).length;
  }
}

export class Budgets {
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  private window(b: RateBudget): SlidingWindow {
    let w = this.windows.get(b.key);
    if (!w) {
      w = new SlidingWindow(Math.max(1, b.limit), b.windowMs, this.now);
      this.windows.set(b.key, w);
    }
    return w;
  }

  /** Wait until every budget allows one more request, taking one from each. */
  async acquire(budgets: readonly RateBudget[]): Promise<void> {
    for (const b of budgets) await this.window(b).acquire();
  }

  used(b: RateBudget): number {
    return this.window(b).inWindow();
  }
}
