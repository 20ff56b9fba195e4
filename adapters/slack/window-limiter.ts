// A sliding-window limiter for the one Slack call the core's budgets cannot cover: ending a native
// stream (chat.stopStream, Tier 2) happens on a reply's final edit, which draws from the edit
// budgets of chat.appendStream (Tier 4). Shared per key across every reply in the process.

export class WindowLimiter {
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when one more call fits in the window; callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitForRoom());
    this.tail = turn;
    return turn;
  }

  private async waitForRoom(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
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
