// /palaver forget: delete a conversation's stored history and remember when, so that the next
// sync of the platform's thread does not bring the forgotten messages back (migration 002).
import { scopeId } from "../context/settings.ts";
import { sql, type Db } from "./sql.ts";
import type { AttachmentRef } from "./attachments.ts";

/** Deletes a Claude Files API upload; best effort, never throws (src/claude/files.ts). */
export interface UploadRemover {
  delete(fileId: string): Promise<void>;
}

export class ForgetStore {
  /** `uploads`: where the Claude copies of deleted files are deleted too, once the deletion is committed. */
  constructor(
    private readonly db: Db,
    private readonly uploads?: UploadRemover,
  ) {}

  /**
   * Delete the stored history; returns how many stored messages were deleted. Messages and
   * replies go with the conversation (ON DELETE CASCADE), and so do the bytes of files that no
   * remaining message refers to. Usage rows stay, as accounting: they hold token counts and
   * costs, not text. A deleted file's upload to Claude (Files API) is deleted from Claude too.
   */
  async forget(conversationId: string, now: number, by: string): Promise<number> {
    const uploads: string[] = [];
    const messages = await this.db.transaction((tx) => this.forgetIn(tx, conversationId, now, by, uploads));
    await this.deleteUploads(uploads);
    return messages;
  }

  private async forgetIn(tx: Db, conversationId: string, now: number, by: string, uploads: string[]): Promise<number> {
    const hashes = await this.fileHashes(tx, conversationId);
    const messages = (await tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ${conversationId}`))?.n ?? 0;
    await tx.run(sql`DELETE FROM conversations WHERE id = ${conversationId}`);
    await tx.run(sql`DELETE FROM settings WHERE scope = ${scopeId("thread", conversationId)}`);
    await tx.run(
      sql`INSERT INTO forgotten_conversations (conversation_id, forgotten_at, forgotten_by) VALUES (${conversationId}, ${now}, ${by})
          ON CONFLICT (conversation_id) DO UPDATE SET forgotten_at = excluded.forgotten_at, forgotten_by = excluded.forgotten_by`,
    );
    for (const hash of hashes) {
      const upload = await this.dropIfUnused(tx, hash);
      if (upload !== undefined) uploads.push(upload);
    }
    return messages;
  }

  /**
   * Forget every conversation held for a channel (a DM, where each thread is a conversation);
   * returns how many conversations and messages were deleted.
   */
  async forgetChannel(channelId: string, now: number, by: string): Promise<{ conversations: number; messages: number }> {
    const uploads: string[] = [];
    const gone = await this.db.transaction(async (tx) => {
      const ids = (await tx.all<{ id: string }>(sql`SELECT id FROM conversations WHERE channel_id = ${channelId}`)).map((r) => r.id);
      let messages = 0;
      for (const id of ids) messages += await this.forgetIn(tx, id, now, by, uploads);
      return { conversations: ids.length, messages };
    });
    await this.deleteUploads(uploads);
    return gone;
  }

  /** After the commit: a rolled-back forget must not have deleted files still referred to. */
  private async deleteUploads(fileIds: string[]): Promise<void> {
    for (const id of fileIds) await this.uploads?.delete(id);
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

  /**
   * Bytes are shared by content: keep them while any other message still refers to them. Returns
   * the Claude upload of bytes it deleted, if they had one.
   */
  private async dropIfUnused(tx: Db, hash: string): Promise<string | undefined> {
    const used = await tx.get(sql`SELECT 1 AS one FROM messages WHERE attachments LIKE ${`%"hash":"${hash}"%`}`);
    if (used) return undefined;
    const row = await tx.get<{ claude_file_id: string | null }>(sql`SELECT claude_file_id FROM attachment_blobs WHERE hash = ${hash}`);
    await tx.run(sql`DELETE FROM attachment_blobs WHERE hash = ${hash}`);
    return row?.claude_file_id ?? undefined;
  }
}
