// Conversations and their messages in SQLite, keyed by platform ids so that edits, deletions and
// re-syncs from the platform land on the same rows, and a restart loses nothing.
import type { Platform, ThreadMessage } from "../types.ts";
import type { Db } from "./db.ts";
import type { AttachmentRef } from "./attachments.ts";

export type MessageStatus = "complete" | "streaming" | "interrupted" | "failed" | "deleted";

export interface StoredMessage {
  id: string;
  conversationId: string;
  role: "user" | "assistant";
  authorId: string;
  authorName: string;
  authorIsBot: boolean;
  content: string;
  /** References to the message's files; their bytes are in attachment_blobs. */
  attachments?: AttachmentRef[];
  status: MessageStatus;
  replyId?: string;
  createdAt: number;
}

interface MessageRow {
  id: string;
  conversation_id: string;
  role: "user" | "assistant";
  author_id: string;
  author_name: string;
  author_is_bot: number;
  content: string;
  attachments: string | null;
  status: MessageStatus;
  reply_id: string | null;
  created_at: number;
}

export interface ConversationRef {
  id: string;
  platform: Platform;
  workspaceId: string;
  channelId: string;
  isDM: boolean;
}

/** Rows from before migration 006 held {kind, mediaType, dataBase64, name}: read them as references. */
interface LegacyAttachment {
  kind: "image" | "pdf";
  mediaType: string;
  dataBase64: string;
  name?: string;
}

function parseRefs(json: string): AttachmentRef[] {
  return (JSON.parse(json) as (AttachmentRef | LegacyAttachment)[]).map((a) =>
    "dataBase64" in a
      ? { name: a.name ?? "attachment", kind: a.kind, mediaType: a.mediaType, size: Math.floor((a.dataBase64.length * 3) / 4), inlineBase64: a.dataBase64 }
      : a,
  );
}

function toStored(r: MessageRow): StoredMessage {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    role: r.role,
    authorId: r.author_id,
    authorName: r.author_name,
    authorIsBot: r.author_is_bot === 1,
    content: r.content,
    attachments: r.attachments ? parseRefs(r.attachments) : undefined,
    status: r.status,
    replyId: r.reply_id ?? undefined,
    createdAt: r.created_at,
  };
}

