// Messages accepted but not answered yet (migration 005): a message queued behind another reply
// when the process died is answered after the restart instead of being lost.
import type { Db } from "./db.ts";
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
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      add: db.prepare(
        `INSERT OR IGNORE INTO inbox (message_id, conversation_id, platform, address, message, owner, received_at)
         VALUES (@id, @conversationId, @platform, @address, @message, @owner, @now)`,
      ),
      remove: db.prepare("DELETE FROM inbox WHERE message_id = ?"),
      orphaned: db.prepare<{ platform: string; me: string; staleBefore: number }, InboxRow>(
        `SELECT message_id, message, address, owner FROM inbox
         WHERE platform = @platform AND ${orphanedBy("owner")} ORDER BY received_at, rowid`,
      ),
      adopt: db.prepare("UPDATE inbox SET owner = @me WHERE message_id = @id AND owner = @from"),
    };
  }

  add(message: InboundMessage, address: string, owner: string, now: number): void {
    this.stmts.add.run({ id: message.id, conversationId: message.conversationId, platform: message.platform, address, message: serialize(message), owner, now });
  }

  remove(messageId: string): void {
    this.stmts.remove.run(messageId);
  }

  /** Entries of `platform` whose owner is neither `me` nor alive (heartbeat before staleBefore). */
  orphaned(platform: Platform, me: string, staleBefore: number): InboxEntry[] {
    return this.stmts.orphaned.all({ platform, me, staleBefore }).map((r) => ({
      message: JSON.parse(r.message) as InboundMessage,
      address: r.address,
      owner: r.owner,
    }));
  }

  /** Take an orphaned entry over; false when another instance took it first. */
  adopt(entry: InboxEntry, me: string): boolean {
    return this.stmts.adopt.run({ me, id: entry.message.id, from: entry.owner }).changes === 1;
  }
}
