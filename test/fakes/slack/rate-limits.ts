// Optional enforcement of Slack's rate limits in the fake, as sliding windows over accepted calls.
// A call over the limit gets what Slack answers (https://api.slack.com/docs/rate-limits):
// "HTTP 429 Too Many Requests error, and a Retry-After HTTP header containing the number of
// seconds until you can retry", with {ok:false, error:"ratelimited"}. Each 429 is counted, so a
// benchmark can report how many it caused.
//
// The windows: "Rate limits are applied per API method per workspace per app" and evaluated
// "per minute" (same page); Slack grants "short bursts" on top of some tiers, which the fake does
// not, so the fake is the strictest reading: exactly N accepted calls in any 60 s.

export interface RateRule {
  limit: number;
  windowMs: number;
  /** Per workspace (Slack's tiers) or per channel (chat.postMessage's ~1/s). */
  per: "workspace" | "channel";
}

export type RateRules = Record<string, RateRule>;

/**
 * Slack's published limits (tiers from each method's reference page, Rate limits section; also
 * ../shared/docs/platform-facts.md). Tier 2 is "20+ per minute", Tier 3 "50+", Tier 4 "100+".
 */
export const SLACK_LIMITS: RateRules = {
  // https://api.slack.com/methods/chat.update: "Tier 3"
  "chat.update": { limit: 50, windowMs: 60_000, per: "workspace" },
  // https://api.slack.com/methods/chat.postMessage: "Special": "chat.postMessage has special rate
  // limiting conditions … generally allows an app to post 1 message per second to a specific channel"
  "chat.postMessage": { limit: 1, windowMs: 1_000, per: "channel" },
  // https://api.slack.com/methods/chat.startStream: "Tier 2"
  "chat.startStream": { limit: 20, windowMs: 60_000, per: "workspace" },
  // https://api.slack.com/methods/chat.appendStream: "Tier 4"
  "chat.appendStream": { limit: 100, windowMs: 60_000, per: "workspace" },
  // https://api.slack.com/methods/chat.stopStream: "Tier 2"
  "chat.stopStream": { limit: 20, windowMs: 60_000, per: "workspace" },
  // https://api.slack.com/methods/conversations.replies: "Tier 3"
  "conversations.replies": { limit: 50, windowMs: 60_000, per: "workspace" },
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
