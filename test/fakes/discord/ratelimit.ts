// 429s for the fake Discord: scripted ones (the next N matching requests), and an optional
// enforced per-channel edit limit. Discord's exact edit limit is undocumented; "about 5 edits per
// 5 s per channel" is the common observation (../shared/docs/platform-facts.md), so that is what
// the benchmark enforces, as a sliding window (the strictest reading).
//
// The answer is Discord's (https://discord.com/developers/docs/topics/rate-limits): "a 429 status
// code" with a "Retry-After" header ("The number of seconds to wait before submitting another
// request") and a JSON body {message: "You are being rate limited.", retry_after, global}, where
// retry_after is "The number of seconds to wait before submitting another request" and global
// says "if you are being globally rate limited". Limits are per route: "Per-route rate limits
// exist for many individual endpoints", and a channel's id is a top-level resource of its bucket,
// so edits in one channel share one window.
// A per-route 429 also carries the bucket headers with X-RateLimit-Remaining 0 (same page,
// "Example Exceeded User Rate Limit Response": Retry-After, X-RateLimit-Limit,
// X-RateLimit-Remaining: 0, X-RateLimit-Reset-After, X-RateLimit-Scope: user).

export interface ScriptedLimit {
  method: string;
  /** Matched against the route below /api/v10, e.g. /^\/channels\/\d+\/messages\/\d+$/. */
  path: RegExp;
  /** How many matching requests get a 429 (default 1). */
  times?: number;
  /** Seconds the client is told to wait (Retry-After and retry_after). */
  retryAfterSeconds: number;
  global?: boolean;
}

export interface EditLimit {
  /** Edits allowed per channel per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitRecord {
  at: number;
  method: string;
  path: string;
  channelId?: string;
  reason: "scripted" | "edit-limit";
}

export interface LimitDecision {
  retryAfterSeconds: number;
  global: boolean;
  /** The bucket's size, sent as X-RateLimit-Limit. */
  limit: number;
}

const EDIT_ROUTE = /^\/channels\/(\d+)\/messages\/\d+$/;

export class RateLimiter {
  private readonly scripted: (ScriptedLimit & { left: number })[] = [];
  private editLimit: EditLimit | undefined;
  /** Accepted edit times per channel (a sliding window, the strictest reading of the limit). */
  private readonly edits = new Map<string, number[]>();
  readonly limited: RateLimitRecord[] = [];

  constructor(private readonly now: () => number) {}

  script(limit: ScriptedLimit): void {
    this.scripted.push({ ...limit, left: limit.times ?? 1 });
  }

  enforceEditLimit(limit: EditLimit | undefined): void {
    this.editLimit = limit;
  }

  /** Decide on one request; undefined lets it through (and counts it against the edit window). */
  check(method: string, path: string): LimitDecision | undefined {
    const now = this.now();
    const script = this.scripted.find((s) => s.left > 0 && s.method === method && s.path.test(path));
    if (script) {
      script.left -= 1;
      this.limited.push({ at: now, method, path, reason: "scripted" });
      return { retryAfterSeconds: script.retryAfterSeconds, global: script.global ?? false, limit: 1 };
    }
    const edit = method === "PATCH" ? EDIT_ROUTE.exec(path) : null;
    if (edit && this.editLimit) {
      const channelId = edit[1]!;
      const window = (this.edits.get(channelId) ?? []).filter((t) => t > now - this.editLimit!.windowMs);
      this.edits.set(channelId, window);
      if (window.length >= this.editLimit.limit) {
        this.limited.push({ at: now, method, path, channelId, reason: "edit-limit" });
        const waitMs = window[0]! + this.editLimit.windowMs - now;
        return { retryAfterSeconds: Math.max(0.001, waitMs / 1000), global: false, limit: this.editLimit.limit };
      }
      window.push(now);
    }
    return undefined;
  }
}
