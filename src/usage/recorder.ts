// Each Claude request leaves one usage row (tokens, cost, timing, outcome), one structured log
// line and one set of /metrics increments, all with the same figures.
import type { InboundMessage } from "../types.ts";
import type { ClaudeResult } from "../claude/client.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { PriceTable } from "../claude/pricing.ts";
import type { Db } from "../store/db.ts";
import { UsageStore } from "../store/usage.ts";
import { noMetrics, type Metrics } from "../ops/metrics.ts";

export class UsageRecorder {
  private readonly store: UsageStore;

  constructor(
    db: Db,
    private readonly prices: PriceTable,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics = noMetrics,
  ) {
    this.store = new UsageStore(db);
  }

  record(message: InboundMessage, replyId: string, model: string, result: ClaudeResult): void {
    const costMicros = this.prices.costMicros(model, result.usage);
    const row = {
      requestId: result.requestId,
      replyId,
      platform: message.platform,
      workspaceId: message.workspaceId,
      channelId: message.channelId,
      conversationId: message.conversationId,
      userId: message.author.id,
      model,
      ...result.usage,
      costMicros,
      stopReason: result.stopReason,
      ttftMs: result.ttftMs,
      latencyMs: result.latencyMs,
      errorCode: result.error?.code,
      createdAt: this.clock.now(),
    };
    this.store.record(row);
    this.metrics.claudeRequest({ model, outcome: row.errorCode ?? "ok", usage: result.usage, costMicros, ttftMs: result.ttftMs });
    this.logger.info(
      {
        requestId: row.requestId,
        reply: replyId,
        conversation: row.conversationId,
        user: row.userId,
        model,
        inputTokens: row.inputTokens,
        outputTokens: row.outputTokens,
        cacheWriteTokens: row.cacheWriteTokens,
        cacheReadTokens: row.cacheReadTokens,
        webSearchRequests: row.webSearchRequests ?? 0,
        costMicros: costMicros ?? null,
        ttftMs: row.ttftMs ?? null,
        latencyMs: row.latencyMs,
        stopReason: row.stopReason ?? null,
        errorCode: row.errorCode ?? null,
      },
      "claude request",
    );
  }
}
