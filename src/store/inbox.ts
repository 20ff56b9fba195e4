// Messages accepted but not answered yet (migration 005): a message queued behind another reply
// when the process died is answered after the restart instead of being lost.
import { sql, type Db } from "./sql.ts";
import type { InboundMessage, Platform } from "../types.ts";
import { orphanedBy } from "./instances.ts";

export interface InboxEntry {
  message: InboundMessage;
  /** The reply surface's address (Adapter.reopen). */
  address: string;
  owner: string;
}

interface InboxRow {
  message_id: string;
  message: string;
  address: string;
  owner: string;
}

/** The inbound message without what cannot or need not be stored again (closures, file bytes). */
function serialize(message: InboundMessage): string {
  const { fetchThread: _fetch, attachments: _files, ...rest } = message;
  return JSON.stringify(rest);
}

export class InboxStore {
  constructor(private readonly db: Db) {}

  async add(message: InboundMessage, address: string, owner: string, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO inbox (message_id, conversation_id, platform, address, message, owner, received_at)
          VALUES (${message.id}, ${message.conversationId}, ${message.platform}, ${address}, ${serialize(message)}, ${owner}, ${now})
          ON CONFLICT (message_id) DO NOTHING`,
    );
  }

  async remove(messageId: string): Promise<void> {
    await this.db.run(sql`DELETE FROM inbox WHERE message_id = ${messageId}`);
  }

  /** Entries of `platform` whose owner is neither `me` nor alive (heartbeat before staleBefore). */
  async orphaned(platform: Platform, me: string, staleBefore: number): Promise<InboxEntry[]> {
    const rows = await this.db.all<InboxRow>(
      sql`SELECT message_id, message, address, owner FROM inbox
          WHERE platform = ${platform} AND ${orphanedBy("owner", me, staleBefore)} ORDER BY received_at, rowid`,
    );
    return rows.map((r) => ({ message: JSON.parse(r.message) as InboundMessage, address: r.address, owner: r.owner }));
  }

  /** Take an orphaned entry over; false when another instance took it first. */
  async adopt(entry: InboxEntry, me: string): Promise<boolean> {
    const changed = await this.db.run(
      sql`UPDATE inbox SET owner = ${me} WHERE message_id = ${entry.message.id} AND owner = ${entry.owner}`,
    );
    return changed === 1;
  }
}
