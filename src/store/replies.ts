// Replies Palaver started, with what it takes to reopen their surface after a crash.
import type { Db } from "./db.ts";
import { orphanedBy } from "./instances.ts";

export type ReplyStatus = "streaming" | "complete" | "interrupted" | "failed";

export interface ReplyRecord {
  id: string;
  conversationId: string;
  triggerMessageId: string;
  platform: string;
  address: string;
  status: ReplyStatus;
  /** The instance running it (src/store/instances.ts); null for replies from before owners. */
  owner: string | null;
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
        `INSERT INTO replies (id, conversation_id, trigger_message_id, platform, address, status, owner, created_at, updated_at)
         VALUES (@id, @conversationId, @triggerMessageId, @platform, @address, 'streaming', @owner, @now, @now)`,
      ),
      setStatus: db.prepare("UPDATE replies SET status = ?, updated_at = ? WHERE id = ?"),
      setPartsStatus: db.prepare(
        "UPDATE messages SET status = ?, updated_at = ? WHERE reply_id = ? AND status = 'streaming'",
      ),
      orphaned: db.prepare<{ platform: string; me: string; staleBefore: number }, {
        id: string;
        conversation_id: string;
        trigger_message_id: string;
        platform: string;
        address: string;
        status: ReplyStatus;
        owner: string | null;
      }>(
        `SELECT * FROM replies WHERE status = 'streaming' AND platform = @platform AND ${orphanedBy("owner")}
         ORDER BY created_at`,
      ),
      adopt: db.prepare("UPDATE replies SET owner = @me WHERE id = @id AND status = 'streaming' AND owner IS @from"),
      parts: db.prepare<[string], ReplyPart>(
        "SELECT id, part, content FROM messages WHERE reply_id = ? ORDER BY part",
      ),
    };
  }

  create(r: Omit<ReplyRecord, "status" | "owner"> & { owner?: string }, now: number): void {
    this.stmts.create.run({ ...r, owner: r.owner ?? null, now });
  }

  /** Finish a reply and every part still marked streaming, in one go. */
  finish(replyId: string, status: Exclude<ReplyStatus, "streaming">, now: number): void {
    this.stmts.setStatus.run(status, now, replyId);
    this.stmts.setPartsStatus.run(status === "complete" ? "complete" : status, now, replyId);
  }

  /**
   * Replies left streaming on one platform by a process that is gone: owned by neither `me` nor
   * an instance whose heartbeat is at or after `staleBefore`.
   */
  orphaned(platform: string, me: string, staleBefore: number): ReplyRecord[] {
    return this.stmts.orphaned.all({ platform, me, staleBefore }).map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      triggerMessageId: r.trigger_message_id,
      platform: r.platform,
      address: r.address,
      status: r.status,
      owner: r.owner,
    }));
  }

  /** Take an orphaned reply over; false when another instance took it (or finished it) first. */
  adopt(reply: ReplyRecord, me: string): boolean {
    return this.stmts.adopt.run({ me, id: reply.id, from: reply.owner }).changes === 1;
  }

  parts(replyId: string): ReplyPart[] {
    return this.stmts.parts.all(replyId);
  }
}
