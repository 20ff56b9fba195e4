// Optional enforcement of Slack's rate limits in the fake, as sliding windows over accepted calls.
// A call over the limit gets HTTP 429, `Retry-After` (seconds until the window has room) and
// {ok:false, error:"ratelimited"}, and is counted, so a benchmark can report how many it caused.

export interface RateRule {
  limit: number;
  windowMs: number;
  /** Per workspace (Slack's tiers) or per channel (chat.postMessage's ~1/s). */
  per: "workspace" | "channel";
}

export type RateRules = Record<string, RateRule>;

/** Slack's published limits (../shared/docs/platform-facts.md). */
export const SLACK_LIMITS: RateRules = {
  "chat.update": { limit: 50, windowMs: 60_000, per: "workspace" }, // Tier 3
  "chat.postMessage": { limit: 1, windowMs: 1_000, per: "channel" }, // ~1/s per channel
  "chat.startStream": { limit: 20, windowMs: 60_000, per: "workspace" }, // Tier 2
  "chat.appendStream": { limit: 100, windowMs: 60_000, per: "workspace" }, // Tier 4
  "chat.stopStream": { limit: 20, windowMs: 60_000, per: "workspace" }, // Tier 2
  "conversations.replies": { limit: 50, windowMs: 60_000, per: "workspace" }, // Tier 3
};

export class FakeRateLimiter {
  private readonly windows = new Map<string, number[]>();
  /** 429s answered, by method. */
  readonly limited = new Map<string, number>();

  constructor(private rules: RateRules = {}) {}

  /** New rules; windows and 429 counts start from zero. */
  setRules(rules: RateRules): void {
    this.rules = rules;
    this.windows.clear();
    this.limited.clear();
  }

  /** undefined when the call may go ahead (and is counted), else seconds to wait. */
  check(method: string, channel: string | undefined, now: number = Date.now()): number | undefined {
    const rule = this.rules[method];
    if (!rule) return undefined;
    const key = rule.per === "channel" ? `${method}:${channel ?? "-"}` : method;
    let hits = this.windows.get(key);
    if (!hits) this.windows.set(key, (hits = []));
    while (hits.length > 0 && hits[0]! <= now - rule.windowMs) hits.shift();
    if (hits.length < rule.limit) {
      hits.push(now);
      return undefined;
    }
    this.limited.set(method, (this.limited.get(method) ?? 0) + 1);
    return Math.max(1, Math.ceil((hits[0]! + rule.windowMs - now) / 1000));
  }

  total429s(): number {
    let n = 0;
    for (const v of this.limited.values()) n += v;
    return n;
  }
}
