// /palaver through INTERACTION_CREATE: translate the typed options into the text grammar, run it
// in the core, answer ephemerally. The answer goes out directly when the core is quick; when it
// has not finished after DEFER_AFTER_MS the interaction is deferred first (Discord's 3 s deadline).
import {
  ChannelType,
  MessageFlags,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
} from "discord.js";
import type { Logger } from "../../src/runtime/log.ts";
import { splitAll } from "../../src/reply/split.ts";
import type { BotApi, CommandRequest } from "../../src/types.ts";
import { commandText } from "./commands.ts";
import { formatForDiscord } from "./markdown.ts";
import { channelId, conversationId, userId, workspaceId } from "./ids.ts";
import { DEFER_AFTER_MS, MAX_MESSAGE_LENGTH } from "./limits.ts";

/** Shown when the core answers with nothing (Discord refuses empty messages). */
const EMPTY_ANSWER = "Done.";
/** Shown when running the command threw (the details go to the log). */
const FAILED_ANSWER = "Sorry, that command failed; the details are in Palaver's log.";

export function commandRequest(interaction: ChatInputCommandInteraction): CommandRequest {
  const guildId = interaction.guildId;
  const channel = interaction.channel;
  const isThread = channel?.isThread() ?? false;
  // In a thread, "this channel" is the channel the thread belongs to; the thread is the conversation.
  const parentId = isThread && channel && "parentId" in channel ? channel.parentId : null;
  const where = parentId ?? interaction.channelId;
  const isDM = guildId === null && (channel === null || channel.type === ChannelType.DM);
  let conversation: string | undefined;
  if (isDM) conversation = conversationId({ kind: "dm", channelId: interaction.channelId });
  else if (isThread && guildId) conversation = conversationId({ kind: "thread", guildId, threadId: interaction.channelId });
  const options = interaction.options;
  return {
    platform: "discord",
    workspaceId: workspaceId(guildId),
    channelId: channelId(guildId, where),
    conversationId: conversation,
    isDM,
    user: {
      id: userId(interaction.user.id),
      displayName:
        interaction.member && "displayName" in interaction.member
          ? interaction.member.displayName
          : interaction.user.displayName,
      // Discord's "admin": Manage Server in this guild. Never in a DM.
      isPlatformAdmin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
    },
    text: commandText({
      group: options.getSubcommandGroup(false) ?? undefined,
      sub: options.getSubcommand(true),
      string: (name) => options.getString(name) ?? undefined,
      number: (name) => options.getNumber(name) ?? undefined,
      user: (name) => options.getUser(name)?.id,
    }),
  };
}

type Settled = { ok: true; value: string } | { ok: false; error: unknown };

/** The settled work if it finishes within `ms`, else undefined (the work keeps running). */
async function within(work: Promise<Settled>, ms: number): Promise<Settled | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function answerCommand(
  interaction: ChatInputCommandInteraction,
  bot: BotApi,
  logger: Logger,
  deferAfterMs: number = DEFER_AFTER_MS,
): Promise<void> {
  const work: Promise<Settled> = bot.command(commandRequest(interaction)).then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
  const quick = deferAfterMs <= 0 ? undefined : await within(work, deferAfterMs);
  const deferred = quick === undefined;
  if (deferred) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const result = quick ?? (await work);
  if (!result.ok) logger.error({ err: result.error, interaction: interaction.id }, "discord: /palaver failed in the core");
  const answer = result.ok ? result.value.trim() || EMPTY_ANSWER : FAILED_ANSWER;
  const chunks = splitAll(formatForDiscord(answer), MAX_MESSAGE_LENGTH);
  const [first, ...rest] = chunks;
  if (deferred) await interaction.editReply({ content: first!, allowedMentions: { parse: [] } });
  else await interaction.reply({ content: first!, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  for (const chunk of rest) {
    await interaction.followUp({ content: chunk, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  }
}
