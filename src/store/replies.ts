// Replies Palaver started, with what it takes to reopen their surface after a crash.
import { sql, type Db } from "./sql.ts";
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

interface ReplyRow {
  id: string;
  conversation_id: string;
  trigger_message_id: string;
  platform: string;
  address: string;
  status: ReplyStatus;
  owner: string | null;
}

export class ReplyStore {
  constructor(private readonly db: Db) {}

  async create(r: Omit<ReplyRecord, "status" | "owner"> & { owner?: string }, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO replies (id, conversation_id, trigger_message_id, platform, address, status, owner, created_at, updated_at)
          VALUES (${r.id}, ${r.conversationId}, ${r.triggerMessageId}, ${r.platform}, ${r.address}, 'streaming', ${r.owner ?? null}, ${now}, ${now})`,
    );
  }

  /** Finish a reply and every part still marked streaming, in one transaction. */
  async finish(replyId: string, status: Exclude<ReplyStatus, "streaming">, now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run(sql`UPDATE replies SET status = ${status}, updated_at = ${now} WHERE id = ${replyId}`);
      await tx.run(sql`UPDATE messages SET status = ${status}, updated_at = ${now} WHERE reply_id = ${replyId} AND status = 'streaming'`);
    });
  }

  /**
   * Replies left streaming on one platform by a process that is gone: owned by neither `me` nor
   * an instance whose heartbeat is at or after `staleBefore`.
   */
  async orphaned(platform: string, me: string, staleBefore: number): Promise<ReplyRecord[]> {
    const rows = await this.db.all<ReplyRow>(
      sql`SELECT id, conversation_id, trigger_message_id, platform, address, status, owner FROM replies
          WHERE status = 'streaming' AND platform = ${platform} AND ${orphanedBy("owner", me, staleBefore)}
          ORDER BY created_at`,
    );
    return rows.map((r) => ({
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
  async adopt(reply: ReplyRecord, me: string): Promise<boolean> {
    const changed = await this.db.run(
      sql`UPDATE replies SET owner = ${me} WHERE id = ${reply.id} AND status = 'streaming' AND owner IS NOT DISTINCT FROM ${reply.owner}`,
    );
    return changed === 1;
  }

  parts(replyId: string): Promise<ReplyPart[]> {
    return this.db.all<ReplyPart>(sql`SELECT id, part, content FROM messages WHERE reply_id = ${replyId} ORDER BY part`);
  }
}
