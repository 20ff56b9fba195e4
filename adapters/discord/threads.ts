// Opening a public thread on the message that mentioned Palaver. When the message already has a
// thread (error 160004: a replayed event, or a restart), that thread is used: a thread started
// from a message has the message's id. When Palaver may not create threads here, the caller
// replies to the message instead.
import {
  ChannelType,
  DiscordAPIError,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  Routes,
  ThreadAutoArchiveDuration,
  type Message,
  type REST,
} from "discord.js";
import type { Logger } from "../../src/runtime/log.ts";
import { MAX_THREAD_NAME_LENGTH } from "./limits.ts";

/** Used when the message has no words to name the thread after. */
export const FALLBACK_THREAD_NAME = "Palaver";

/** The thread's name: the message's first words, within Discord's 100 characters. */
export function threadName(text: string): string {
  const words = text
    .replace(/[`*_~|>#]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  if (words === "") return FALLBACK_THREAD_NAME;
  if (words.length <= MAX_THREAD_NAME_LENGTH) return words;
  // Never end on half a surrogate pair (an emoji cut in two is not valid text for Discord).
  const cut = words.slice(0, MAX_THREAD_NAME_LENGTH - 1).replace(/[\uD800-\uDBFF]$/, "");
  const space = cut.lastIndexOf(" ");
  return `${(space > MAX_THREAD_NAME_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Channel kinds where a public thread can start from a message. */
const THREADABLE = new Set<ChannelType>([ChannelType.GuildText, ChannelType.GuildAnnouncement]);

/** Permissions needed to open a thread and talk in it. */
const THREAD_PERMISSIONS = PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.SendMessagesInThreads;

/** Errors that mean "not allowed / not possible here": reply in the channel instead. */
const CANNOT_THREAD = new Set<number>([
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.CannotExecuteActionOnThisChannelType,
]);

export type ThreadOutcome = { kind: "thread"; threadId: string } | { kind: "reply"; reason: string };

export async function openThread(rest: REST, message: Message, name: string, logger: Logger): Promise<ThreadOutcome> {
  const channel = message.channel;
  if (!THREADABLE.has(channel.type)) return { kind: "reply", reason: "channel type has no threads" };
  if (message.thread) return { kind: "thread", threadId: message.thread.id };
  const me = message.client.user.id;
  const perms = "permissionsFor" in channel ? channel.permissionsFor(me) : null;
  if (perms && !perms.has(THREAD_PERMISSIONS)) return { kind: "reply", reason: "missing thread permissions" };
  try {
    const thread = (await rest.post(Routes.threads(message.channelId, message.id), {
      body: { name, auto_archive_duration: ThreadAutoArchiveDuration.OneDay },
    })) as { id: string };
    return { kind: "thread", threadId: thread.id };
  } catch (err) {
    if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.ThreadAlreadyCreatedForMessage) {
      return { kind: "thread", threadId: message.id };
    }
    if (err instanceof DiscordAPIError && typeof err.code === "number" && CANNOT_THREAD.has(err.code)) {
      return { kind: "reply", reason: err.message };
    }
    // Anything else (Discord down, rate limit refused): a reply in the channel beats silence.
    logger.warn({ err, messageId: message.id }, "discord: could not open a thread; replying in the channel");
    return { kind: "reply", reason: "thread creation failed" };
  }
}
