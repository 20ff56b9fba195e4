// Replies Palaver started, with what it takes to reopen their surface after a crash.
import type { Db } from "./db.ts";

export type ReplyStatus = "streaming" | "complete" | "interrupted" | "failed";

export interface ReplyRecord {
  id: string;
  conversationId: string;
  triggerMessageId: string;
  platform: string;
  address: string;
  status: ReplyStatus;
}

export interface ReplyPart {
  id: string;
  part: number;
  content: string;
}

export class ReplyStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      create: db.prepare(
        `INSERT INTO replies (id, conversation_id, trigger_message_id, platform, address, status, created_at, updated_at)
         VALUES (@id, @conversationId, @triggerMessageId, @platform, @address, 'streaming', @now, @now)`,
      ),
      setStatus: db.prepare("UPDATE replies SET status = ?, updated_at = ? WHERE id = ?"),
      setPartsStatus: db.prepare(
        "UPDATE messages SET status = ?, updated_at = ? WHERE reply_id = ? AND status = 'streaming'",
      ),
      streaming: db.prepare<[string], {
        id: string;
        conversation_id: string;
        trigger_message_id: string;
        platform: string;
        address: string;
        status: ReplyStatus;
      }>("SELECT * FROM replies WHERE status = 'streaming' AND platform = ? ORDER BY created_at"),
      parts: db.prepare<[string], ReplyPart>(
        "SELECT id, part, content FROM messages WHERE reply_id = ? ORDER BY part",
      ),
    };
  }

  create(r: Omit<ReplyRecord, "status">, now: number): void {
    this.stmts.create.run({ ...r, now });
  }

  /** Finish a reply and every part still marked streaming, in one go. */
  finish(replyId: string, status: Exclude<ReplyStatus, "streaming">, now: number): void {
    this.stmts.setStatus.run(status, now, replyId);
    this.stmts.setPartsStatus.run(status === "complete" ? "complete" : status, now, replyId);
  }

  /** Replies a previous process left streaming (it crashed or was killed) on one platform. */
  unfinished(platform: string): ReplyRecord[] {
    return this.stmts.streaming.all(platform).map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      triggerMessageId: r.trigger_message_id,
      platform: r.platform,
      address: r.address,
      status: r.status,
    }));
  }

  parts(replyId: string): ReplyPart[] {
    return this.stmts.parts.all(replyId);
  }
}
