// Palaver ids for Discord things. Encoded and decoded only here (src/types.ts: ids carry their
// platform and only their adapter reads them). Discord ids are snowflakes (decimal digits); a DM
// has no guild, so its place holds the word "dm", which can never be a snowflake.
//
//   user          discord:USER
//   workspace     discord:GUILD                 discord:dm (every DM)
//   channel       discord:GUILD:CHANNEL         discord:dm:CHANNEL
//   message       discord:GUILD:CHANNEL:MESSAGE discord:dm:CHANNEL:MESSAGE   (CHANNEL = where it lives; a thread id for thread messages)
//   conversation  discord:GUILD:THREAD          a thread
//                 discord:dm:CHANNEL            a DM, one running conversation
//                 discord:GUILD:CHANNEL:ROOT    a reply chain in a channel, named by its first message
//   reply surface discord:surface:GUILD|dm:CHANNEL:REPLYTO|-

const PREFIX = "discord";
const DM = "dm";
const SNOWFLAKE = /^\d{1,20}$/;

/** null guild = a DM. */
export type GuildKey = string | null;

const scope = (guildId: GuildKey): string => guildId ?? DM;

function parts(id: string, count: number): string[] | undefined {
  const p = id.split(":");
  if (p.length !== count || p[0] !== PREFIX) return undefined;
  return p.slice(1);
}

function guildOf(part: string): GuildKey | undefined {
  if (part === DM) return null;
  return SNOWFLAKE.test(part) ? part : undefined;
}

export function userId(id: string): string {
  return `${PREFIX}:${id}`;
}

export function decodeUserId(id: string): string | undefined {
  const p = parts(id, 2);
  return p && SNOWFLAKE.test(p[0]!) ? p[0] : undefined;
}

export function workspaceId(guildId: GuildKey): string {
  return `${PREFIX}:${scope(guildId)}`;
}

export function channelId(guildId: GuildKey, channel: string): string {
  return `${PREFIX}:${scope(guildId)}:${channel}`;
}

export interface MessageRef {
  guildId: GuildKey;
  channelId: string;
  messageId: string;
}

export function messageId(ref: MessageRef): string {
  return `${PREFIX}:${scope(ref.guildId)}:${ref.channelId}:${ref.messageId}`;
}

export function decodeMessageId(id: string): MessageRef | undefined {
  const p = parts(id, 4);
  if (!p) return undefined;
  const guildId = guildOf(p[0]!);
  if (guildId === undefined || !SNOWFLAKE.test(p[1]!) || !SNOWFLAKE.test(p[2]!)) return undefined;
  return { guildId, channelId: p[1]!, messageId: p[2]! };
}

export type Conversation =
  | { kind: "thread"; guildId: string; threadId: string }
  | { kind: "dm"; channelId: string }
  | { kind: "chain"; guildId: string; channelId: string; rootId: string };

export function conversationId(c: Conversation): string {
  switch (c.kind) {
    case "thread":
      return `${PREFIX}:${c.guildId}:${c.threadId}`;
    case "dm":
      return `${PREFIX}:${DM}:${c.channelId}`;
    case "chain":
      return `${PREFIX}:${c.guildId}:${c.channelId}:${c.rootId}`;
  }
}

export function decodeConversationId(id: string): Conversation | undefined {
  const p = id.split(":");
  if (p[0] !== PREFIX || !p.slice(2).every((s) => SNOWFLAKE.test(s))) return undefined;
  if (p.length === 3 && p[1] === DM) return { kind: "dm", channelId: p[2]! };
  if (p.length === 3 && SNOWFLAKE.test(p[1]!)) return { kind: "thread", guildId: p[1]!, threadId: p[2]! };
  if (p.length === 4 && SNOWFLAKE.test(p[1]!)) return { kind: "chain", guildId: p[1]!, channelId: p[2]!, rootId: p[3]! };
  return undefined;
}

/** Where a reply goes: a channel or thread, and (reply chains) the message it answers. */
export interface SurfaceTarget {
  guildId: GuildKey;
  channelId: string;
  replyTo?: string;
}

const SURFACE = "surface";
const NO_REPLY = "-";

export function surfaceAddress(t: SurfaceTarget): string {
  return `${PREFIX}:${SURFACE}:${scope(t.guildId)}:${t.channelId}:${t.replyTo ?? NO_REPLY}`;
}

export function decodeSurfaceAddress(address: string): SurfaceTarget | undefined {
  const p = address.split(":");
  if (p.length !== 5 || p[0] !== PREFIX || p[1] !== SURFACE) return undefined;
  const guildId = guildOf(p[2]!);
  if (guildId === undefined || !SNOWFLAKE.test(p[3]!)) return undefined;
  if (p[4] === NO_REPLY) return { guildId, channelId: p[3]! };
  return SNOWFLAKE.test(p[4]!) ? { guildId, channelId: p[3]!, replyTo: p[4]! } : undefined;
}
