// The seam every part of Palaver reports operational figures to (issue 14). The pipeline, the
// usage recorder, the gate and (through BotApi) the adapters call these methods; only
// prometheus.ts knows how they become /metrics. Labels are bounded sets (platform, model,
// outcome, scope, API method): never a user, channel or conversation id.
import type { HandleOutcome, Platform } from "../types.ts";
import type { TokenUsage } from "../claude/pricing.ts";

/** One Claude request as the usage table records it. */
export interface ClaudeRequestFigures {
  model: string;
  /** "ok", or the request's error code (claude_overloaded, interrupted…). */
  outcome: string;
  usage: TokenUsage;
  /** Undefined when the model has no price: the request is counted, its cost is not. */
  costMicros?: number;
  /** Undefined when no text arrived. */
  ttftMs?: number;
}

/** Gauges read at scrape time from the pipeline's own state, so they can never drift. */
export interface LiveFigures {
  /** Replies past the gate and not yet finished. */
  repliesInFlight(): number;
  /** Messages waiting behind another reply in their conversation. */
  queueDepth(): number;
}

export interface Metrics {
  /** A message the core handled and how it ended; `seconds` is set when a reply was attempted. */
  messageHandled(platform: Platform, outcome: HandleOutcome, seconds?: number): void;
  claudeRequest(figures: ClaudeRequestFigures): void;
  /** The gate refused a message because a budget of this scope was used up. */
  budgetRefused(scope: string): void;
  /** The platform made Palaver wait (an HTTP 429, or the client holding a request for its bucket). */
  platformRateLimited(platform: Platform, method: string): void;
  /** Where the gauges read from (the pipeline, once built). */
  watch(live: LiveFigures): void;
}

/** For code run without an App (unit tests of a single part, the usage CLI). */
export const noMetrics: Metrics = {
  messageHandled: () => undefined,
  claudeRequest: () => undefined,
  budgetRefused: () => undefined,
  platformRateLimited: () => undefined,
  watch: () => undefined,
};
