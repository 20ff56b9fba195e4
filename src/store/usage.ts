// One row per Claude request: tokens, cost, timing and outcome.
import { sql, type Db } from "./sql.ts";
import { utcDayStart, utcMonthStart } from "../admission/utc-windows.ts";

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
  constructor(private readonly db: Db) {}

  /**
   * One usage row, and its cost added to the spend totals of its workspace, channel and user for
   * the UTC day and month, in one transaction: every instance's budget check sees both or neither.
   */
  async record(u: UsageRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.insert(tx, u);
      if (!u.costMicros) return;
      const scopes = [
        ["workspace", u.workspaceId],
        ["channel", u.channelId],
        ["user", u.userId],
      ] as const;
      const windows = [
        ["daily", utcDayStart(u.createdAt)],
        ["monthly", utcMonthStart(u.createdAt)],
      ] as const;
      for (const [kind, id] of scopes) {
        for (const [period, start] of windows) {
          await tx.run(
            sql`INSERT INTO spend_totals (scope_kind, scope_id, period, window_start, cost_micros)
                VALUES (${kind}, ${id}, ${period}, ${start}, ${u.costMicros})
                ON CONFLICT (scope_kind, scope_id, period, window_start)
                DO UPDATE SET cost_micros = spend_totals.cost_micros + excluded.cost_micros`,
          );
        }
      }
    });
  }

  private async insert(db: Db, u: UsageRecord): Promise<void> {
    await db.run(
      sql`INSERT INTO usage (request_id, reply_id, platform, workspace_id, channel_id, conversation_id, user_id, model,
                             input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, web_search_requests, cost_micros,
                             stop_reason, ttft_ms, latency_ms, error_code, estimated, created_at)
          VALUES (${u.requestId ?? null}, ${u.replyId ?? null}, ${u.platform}, ${u.workspaceId}, ${u.channelId}, ${u.conversationId}, ${u.userId}, ${u.model},
                  ${u.inputTokens}, ${u.outputTokens}, ${u.cacheWriteTokens}, ${u.cacheReadTokens}, ${u.webSearchRequests ?? 0}, ${u.costMicros ?? null},
                  ${u.stopReason ?? null}, ${u.ttftMs ?? null}, ${u.latencyMs}, ${u.errorCode ?? null}, ${u.estimated ? 1 : 0}, ${u.createdAt})`,
    );
  }
}
