// /palaver forget: delete a conversation's stored history and remember when, so that the next
// sync of the platform's thread does not bring the forgotten messages back (migration 002).
import { scopeId } from "../context/settings.ts";
import type { Db } from "./db.ts";

export class ForgetStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      count: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?"),
      mark: db.prepare(
        `INSERT INTO forgotten_conversations (conversation_id, forgotten_at, forgotten_by) VALUES (?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET forgotten_at = excluded.forgotten_at, forgotten_by = excluded.forgotten_by`,
      ),
      get: db.prepare<[string], { forgotten_at: number }>(
        "SELECT forgotten_at FROM forgotten_conversations WHERE conversation_id = ?",
      ),
      // Messages and replies go with the conversation (ON DELETE CASCADE); usage rows stay, as
      // accounting: they hold token counts and costs, not text.
      deleteConversation: db.prepare("DELETE FROM conversations WHERE id = ?"),
      deleteThreadSettings: db.prepare("DELETE FROM settings WHERE scope = ?"),
      inChannel: db.prepare<[string], { id: string }>("SELECT id FROM conversations WHERE channel_id = ?"),
    };
  }

  /** Delete the stored history; returns how many stored messages were deleted. */
  forget(conversationId: string, now: number, by: string): number {
    return this.db.transaction(() => {
      const messages = this.stmts.count.get(conversationId)?.n ?? 0;
      this.stmts.deleteConversation.run(conversationId);
      this.stmts.deleteThreadSettings.run(scopeId("thread", conversationId));
      this.stmts.mark.run(conversationId, now, by);
      return messages;
    })();
  }

  /**
   * Forget every conversation held for a channel (a DM, where each thread is a conversation);
   * returns how many conversations and messages were deleted.
   */
  forgetChannel(channelId: string, now: number, by: string): { conversations: number; messages: number } {
    return this.db.transaction(() => {
      const ids = this.stmts.inChannel.all(channelId).map((r) => r.id);
      let messages = 0;
      for (const id of ids) messages += this.forget(id, now, by);
      return { conversations: ids.length, messages };
    })();
  }

  /** Messages created at or before this moment belong to forgotten history (-Infinity: none). */
  forgottenAt(conversationId: string): number {
    return this.stmts.get.get(conversationId)?.forgotten_at ?? Number.NEGATIVE_INFINITY;
  }
}