export class ConversationStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      ensure: db.prepare(
        `INSERT INTO conversations (id, platform, workspace_id, channel_id, is_dm, created_at, updated_at)
         VALUES (@id, @platform, @workspaceId, @channelId, @isDM, @now, @now)
         ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`,
      ),
      // Palaver took part: a reply of its own was started here (admitted), or the synced thread
      // holds a message of Palaver's. A refused mention leaves neither.
      engaged: db.prepare<[string, string], { one: number }>(
        `SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM replies WHERE conversation_id = ?)
         OR EXISTS (SELECT 1 FROM messages WHERE conversation_id = ? AND role = 'assistant' AND status != 'deleted')`,
      ),
      get: db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE id = ?"),
      insert: db.prepare(
        `INSERT INTO messages (id, conversation_id, role, author_id, author_name, author_is_bot, content,
                               attachments, status, reply_id, part, created_at, updated_at)
         VALUES (@id, @conversationId, @role, @authorId, @authorName, @authorIsBot, @content,
                 @attachments, @status, @replyId, @part, @createdAt, @now)`,
      ),
      upsertPart: db.prepare(
        `INSERT INTO messages (id, conversation_id, role, author_id, author_name, author_is_bot, content,
                               attachments, status, reply_id, part, created_at, updated_at)
         VALUES (@id, @conversationId, 'assistant', @authorId, @authorName, 1, @content,
                 NULL, @status, @replyId, @part, @createdAt, @createdAt)
         ON CONFLICT (id) DO UPDATE SET role = 'assistant', content = excluded.content, status = excluded.status,
           reply_id = excluded.reply_id, part = excluded.part, updated_at = excluded.updated_at`,
      ),
      updateHuman: db.prepare(
        `UPDATE messages SET content = ?, author_name = ?, attachments = ?, status = 'complete', updated_at = ?
         WHERE id = ? AND role = 'user'`,
      ),
      updatePart: db.prepare("UPDATE messages SET content = ?, status = ?, updated_at = ? WHERE id = ?"),
      edit: db.prepare("UPDATE messages SET content = ?, updated_at = ? WHERE id = ? AND role = 'user' AND status != 'deleted'"),
      markDeleted: db.prepare("UPDATE messages SET status = 'deleted', updated_at = ? WHERE id = ?"),
      list: db.prepare<[string], MessageRow>(
        "SELECT * FROM messages WHERE conversation_id = ? AND status != 'deleted' ORDER BY created_at, rowid",
      ),
      recent: db.prepare<[string, number], MessageRow>(
        `SELECT * FROM messages WHERE conversation_id = ? AND status != 'deleted' AND created_at <= ?
         ORDER BY created_at DESC, rowid DESC`,
      ),
      countUsable: db.prepare<[string, number], { n: number }>(
        `SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ? AND created_at <= ?
         AND status NOT IN ('deleted', 'failed') AND (trim(content) != '' OR attachments IS NOT NULL)`,
      ),
      speakers: db.prepare<[string, number], { humans: number; bots: number }>(
        `SELECT COUNT(DISTINCT CASE WHEN author_is_bot = 0 THEN author_id END) AS humans,
                COUNT(CASE WHEN author_is_bot = 1 THEN 1 END) AS bots
         FROM messages WHERE conversation_id = ? AND created_at <= ? AND role = 'user'
         AND status NOT IN ('deleted', 'failed') AND (trim(content) != '' OR attachments IS NOT NULL)`,
      ),
      idsInRange: db.prepare<[string, number, number], { id: string }>(
        `SELECT id FROM messages WHERE conversation_id = ? AND created_at BETWEEN ? AND ?
         AND status IN ('complete', 'interrupted')`,
      ),
      deleteConversation: db.prepare("DELETE FROM conversations WHERE id = ?"),
      // /palaver forget (src/store/forgotten.ts, migration 002): history up to then stays gone.
      forgottenAt: db.prepare<[string], { forgotten_at: number }>(
        "SELECT forgotten_at FROM forgotten_conversations WHERE conversation_id = ?",
      ),
    };
  }

  ensureConversation(ref: ConversationRef, now: number): void {
    this.stmts.ensure.run({ ...ref, isDM: ref.isDM ? 1 : 0, now });
  }

  /** True when Palaver answered here (a reply was admitted, or one of its messages is stored). */
  engaged(conversationId: string): boolean {
    return this.stmts.engaged.get(conversationId, conversationId) !== undefined;
  }

  get(messageId: string): StoredMessage | undefined {
    const row = this.stmts.get.get(messageId);
    return row ? toStored(row) : undefined;
  }

  /**
   * Store one platform message. Human messages take the platform's latest text; Palaver's own
   * messages keep the text we stored when we wrote them (the platform has the formatted copy).
   * Messages from before a /palaver forget of the conversation are not stored again. `files` are
   * the message's file references (src/context/files/ingest.ts); without them a stored message keeps
   * its own, so a thread sync never rewrites or re-reads files.
   */
  upsert(conversationId: string, m: ThreadMessage, now: number, files?: AttachmentRef[]): void {
    const forgotten = this.stmts.forgottenAt.get(conversationId);
    if (forgotten && m.createdAt <= forgotten.forgotten_at) return;
    const existing = this.stmts.get.get(m.id);
    const attachments = files && files.length > 0 ? JSON.stringify(files) : null;
    if (!existing) {
      this.stmts.insert.run({
        id: m.id,
        conversationId,
        role: m.author.isMe ? "assistant" : "user",
        authorId: m.author.id,
        authorName: m.author.displayName,
        authorIsBot: m.author.isBot ? 1 : 0,
        content: m.text,
        attachments,
        status: "complete",
        replyId: null,
        part: 0,
        createdAt: m.createdAt,
        now,
      });
    } else if (existing.role === "user") {
      this.stmts.updateHuman.run(m.text, m.author.displayName, attachments ?? existing.attachments, now, m.id);
    }
  }

  /**
   * Bring the stored conversation in line with the platform's copy: upsert every message, and
   * mark deleted what we hold inside the fetched time range that the platform no longer has.
   */
  sync(conversationId: string, messages: ThreadMessage[], now: number): void {
    if (messages.length === 0) return;
    this.db.transaction(() => {
      for (const m of messages) this.upsert(conversationId, m, now);
      const seen = new Set(messages.map((m) => m.id));
      const first = Math.min(...messages.map((m) => m.createdAt));
      const last = Math.max(...messages.map((m) => m.createdAt));
      for (const { id } of this.stmts.idsInRange.all(conversationId, first, last)) {
        if (!seen.has(id)) this.stmts.markDeleted.run(now, id);
      }
    })();
  }

  /** Reflect a platform edit; Palaver's own messages are never rewritten from the platform. */
  edit(messageId: string, text: string, now: number): boolean {
    return this.stmts.edit.run(text, now, messageId).changes > 0;
  }

  markDeleted(messageId: string, now: number): boolean {
    return this.stmts.markDeleted.run(now, messageId).changes > 0;
  }

  /** The conversation as stored, oldest first, without deleted messages. */
  list(conversationId: string): StoredMessage[] {
    return this.stmts.list.all(conversationId).map(toStored);
  }

  /**
   * The newest messages up to `until` (ms), oldest first, reading back only until their text
   * passes `maxChars`: a long thread's history never needs more than the context window holds,
   * so there is no point reading 10,000 rows to keep 2,000 (bench/core.ts, history).
   */
  listRecent(
    conversationId: string,
    until: number,
    maxChars: number,
  ): { messages: StoredMessage[]; olderUnread: number; named: boolean } {
    const rows: MessageRow[] = [];
    let chars = 0;
    let stoppedEarly = false;
    for (const row of this.stmts.recent.iterate(conversationId, until)) {
      rows.push(row);
      chars += row.content.length;
      if (chars > maxChars) {
        stoppedEarly = true;
        break;
      }
    }
    let olderUnread = 0;
    if (stoppedEarly) {
      // Older messages left unread count as left out of the history (the reply says how many).
      const usableRead = rows.filter((r) => r.status !== "failed" && (r.content.trim() !== "" || r.attachments !== null)).length;
      olderUnread = Math.max(0, this.stmts.countUsable.get(conversationId, until)!.n - usableRead);
    }
    // Whether speakers are named depends on the whole conversation, read or not.
    const speakers = this.stmts.speakers.get(conversationId, until)!;
    return { messages: rows.reverse().map(toStored), olderUnread, named: speakers.humans > 1 || speakers.bots > 0 };
  }

  insertPart(p: {
    id: string;
    conversationId: string;
    replyId: string;
    part: number;
    authorId: string;
    authorName: string;
    content: string;
    status: MessageStatus;
    createdAt: number;
  }): void {
    // An upsert: the platform may have echoed our post back (and a sync stored it) first.
    this.stmts.upsertPart.run(p);
  }

  updatePart(id: string, content: string, status: MessageStatus, now: number): void {
    this.stmts.updatePart.run(content, status, now, id);
  }

  /** Forget a conversation: its messages, replies and settings rows go with it. */
  deleteConversation(conversationId: string): boolean {
    return this.stmts.deleteConversation.run(conversationId).changes > 0;
  }
}
