// /palaver forget: delete a conversation's stored history and remember when, so that the next
// sync of the platform's thread does not bring the forgotten messages back (migration 002).
import { scopeId } from "../context/settings.ts";
import { sql, type Db } from "./sql.ts";
import type { AttachmentRef } from "./attachments.ts";

export class ForgetStore {
  constructor(private readonly db: Db) {}

  /**
   * Delete the stored history; returns how many stored messages were deleted. Messages and
   * replies go with the conversation (ON DELETE CASCADE), and so do the bytes of files that no
   * remaining message refers to. Usage rows stay, as accounting: they hold token counts and
   * costs, not text.
   */
  forget(conversationId: string, now: number, by: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const hashes = await this.fileHashes(tx, conversationId);
      const messages = (await tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ${conversationId}`))?.n ?? 0;
      await tx.run(sql`DELETE FROM conversations WHERE id = ${conversationId}`);
      await tx.run(sql`DELETE FROM settings WHERE scope = ${scopeId("thread", conversationId)}`);
      await tx.run(
        sql`INSERT INTO forgotten_conversations (conversation_id, forgotten_at, forgotten_by) VALUES (${conversationId}, ${now}, ${by})
            ON CONFLICT (conversation_id) DO UPDATE SET forgotten_at = excluded.forgotten_at, forgotten_by = excluded.forgotten_by`,
      );
      for (const hash of hashes) await this.dropIfUnused(tx, hash);
      return messages;
    });
  }

  /**
   * Forget every conversation held for a channel (a DM, where each thread is a conversation);
   * returns how many conversations and messages were deleted.
   */
  forgetChannel(channelId: string, now: number, by: string): Promise<{ conversations: number; messages: number }> {
    return this.db.transaction(async (tx) => {
      const ids = (await tx.all<{ id: string }>(sql`SELECT id FROM conversations WHERE channel_id = ${channelId}`)).map((r) => r.id);
      let messages = 0;
      for (const id of ids) messages += await new ForgetStore(tx).forget(id, now, by);
      return { conversations: ids.length, messages };
    });
  }

  /** Messages created at or before this moment belong to forgotten history (-Infinity: none). */
  async forgottenAt(conversationId: string): Promise<number> {
    const row = await this.db.get<{ forgotten_at: number }>(
      sql`SELECT forgotten_at FROM forgotten_conversations WHERE conversation_id = ${conversationId}`,
    );
    return row?.forgotten_at ?? Number.NEGATIVE_INFINITY;
  }

  /** The content hashes of the files the conversation's messages refer to. */
  private async fileHashes(tx: Db, conversationId: string): Promise<Set<string>> {
    const rows = await tx.all<{ attachments: string }>(
      sql`SELECT attachments FROM messages WHERE conversation_id = ${conversationId} AND attachments IS NOT NULL`,
    );
    const hashes = new Set<string>();
    for (const row of rows) for (const ref of JSON.parse(row.attachments) as AttachmentRef[]) if (ref.hash) hashes.add(ref.hash);
    return hashes;
  }

  /** Bytes are shared by content: keep them while any other message still refers to them. */
  private async dropIfUnused(tx: Db, hash: string): Promise<void> {
    const used = await tx.get(sql`SELECT 1 AS one FROM messages WHERE attachments LIKE ${`%"hash":"${hash}"%`}`);
    if (!used) await tx.run(sql`DELETE FROM attachment_blobs WHERE hash = ${hash}`);
  }
}
