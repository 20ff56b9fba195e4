// A whole Slack thread as ThreadMessage[]: conversations.replies, every page (cursor pagination),
// oldest first, housekeeping messages (joins, tombstones) left out.
import { downloadFiles, type FileDownloadDeps } from "./files.ts";
import type { webApi } from "@slack/bolt";
import type { Author, ThreadMessage } from "../../src/types.ts";
import { messageId, userId } from "./ids.ts";
import { REPLIES_PAGE_SIZE } from "./limits.ts";
import { slackToPlain } from "./text.ts";
import type { UserDirectory } from "./users.ts";
import { readMessage, SPOKEN_SUBTYPES, tsToMillis, type SlackMessage } from "./wire.ts";

/** Who Palaver is in this workspace (auth.test) and how to look people up. */
export interface SlackIdentity {
  client: webApi.WebClient;
  team: string;
  botUserId: string;
  botId: string;
  botName: string;
  users: UserDirectory;
  /** Downloads the files shared with a message (adapters/slack/files.ts). */
  files: FileDownloadDeps;
}

export function isFromMe(m: SlackMessage, me: SlackIdentity): boolean {
  return m.user === me.botUserId || (m.bot_id !== undefined && m.bot_id === me.botId);
}

export async function authorOf(m: SlackMessage, me: SlackIdentity): Promise<Author> {
  if (isFromMe(m, me)) return { id: userId(me.botUserId), displayName: me.botName, isBot: true, isMe: true };
  if (m.user) {
    const u = await me.users.get(m.user);
    return { id: userId(m.user), displayName: u.displayName, isBot: u.isBot || m.bot_id !== undefined, isMe: false };
  }
  const bot = m.bot_id ?? "unknown";
  return { id: userId(bot), displayName: m.bot_profile?.name ?? m.username ?? bot, isBot: true, isMe: false };
}

export function plainText(text: string, me: SlackIdentity): Promise<string> {
  return slackToPlain(text, {
    botUserId: me.botUserId,
    nameOf: async (id) => (id === me.botUserId ? me.botName : (await me.users.get(id)).displayName),
  });
}

export async function toThreadMessage(m: SlackMessage, channel: string, me: SlackIdentity): Promise<ThreadMessage> {
  return {
    id: messageId({ team: me.team, channel, ts: m.ts }),
    author: await authorOf(m, me),
    text: await plainText(m.text, me),
    createdAt: tsToMillis(m.ts),
    // Downloaded only if the core does not hold the message yet (files shared before a first
    // mention mid-thread); conversations.replies gives full file objects, not Slack Connect stubs.
    ...(m.files && m.files.length > 0 ? { fetchAttachments: () => downloadFiles(m.files!, me.files) } : {}),
  };
}

export async function fetchThread(me: SlackIdentity, channel: string, threadTs: string): Promise<ThreadMessage[]> {
  // Keyed by ts: whether a continuation page repeats the thread's parent is not something to
  // rely on either way.
  const byTs = new Map<string, SlackMessage>();
  let cursor: string | undefined;
  do {
    const page = await me.client.conversations.replies({ channel, ts: threadTs, limit: REPLIES_PAGE_SIZE, cursor });
    for (const m of page.messages ?? []) {
      const msg = readMessage(m);
      if (msg && SPOKEN_SUBTYPES.has(msg.subtype)) byTs.set(msg.ts, msg);
    }
    // An empty next_cursor means the last page (Slack's cursor pagination).
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  const raw = [...byTs.values()].sort((a, b) => tsToMillis(a.ts) - tsToMillis(b.ts) || a.ts.localeCompare(b.ts));
  return Promise.all(raw.map((m) => toThreadMessage(m, channel, me)));
}
