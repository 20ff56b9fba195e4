// The Metrics seam as Prometheus metrics (prom-client), served at GET /metrics. Each App has its
// own registry, so several Apps in one process (the tests) never share or clash on counters.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HandleOutcome, Platform } from "../types.ts";
import type { ClaudeRequestFigures, LiveFigures, Metrics } from "./metrics.ts";

/**
 * Seconds, for time to first token and whole replies. LLM latencies spread from well under a
 * second (a short answer, a cached prompt) to minutes (a long answer at max_tokens): fine steps
 * below 5 s where TTFT lives, coarser ones up to 120 s, past which a reply is an outlier anyway.
 */
export const LATENCY_BUCKETS_SECONDS = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120];

const MICROS_PER_USD = 1_000_000;
const MS_PER_SECOND = 1000;

/** Outcomes that mean a reply was attempted, so its duration is worth a histogram sample. */
const TIMED_OUTCOMES: ReadonlySet<HandleOutcome> = new Set(["replied", "failed"]);

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly replies: Counter<"platform" | "outcome">;
  private readonly replyDuration: Histogram<"platform">;
  private readonly claudeRequests: Counter<"model" | "outcome">;
  private readonly ttft: Histogram<"model">;
  private readonly tokens: Counter<"model" | "kind">;
  private readonly cost: Counter<"model">;
  private readonly rateLimited: Counter<"platform" | "method">;
  private readonly budgetRefusals: Counter<"scope">;
  private live: LiveFigures = { repliesInFlight: () => 0, queueDepth: () => 0 };

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.replies = new Counter({
      name: "palaver_replies_total",
      help: "Messages handed to the core, by platform and how they ended (replied, refused, hint, failed, duplicate, ignored).",
      labelNames: ["platform", "outcome"],
      registers,
    });
    this.replyDuration = new Histogram({
      name: "palaver_reply_duration_seconds",
      help: "From a message reaching the core to its reply being finished (queue wait included), for replied and failed outcomes.",
      labelNames: ["platform"],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.claudeRequests = new Counter({
      name: "palaver_claude_requests_total",
      help: "Claude Messages API requests, by model and outcome (ok or Palaver's error code).",
      labelNames: ["model", "outcome"],
      registers,
    });
    this.ttft = new Histogram({
      name: "palaver_claude_ttft_seconds",
      help: "Time from sending a Claude request to its first text delta.",
      labelNames: ["model"],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.tokens = new Counter({
      name: "palaver_tokens_total",
      help: "Tokens of Claude requests as the API reported them (kind: input, output, cache_read, cache_write).",
      labelNames: ["model", "kind"],
      registers,
    });
    this.cost = new Counter({
      name: "palaver_cost_usd_total",
      help: "Cost of Claude requests in US dollars at the price table's prices (unpriced models are not counted).",
      labelNames: ["model"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "palaver_platform_rate_limited_total",
      help: "Times a platform made Palaver wait: an HTTP 429, or the client holding a request for its rate-limit bucket.",
      labelNames: ["platform", "method"],
      registers,
    });
    this.budgetRefusals = new Counter({
      name: "palaver_budget_refusals_total",
      help: "Messages refused because a spending budget was used up, by the budget's scope.",
      labelNames: ["scope"],
      registers,
    });
    // Gauges read the pipeline's state at scrape time (collect), so they cannot drift.
    const live = () => this.live;
    new Gauge({
      name: "palaver_replies_in_flight",
      help: "Replies past the gate and not yet finished.",
      registers,
      collect() {
        this.set(live().repliesInFlight());
      },
    });
    new Gauge({
      name: "palaver_queue_depth",
      help: "Messages waiting behind another reply in their conversation.",
      registers,
      collect() {
        this.set(live().queueDepth());
      },
    });
  }

  watch(live: LiveFigures): void {
    this.live = live;
  }

  messageHandled(platform: Platform, outcome: HandleOutcome, seconds?: number): void {
    this.replies.inc({ platform, outcome });
    if (seconds !== undefined && TIMED_OUTCOMES.has(outcome)) this.replyDuration.observe({ platform }, seconds);
  }

  claudeRequest(f: ClaudeRequestFigures): void {
    const model = f.model;
    this.claudeRequests.inc({ model, outcome: f.outcome });
    this.tokens.inc({ model, kind: "input" }, f.usage.inputTokens);
    this.tokens.inc({ model, kind: "output" }, f.usage.outputTokens);
    this.tokens.inc({ model, kind: "cache_read" }, f.usage.cacheReadTokens);
    this.tokens.inc({ model, kind: "cache_write" }, f.usage.cacheWriteTokens);
    if (f.costMicros !== undefined) this.cost.inc({ model }, f.costMicros / MICROS_PER_USD);
    if (f.ttftMs !== undefined) this.ttft.observe({ model }, f.ttftMs / MS_PER_SECOND);
  }

  budgetRefused(scope: string): void {
    this.budgetRefusals.inc({ scope });
  }

  platformRateLimited(platform: Platform, method: string): void {
    this.rateLimited.inc({ platform, method });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
