// Conversations and their messages in SQLite, keyed by platform ids so that edits, deletions and
// re-syncs from the platform land on the same rows, and a restart loses nothing.
import type { Platform, ThreadMessage } from "../types.ts";
import { sql, type Db } from "./sql.ts";
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

/** Rows read per step while walking a thread back from its newest message. */
const RECENT_BATCH_ROWS = 200;

export class ConversationStore {
  constructor(private readonly db: Db) {}

  async ensureConversation(ref: ConversationRef, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO conversations (id, platform, workspace_id, channel_id, is_dm, created_at, updated_at)
          VALUES (${ref.id}, ${ref.platform}, ${ref.workspaceId}, ${ref.channelId}, ${ref.isDM ? 1 : 0}, ${now}, ${now})
          ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`,
    );
  }

  /**
   * True when Palaver answered here (a reply of its own was started here, or the synced thread
   * holds a message of Palaver's). A refused mention leaves neither.
   */
  async engaged(conversationId: string): Promise<boolean> {
    const row = await this.db.get(
      sql`SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM replies WHERE conversation_id = ${conversationId})
          OR EXISTS (SELECT 1 FROM messages WHERE conversation_id = ${conversationId} AND role = 'assistant' AND status != 'deleted')`,
    );
    return row !== undefined;
  }

  async get(messageId: string): Promise<StoredMessage | undefined> {
    const row = await this.row(this.db, messageId);
    return row ? toStored(row) : undefined;
  }

  private row(db: Db, messageId: string): Promise<MessageRow | undefined> {
    return db.get<MessageRow>(sql`SELECT * FROM messages WHERE id = ${messageId}`);
  }

  /**
   * Store one platform message. Human messages take the platform's latest text; Palaver's own
   * messages keep the text we stored when we wrote them (the platform has the formatted copy).
   * Messages from before a /palaver forget of the conversation are not stored again. `files` are
   * the message's file references (src/context/files/ingest.ts); without them a stored message keeps
   * its own, so a thread sync never rewrites or re-reads files.
   */
  async upsert(conversationId: string, m: ThreadMessage, now: number, files?: AttachmentRef[], db: Db = this.db): Promise<void> {
    // /palaver forget (src/store/forgotten.ts, migration 002): history up to then stays gone.
    if (m.createdAt <= (await this.forgottenAt(conversationId, db))) return;
    const existing = await this.row(db, m.id);
    const attachments = files && files.length > 0 ? JSON.stringify(files) : null;
    if (!existing) {
      await db.run(
        sql`INSERT INTO messages (id, conversation_id, role, author_id, author_name, author_is_bot, content,
                                  attachments, status, reply_id, part, created_at, updated_at)
            VALUES (${m.id}, ${conversationId}, ${m.author.isMe ? "assistant" : "user"}, ${m.author.id}, ${m.author.displayName},
                    ${m.author.isBot ? 1 : 0}, ${m.text}, ${attachments}, 'complete', NULL, 0, ${m.createdAt}, ${now})
            ON CONFLICT (id) DO NOTHING`,
      );
    } else if (existing.role === "user") {
      await db.run(
        sql`UPDATE messages SET content = ${m.text}, author_name = ${m.author.displayName}, attachments = ${attachments ?? existing.attachments},
            status = 'complete', updated_at = ${now} WHERE id = ${m.id} AND role = 'user'`,
      );
    }
  }

  /** Messages created at or before this moment were forgotten (/palaver forget); -Infinity: none. */
  async forgottenAt(conversationId: string, db: Db = this.db): Promise<number> {
    const row = await db.get<{ forgotten_at: number }>(sql`SELECT forgotten_at FROM forgotten_conversations WHERE conversation_id = ${conversationId}`);
    return row?.forgotten_at ?? Number.NEGATIVE_INFINITY;
  }

  /**
   * Bring the stored conversation in line with the platform's copy: upsert every message, and
   * mark deleted what we hold inside the fetched time range that the platform no longer has.
   * `files`: references for messages stored for the first time (earlier files of the thread).
   */
  async sync(conversationId: string, messages: ThreadMessage[], now: number, files?: ReadonlyMap<string, AttachmentRef[]>): Promise<void> {
    if (messages.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const m of messages) await this.upsert(conversationId, m, now, files?.get(m.id), tx);
      const seen = new Set(messages.map((m) => m.id));
      const first = Math.min(...messages.map((m) => m.createdAt));
      const last = Math.max(...messages.map((m) => m.createdAt));
      const held = await tx.all<{ id: string }>(
        sql`SELECT id FROM messages WHERE conversation_id = ${conversationId} AND created_at BETWEEN ${first} AND ${last}
            AND status IN ('complete', 'interrupted')`,
      );
      for (const { id } of held) if (!seen.has(id)) await this.markDeleted(id, now, tx);
    });
  }

  /** Reflect a platform edit; Palaver's own messages are never rewritten from the platform. */
  async edit(messageId: string, text: string, now: number): Promise<boolean> {
    const changed = await this.db.run(
      sql`UPDATE messages SET content = ${text}, updated_at = ${now} WHERE id = ${messageId} AND role = 'user' AND status != 'deleted'`,
    );
    return changed > 0;
  }

  async markDeleted(messageId: string, now: number, db: Db = this.db): Promise<boolean> {
    return (await db.run(sql`UPDATE messages SET status = 'deleted', updated_at = ${now} WHERE id = ${messageId}`)) > 0;
  }

  /** The conversation as stored, oldest first, without deleted messages. */
  async list(conversationId: string): Promise<StoredMessage[]> {
    const rows = await this.db.all<MessageRow>(
      sql`SELECT * FROM messages WHERE conversation_id = ${conversationId} AND status != 'deleted' ORDER BY created_at, rowid`,
    );
    return rows.map(toStored);
  }

  /**
   * The newest messages up to `until` (ms), oldest first, reading back only until their text
   * passes `maxChars`: a long thread's history never needs more than the context window holds,
   * so there is no point reading 10,000 rows to keep 2,000 (bench/core.ts, history). Rows come
   * in batches, each starting where the last one stopped (created_at, then insertion order).
   */
  async listRecent(
    conversationId: string,
    until: number,
    maxChars: number,
  ): Promise<{ messages: StoredMessage[]; olderUnread: number; named: boolean }> {
    const rows: (MessageRow & { seq: number })[] = [];
    let chars = 0;
    let stoppedEarly = false;
    let after: { created_at: number; seq: number } | undefined;
    walk: for (;;) {
      const batch = await this.db.all<MessageRow & { seq: number }>(
        after
          ? sql`SELECT *, rowid AS seq FROM messages WHERE conversation_id = ${conversationId} AND status != 'deleted'
                AND (created_at < ${after.created_at} OR (created_at = ${after.created_at} AND rowid < ${after.seq}))
                ORDER BY created_at DESC, rowid DESC LIMIT ${RECENT_BATCH_ROWS}`
          : sql`SELECT *, rowid AS seq FROM messages WHERE conversation_id = ${conversationId} AND status != 'deleted' AND created_at <= ${until}
                ORDER BY created_at DESC, rowid DESC LIMIT ${RECENT_BATCH_ROWS}`,
      );
      for (const row of batch) {
        rows.push(row);
        chars += row.content.length;
        if (chars > maxChars) {
          stoppedEarly = true;
          break walk;
        }
      }
      if (batch.length < RECENT_BATCH_ROWS) break;
      after = batch[batch.length - 1]!;
    }
    const usable = sql`status NOT IN ('deleted', 'failed') AND (trim(content) != '' OR attachments IS NOT NULL)`;
    let olderUnread = 0;
    if (stoppedEarly) {
      // Older messages left unread count as left out of the history (the reply says how many).
      const usableRead = rows.filter((r) => r.status !== "failed" && (r.content.trim() !== "" || r.attachments !== null)).length;
      const total = await this.db.get<{ n: number }>(
        sql`SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ${conversationId} AND created_at <= ${until} AND ${usable}`,
      );
      olderUnread = Math.max(0, (total?.n ?? 0) - usableRead);
    }
    // Whether speakers are named depends on the whole conversation, read or not.
    const speakers = await this.db.get<{ humans: number; bots: number }>(
      sql`SELECT COUNT(DISTINCT CASE WHEN author_is_bot = 0 THEN author_id END) AS humans,
                 COUNT(CASE WHEN author_is_bot = 1 THEN 1 END) AS bots
          FROM messages WHERE conversation_id = ${conversationId} AND created_at <= ${until} AND role = 'user' AND ${usable}`,
    );
    const named = (speakers?.humans ?? 0) > 1 || (speakers?.bots ?? 0) > 0;
    return { messages: rows.reverse().map(({ seq: _seq, ...row }) => toStored(row)), olderUnread, named };
  }

  async insertPart(p: {
    id: string;
    conversationId: string;
    replyId: string;
    part: number;
    authorId: string;
    authorName: string;
    content: string;
    status: MessageStatus;
    createdAt: number;
  }): Promise<void> {
    // An upsert: the platform may have echoed our post back (and a sync stored it) first.
    await this.db.run(
      sql`INSERT INTO messages (id, conversation_id, role, author_id, author_name, author_is_bot, content,
                                attachments, status, reply_id, part, created_at, updated_at)
          VALUES (${p.id}, ${p.conversationId}, 'assistant', ${p.authorId}, ${p.authorName}, 1, ${p.content},
                  NULL, ${p.status}, ${p.replyId}, ${p.part}, ${p.createdAt}, ${p.createdAt})
          ON CONFLICT (id) DO UPDATE SET role = 'assistant', content = excluded.content, status = excluded.status,
            reply_id = excluded.reply_id, part = excluded.part, updated_at = excluded.updated_at`,
    );
  }

  async updatePart(id: string, content: string, status: MessageStatus, now: number): Promise<void> {
    await this.db.run(sql`UPDATE messages SET content = ${content}, status = ${status}, updated_at = ${now} WHERE id = ${id}`);
  }

  /** Forget a conversation: its messages, replies and settings rows go with it. */
  async deleteConversation(conversationId: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM conversations WHERE id = ${conversationId}`)) > 0;
  }
}
