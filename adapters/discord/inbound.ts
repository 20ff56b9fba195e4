// A new Discord message → whether Palaver answers it, in which conversation, and where the reply
// goes (issue 4):
//   DM                          every message; one running conversation per DM channel
//   in a thread                 when it mentions Palaver, or the thread is a conversation Palaver
//                               is part of; the thread's messages are the conversation
//   in a channel, replying to   the reply chain continues (conversation = the chain's root)
//   one of Palaver's messages
//   in a channel, mentioning    a public thread on the message (thread mode), else a reply to it
//   Palaver                     (reply mode, or where threads cannot be made): a new reply chain
// Other bots' messages never start a reply (two bots answering each other would never stop);
// they still appear in the history as user turns.
import type { Client, Message } from "discord.js";
import type { Logger } from "../../src/runtime/log.ts";
import type { BotApi, AddressedBy, InboundMessage, ThreadMessage } from "../../src/types.ts";
import { downloadAttachments } from "./attachments.ts";
import type { DiscordHistory } from "./history.ts";
import { channelId, conversationId, workspaceId, type Conversation, type SurfaceTarget } from "./ids.ts";
import { cachedNames, fromStructure, isConversational, toThreadMessage, type DiscordMessage } from "./normalize.ts";
import type { DiscordSurface } from "./surface.ts";
import { openThread, threadName } from "./threads.ts";
import { resolveMentions } from "./mentions.ts";

export interface InboundContext {
  client: Client<true>;
  bot: BotApi;
  history: DiscordHistory;
  replyMode: "thread" | "reply";
  logger: Logger;
  surface(target: SurfaceTarget): DiscordSurface;
}

interface Plan {
  conversation: Conversation;
  /** The channel for settings and allow lists: a thread's parent. */
  channel: string;
  addressedBy: AddressedBy;
  target: SurfaceTarget;
  fetch?: () => Promise<DiscordMessage[]>;
}

function mentionsMe(message: Message, me: string): boolean {
  if (message.mentions.users.has(me)) return true;
  // The bot's own managed role, which Discord offers in the mention picker too.
  return message.mentions.roles.some((role) => role.tags?.botId === me);
}

async function threadParent(ctx: InboundContext, message: Message): Promise<string | undefined> {
  const channel = message.channel;
  if ("parentId" in channel && channel.parentId) return channel.parentId;
  const fetched = await ctx.client.channels.fetch(message.channelId);
  return fetched && "parentId" in fetched ? (fetched.parentId ?? undefined) : undefined;
}

async function plan(ctx: InboundContext, message: Message, m: DiscordMessage): Promise<Plan | undefined> {
  const me = ctx.client.user.id;
  const guildId = message.guildId;
  if (guildId === null) {
    return {
      conversation: { kind: "dm", channelId: message.channelId },
      channel: channelId(null, message.channelId),
      addressedBy: "dm",
      target: { guildId: null, channelId: message.channelId },
      // Picks up messages sent while Palaver was down (a new gateway session replays nothing).
      fetch: () => ctx.history.dm(message.channelId),
    };
  }
  const mentioned = mentionsMe(message, me);
  if (message.channel.isThread()) {
    const conversation: Conversation = { kind: "thread", guildId, threadId: message.channelId };
    if (!mentioned && !(await ctx.bot.knowsConversation(conversationId(conversation)))) return undefined;
    const parentId = await threadParent(ctx, message);
    return {
      conversation,
      channel: channelId(guildId, parentId ?? message.channelId),
      addressedBy: mentioned ? "mention" : "thread",
      target: { guildId, channelId: message.channelId },
      fetch: () => ctx.history.thread(guildId, message.channelId, parentId),
    };
  }
  const chain = (rootId: string, addressedBy: AddressedBy): Plan => ({
    conversation: { kind: "chain", guildId, channelId: message.channelId, rootId },
    channel: channelId(guildId, message.channelId),
    addressedBy,
    target: { guildId, channelId: message.channelId, replyTo: message.id },
    fetch: () => ctx.history.chain(guildId, message.channelId, rootId),
  });
  if (m.referenceId) {
    const replied = await ctx.history.message(guildId, message.channelId, m.referenceId);
    if (replied?.author.id === me) return chain(await ctx.history.chainRoot(m), "reply");
  }
  if (!mentioned) return undefined;
  if (ctx.replyMode === "thread") {
    const text = resolveMentions(message.content.replace(new RegExp(`<@!?${me}>`, "g"), ""), cachedNames(ctx.client, guildId));
    const outcome = await openThread(ctx.client.rest, message, threadName(text), ctx.logger);
    if (outcome.kind === "thread") {
      return {
        conversation: { kind: "thread", guildId, threadId: outcome.threadId },
        channel: channelId(guildId, message.channelId),
        addressedBy: "mention",
        target: { guildId, channelId: outcome.threadId },
        fetch: () => ctx.history.thread(guildId, outcome.threadId, message.channelId),
      };
    }
    ctx.logger.info({ messageId: message.id, reason: outcome.reason }, "discord: replying in the channel instead of a thread");
  }
  return chain(message.id, "mention");
}

/** Handle one MESSAGE_CREATE. Resolves when the reply (if any) is finished. */
export async function onMessageCreate(ctx: InboundContext, message: Message): Promise<void> {
  const me = ctx.client.user.id;
  const m = fromStructure(message);
  ctx.history.remember(m);
  if (message.author.id === me || message.author.bot || !isConversational(message.type)) return;
  const p = await plan(ctx, message, m);
  if (!p) return;
  const names = cachedNames(ctx.client, message.guildId);
  const toThread = (x: DiscordMessage): ThreadMessage => toThreadMessage(x, me, names);
  const inbound: InboundMessage = {
    ...toThread(m),
    attachments: await downloadAttachments(m.attachments, ctx.logger),
    platform: "discord",
    conversationId: conversationId(p.conversation),
    workspaceId: workspaceId(message.guildId),
    channelId: p.channel,
    isDM: message.guildId === null,
    addressedBy: p.addressedBy,
    // Earlier messages' files are downloaded only if the core does not hold them yet (a first
    // mention mid-thread); a fetched message carries freshly signed attachment URLs.
    ...(p.fetch ? { fetchThread: async () => (await p.fetch!()).map((x) => withFiles(toThread(x), x, ctx.logger)) } : {}),
  };
  await ctx.bot.handle(inbound, ctx.surface(p.target));
}

function withFiles(t: ThreadMessage, m: DiscordMessage, logger: Logger): ThreadMessage {
  return m.attachments.length > 0 ? { ...t, fetchAttachments: () => downloadAttachments(m.attachments, logger) } : t;
}
