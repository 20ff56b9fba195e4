// The discord.js client Palaver runs: the intents it needs and nothing more, DMs enabled
// (DirectMessages + Partials.Channel, platform-facts.md), and REST pointed at DISCORD_API_URL when
// set (discord.js then sends REST to `${api}/v10/…` and finds the gateway through GET /gateway/bot).
import {
  Client,
  GatewayIntentBits,
  OAuth2Scopes,
  Options,
  Partials,
  PermissionFlagsBits,
  PermissionsBitField,
} from "discord.js";
import type { DiscordConfig } from "../../src/runtime/config.ts";

export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  // Privileged: without it, message content is empty except in DMs and messages that mention us.
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
];

/**
 * Exactly what Palaver does in a server: see channels and read their history (threads, reply
 * chains), send messages (and the typing indicator), open public threads and talk in them.
 */
export const INVITE_PERMISSIONS = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.ReadMessageHistory,
  PermissionFlagsBits.CreatePublicThreads,
  PermissionFlagsBits.SendMessagesInThreads,
];

export const INVITE_SCOPES = [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands];

/** Users (and members per server) discord.js keeps at most: about 2 MB each at this size. */
export const DISCORD_USER_CACHE_MAX = 2_000;

export function createClient(config: DiscordConfig): Client {
  return new Client({
    intents: INTENTS,
    partials: [Partials.Channel],
    // Nothing Palaver sends pings anyone unless a call says otherwise.
    allowedMentions: { parse: [] },
    // No message cache: Palaver reads conversations over REST and keeps its own small cache
    // (history.ts), so 200 messages per channel would only cost memory. It also means a
    // MESSAGE_CREATE that Discord delivers twice (RESUME replay) reaches the core, whose SQLite
    // dedupe answers it once, whether or not the first delivery was before a restart.
    // Users and members are cached as they speak and never dropped by default: bounded here, so
    // a bot in busy servers does not grow for as long as it runs (the least recent go; names of
    // people not cached are fetched again or shown as ids). Palaver's own user always stays.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      UserManager: { maxSize: DISCORD_USER_CACHE_MAX, keepOverLimit: (user) => user.id === user.client.user.id },
      GuildMemberManager: { maxSize: DISCORD_USER_CACHE_MAX, keepOverLimit: (member) => member.id === member.client.user.id },
    }),
    rest: config.apiUrl ? { api: config.apiUrl.replace(/\/+$/, "") } : {},
  });
}

/** Discord's OAuth2 page that adds a bot to a server (discord.com/developers/docs/topics/oauth2#bot-authorization-flow). */
const AUTHORIZE_URL = "https://discord.com/oauth2/authorize";

/** The invite link (always discord.com, whatever DISCORD_API_URL points REST at). */
export function inviteUrl(applicationId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: INVITE_SCOPES.join(" "),
    permissions: PermissionsBitField.resolve(INVITE_PERMISSIONS).toString(),
  });
  return `${AUTHORIZE_URL}?${query.toString()}`;
}
