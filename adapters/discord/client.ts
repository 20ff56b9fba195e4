// The discord.js client Palaver runs: the intents it needs and nothing more, DMs enabled
// (DirectMessages + Partials.Channel, platform-facts.md), and REST pointed at DISCORD_API_URL when
// set (discord.js then sends REST to `${api}/v10/…` and finds the gateway through GET /gateway/bot).
import { Client, GatewayIntentBits, OAuth2Scopes, Partials, PermissionFlagsBits } from "discord.js";
import type { DiscordConfig } from "../../src/config.ts";

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

export function createClient(config: DiscordConfig): Client {
  return new Client({
    intents: INTENTS,
    partials: [Partials.Channel],
    // Nothing Palaver sends pings anyone unless a call says otherwise.
    allowedMentions: { parse: [] },
    rest: config.apiUrl ? { api: config.apiUrl.replace(/\/+$/, "") } : {},
  });
}

export function inviteUrl(client: Client<true>): string {
  return client.generateInvite({ scopes: INVITE_SCOPES, permissions: INVITE_PERMISSIONS });
}
