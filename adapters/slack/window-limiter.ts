// Sliding-window limiters for the native-stream calls the core's budgets cannot express (they are
// per operation kind, post or edit, not per Slack method): starting a stream (chat.startStream,
// Tier 2) is tried only when the window has room, else the reply is posted the classic way; ending
// one (chat.stopStream, Tier 2) happens on a final edit, which draws from chat.appendStream's
// budget (Tier 4), so it waits here. Shared per key across every reply in the process.

export class WindowLimiter {
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private waiters = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take a slot now if the window has one (and nobody is waiting); never waits. */
  tryAcquire(): boolean {
    if (this.waiters > 0) return false;
    const now = this.now();
    this.expire(now);
    if (this.starts.length >= this.limit) return false;
    this.starts.push(now);
    return true;
  }

  /** Resolves when one more call fits in the window; callers are served in order. */
  acquire(): Promise<void> {
    this.waiters++;
    const turn = this.tail.then(() => this.waitForRoom()).finally(() => this.waiters--);
    this.tail = turn;
    return turn;
  }

  private expire(now: number): void {
    while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
  }

  private async waitForRoom(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.expire(now);
      if (this.starts.length < this.limit) {
        this.starts.push(now);
        return;
      }
      const waitMs = this.starts[0]! + this.windowMs - now;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, waitMs)));
    }
  }
}

export class LimiterPool {
  private readonly limiters = new Map<string, WindowLimiter>();
  get(key: string, limit: number, windowMs: number): WindowLimiter {
    let l = this.limiters.get(key);
    if (!l) this.limiters.set(key, (l = new WindowLimiter(limit, windowMs)));
    return l;
  }
}
