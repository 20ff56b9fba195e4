// Slack events → what the core should do with them. Translation only: the core decides whether
// and how to answer (gate, dedupe, wording). What is decided here is what Slack's event model
// forces on an adapter: which deliveries are triggers at all (our own echoes are not), which thread
// a message belongs to, and that a mention delivered twice (app_mention + message) maps to one id.
import type { AddressedBy, InboundMessage } from "../../src/types.ts";
import {
  channelId,
  conversationId,
  isDmChannel,
  messageId,
  workspaceId,
  type SlackReplyAddress,
} from "./ids.ts";
import { authorOf, fetchThread, isFromMe, plainText, type SlackIdentity } from "./thread.ts";
import { downloadFiles } from "./files.ts";
import { SPOKEN_SUBTYPES, tsToMillis, type SlackMessage } from "./wire.ts";

export type Inbound =
  | { kind: "reply"; message: InboundMessage; address: SlackReplyAddress }
  | { kind: "edited"; id: string; text: string }
  | { kind: "deleted"; id: string }
  | { kind: "ignore"; reason: string };

export interface FollowupPolicy {
  /** SLACK_THREAD_FOLLOWUPS */
  enabled: boolean;
  /** bot.knowsConversation */
  knows(conversationId: string): Promise<boolean>;
}

/** An app_mention event: always addressed to Palaver; the reply goes in the message's thread. */
export async function fromAppMention(ev: SlackMessage, team: string, me: SlackIdentity): Promise<Inbound> {
  if (!ev.channel) return { kind: "ignore", reason: "no channel" };
  if (isFromMe(ev, me)) return { kind: "ignore", reason: "own message" };
  return reply(ev, ev.channel, team, me, "mention", isDmChannel(ev.channel));
}

/** A message event (message.channels / .groups / .im), including edits and deletions. */
export async function fromMessage(
  ev: SlackMessage,
  team: string,
  me: SlackIdentity,
  followups: FollowupPolicy,
): Promise<Inbound> {
  const channel = ev.channel;
  if (!channel) return { kind: "ignore", reason: "no channel" };
  if (ev.subtype === "message_changed") {
    const m = ev.message;
    if (!m) return { kind: "ignore", reason: "edit without message" };
    if (isFromMe(m, me)) return { kind: "ignore", reason: "own edit" };
    // Slack also sends message_changed when it adds link previews: the text is the same.
    if (ev.previous_message && ev.previous_message.text === m.text) return { kind: "ignore", reason: "no text change" };
    return { kind: "edited", id: messageId({ team, channel, ts: m.ts }), text: await plainText(m.text, me) };
  }
  if (ev.subtype === "message_deleted") {
    if (ev.previous_message && isFromMe(ev.previous_message, me)) return { kind: "ignore", reason: "own deletion" };
    const ts = ev.deleted_ts ?? ev.previous_message?.ts;
    if (!ts) return { kind: "ignore", reason: "deletion without ts" };
    return { kind: "deleted", id: messageId({ team, channel, ts }) };
  }
  if (!SPOKEN_SUBTYPES.has(ev.subtype)) return { kind: "ignore", reason: `subtype ${ev.subtype}` };
  if (isFromMe(ev, me)) return { kind: "ignore", reason: "own message" };
  const isDM = ev.channel_type === "im" || isDmChannel(channel);
  // Follow-ups and DMs are addressed implicitly; answering other bots implicitly invites loops.
  if (ev.bot_id !== undefined) return { kind: "ignore", reason: "other bot, not a mention" };
  if (isDM) return reply(ev, channel, team, me, "dm", true);
  const inThread = ev.thread_ts !== undefined && ev.thread_ts !== ev.ts;
  // Top-level channel messages are answered only when they mention Palaver: app_mention does that.
  if (!inThread) return { kind: "ignore", reason: "top-level channel message" };
  if (!followups.enabled) return { kind: "ignore", reason: "thread follow-ups are off" };
  if (!(await followups.knows(conversationId(team, channel, ev.thread_ts!)))) {
    return { kind: "ignore", reason: "thread Palaver is not part of" };
  }
  return reply(ev, channel, team, me, "thread", false);
}

async function reply(
  ev: SlackMessage,
  channel: string,
  team: string,
  me: SlackIdentity,
  addressedBy: AddressedBy,
  isDM: boolean,
): Promise<Inbound> {
  // A top-level message (channel mention or DM) starts a thread of its own: the reply goes there.
  const threadTs = ev.thread_ts ?? ev.ts;
  const startsThread = threadTs === ev.ts;
  const [author, text] = await Promise.all([authorOf(ev, me), plainText(ev.text, me)]);
  const message: InboundMessage = {
    id: messageId({ team, channel, ts: ev.ts }),
    author,
    text,
    createdAt: tsToMillis(ev.ts),
    platform: "slack",
    conversationId: conversationId(team, channel, threadTs),
    workspaceId: workspaceId(team),
    channelId: channelId(team, channel),
    isDM,
    addressedBy,
    // A top-level message starts a new thread that holds only itself: there is nothing to read
    // back, so no conversations.replies call (Tier 3, 50 a minute per workspace) is spent on it.
    ...(startsThread ? {} : { fetchThread: () => fetchThread({ ...me, team }, channel, threadTs) }),
    ...(ev.files && ev.files.length > 0 ? { fetchAttachments: () => downloadFiles(ev.files!, me.files) } : {}),
  };
  const address: SlackReplyAddress = {
    team,
    channel,
    threadTs,
    recipientUser: ev.user ?? me.botUserId,
    // Native streams want the recipient's own team (differs for Slack Connect users).
    recipientTeam: ev.user_team ?? ev.team ?? team,
  };
  return { kind: "reply", message, address };
}
