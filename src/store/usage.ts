// One row per Claude request: tokens, cost, timing and outcome.
import type { Db } from "./db.ts";

export interface UsageRecord {
  requestId?: string;
  replyId?: string;
  platform: string;
  workspaceId: string;
  channelId: string;
  conversationId: string;
  userId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  webSearchRequests?: number;
  /** Undefined when the model has no price in the table (rows written before every request was charged). */
  costMicros?: number;
  /** Output tokens estimated from the text (the final usage event never came). */
  estimated?: boolean;
  stopReason?: string;
  ttftMs?: number;
  latencyMs: number;
  errorCode?: string;
  createdAt: number;
}

export class UsageStore {
  private readonly insertStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO usage (request_id, reply_id, platform, workspace_id, channel_id, conversation_id, user_id, model,
                          input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, web_search_requests, cost_micros,
                          stop_reason, ttft_ms, latency_ms, error_code, estimated, created_at)
       VALUES (@requestId, @replyId, @platform, @workspaceId, @channelId, @conversationId, @userId, @model,
               @inputTokens, @outputTokens, @cacheWriteTokens, @cacheReadTokens, @webSearchRequests, @costMicros,
               @stopReason, @ttftMs, @latencyMs, @errorCode, @estimated, @createdAt)`,
    );
  }

  record(u: UsageRecord): void {
    this.insertStmt.run({
      requestId: u.requestId ?? null,
      replyId: u.replyId ?? null,
      platform: u.platform,
      workspaceId: u.workspaceId,
      channelId: u.channelId,
      conversationId: u.conversationId,
      userId: u.userId,
      model: u.model,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      cacheWriteTokens: u.cacheWriteTokens,
      cacheReadTokens: u.cacheReadTokens,
      webSearchRequests: u.webSearchRequests ?? 0,
      costMicros: u.costMicros ?? null,
      stopReason: u.stopReason ?? null,
      ttftMs: u.ttftMs ?? null,
      latencyMs: u.latencyMs,
      errorCode: u.errorCode ?? null,
      estimated: u.estimated ? 1 : 0,
      createdAt: u.createdAt,
    });
  }
}
