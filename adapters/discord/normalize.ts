// One shape for a Discord message, whether discord.js built it from a gateway event (Message) or
// we read it from REST (APIMessage), and its translation into Palaver's ThreadMessage.
import { MessageType, SnowflakeUtil, type APIMessage, type Client, type Message } from "discord.js";
import type { ThreadMessage } from "../../src/types.ts";
import { messageId, userId, type GuildKey } from "./ids.ts";
import { resolveMentions, type NameLookup } from "./mentions.ts";

export interface DiscordAttachmentInfo {
  url: string;
  contentType?: string;
  filename: string;
  size: number;
}

export interface DiscordMessage {
  id: string;
  channelId: string;
  guildId: GuildKey;
  author: { id: string; name: string; bot: boolean };
  content: string;
  createdAt: number;
  type: number;
  /** The message this one replies to (message_reference), if any. */
  referenceId?: string;
  /** Display names of the users the message mentions, by id. */
  mentionNames: Map<string, string>;
  attachments: DiscordAttachmentInfo[];
}

/** When a message was sent: the millisecond its id carries (the same for REST and gateway copies). */
export function createdAtOf(id: string): number {
  return SnowflakeUtil.timestampFrom(id);
}

/** Messages people write (a plain message or a reply); everything else is a system message. */
export function isConversational(type: number): boolean {
  return type === MessageType.Default || type === MessageType.Reply;
}

export function fromStructure(m: Message): DiscordMessage {
  const mentionNames = new Map<string, string>();
  for (const user of m.mentions.users.values()) mentionNames.set(user.id, user.displayName);
  for (const member of m.mentions.members?.values() ?? []) mentionNames.set(member.id, member.displayName);
  return {
    id: m.id,
    channelId: m.channelId,
    guildId: m.guildId,
    author: { id: m.author.id, name: m.member?.displayName ?? m.author.displayName, bot: m.author.bot },
    content: m.content,
    createdAt: createdAtOf(m.id),
    type: m.type,
    referenceId: m.reference?.messageId,
    mentionNames,
    attachments: [...m.attachments.values()].map((a) => ({
      url: a.url,
      contentType: a.contentType ?? undefined,
      filename: a.name,
      size: a.size,
    })),
  };
}

/** A partial member object as Discord embeds it in messages and mentions. */
interface MaybeMember {
  member?: { nick?: string | null };
}

export function fromApi(d: APIMessage & MaybeMember, guildId: GuildKey): DiscordMessage {
  const mentionNames = new Map<string, string>();
  for (const u of d.mentions as (APIMessage["mentions"][number] & MaybeMember)[]) {
    mentionNames.set(u.id, u.member?.nick ?? u.global_name ?? u.username);
  }
  return {
    id: d.id,
    channelId: d.channel_id,
    guildId,
    author: {
      id: d.author.id,
      name: d.member?.nick ?? d.author.global_name ?? d.author.username,
      bot: d.author.bot ?? false,
    },
    content: d.content,
    createdAt: createdAtOf(d.id),
    type: d.type,
    referenceId: d.message_reference?.message_id,
    mentionNames,
    attachments: d.attachments.map((a) => ({
      url: a.url,
      contentType: a.content_type,
      filename: a.filename,
      size: a.size,
    })),
  };
}

/** Names from discord.js's caches: members of the guild first, then users, roles, channels. */
export function cachedNames(client: Client, guildId: GuildKey): NameLookup {
  const guild = guildId ? client.guilds.cache.get(guildId) : undefined;
  return {
    user: (id) => guild?.members.cache.get(id)?.displayName ?? client.users.cache.get(id)?.displayName,
    role: (id) => guild?.roles.cache.get(id)?.name,
    channel: (id) => {
      const channel = client.channels.cache.get(id);
      return channel && "name" in channel && typeof channel.name === "string" ? channel.name : undefined;
    },
  };
}

export function toThreadMessage(m: DiscordMessage, me: string, names: NameLookup): ThreadMessage {
  const lookup: NameLookup = {
    user: (id) => m.mentionNames.get(id) ?? names.user(id),
    role: names.role,
    channel: names.channel,
  };
  // Messages read over REST carry no member object: prefer the guild nickname from the cache.
  const authorName = names.user(m.author.id) ?? m.author.name;
  return {
    id: messageId({ guildId: m.guildId, channelId: m.channelId, messageId: m.id }),
    author: { id: userId(m.author.id), displayName: authorName, isBot: m.author.bot, isMe: m.author.id === me },
    text: resolveMentions(m.content, lookup),
    createdAt: m.createdAt,
  };
}
