// Each Claude request leaves one usage row (tokens, cost, timing, outcome), one structured log
// line and one set of /metrics increments, all with the same figures.
import type { InboundMessage } from "../types.ts";
import type { ClaudeResult } from "../claude/client.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { PriceTable, TokenUsage } from "../claude/pricing.ts";
import type { Db } from "../store/sql.ts";
import { UsageStore } from "../store/usage.ts";
import { noMetrics, type Metrics } from "../ops/metrics.ts";

interface RecordedAttempt {
  usage: TokenUsage;
  requestId?: string;
  estimated: boolean;
  stopReason?: string;
  ttftMs?: number;
  latencyMs: number;
  errorCode?: string;
}

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

  /** One row per attempt the API answered: mid-stream retries are billed too. */
  async record(message: InboundMessage, replyId: string, model: string, result: ClaudeResult): Promise<void> {
    for (const earlier of result.earlierAttempts) {
      await this.recordOne(message, replyId, model, { ...earlier, latencyMs: 0, errorCode: earlier.error?.code });
    }
    await this.recordOne(message, replyId, model, {
      usage: result.usage,
      requestId: result.requestId,
      estimated: result.usageEstimated,
      stopReason: result.stopReason,
      ttftMs: result.ttftMs,
      latencyMs: result.latencyMs,
      errorCode: result.error?.code,
    });
  }

  private async recordOne(message: InboundMessage, replyId: string, model: string, a: RecordedAttempt): Promise<void> {
    // A model without a price (a channel model set before the table changed) is charged at the
    // table's most expensive model: never $0, so no budget is bypassed.
    const costMicros = this.prices.chargeMicros(model, a.usage);
    const row = {
      requestId: a.requestId,
      replyId,
      platform: message.platform,
      workspaceId: message.workspaceId,
      channelId: message.channelId,
      conversationId: message.conversationId,
      userId: message.author.id,
      model,
      ...a.usage,
      costMicros,
      estimated: a.estimated,
      stopReason: a.stopReason,
      ttftMs: a.ttftMs,
      latencyMs: a.latencyMs,
      errorCode: a.errorCode,
      createdAt: this.clock.now(),
    };
    await this.store.record(row);
    this.metrics.claudeRequest({ model, outcome: row.errorCode ?? "ok", usage: a.usage, costMicros, ttftMs: a.ttftMs });
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
        costMicros,
        estimated: a.estimated,
        ttftMs: row.ttftMs ?? null,
        latencyMs: row.latencyMs,
        stopReason: row.stopReason ?? null,
        errorCode: row.errorCode ?? null,
      },
      "claude request",
    );
  }
}
