// The "Forget this conversation" message shortcut. Slack does not run app slash commands in
// threads ("/palaver" typed in a thread's reply box is not available to apps), so forgetting a
// thread's history is offered where people are: the message's "More actions" menu. Its
// interaction payload (type "message_action") names the message it was used on; the thread is
// that message's thread. Who may use it (admins, the person who started the thread) is decided by
// the core's forget command; this file only finds out who started the thread.
import type { webApi } from "@slack/bolt";
import type { Logger } from "../../src/runtime/log.ts";
import type { CommandRequest } from "../../src/types.ts";
import { channelId, conversationId, isDmChannel, userId, workspaceId } from "./ids.ts";
import type { UserDirectory } from "./users.ts";

/** callback_id of the shortcut in manifest.yml (features.shortcuts). */
export const FORGET_SHORTCUT_ID = "palaver_forget";

/** The fields Palaver reads from a message_action payload (Slack docs, "Shortcuts" payloads). */
export interface MessageShortcutPayload {
  team: { id: string } | null;
  user: { id: string; username?: string; name?: string; team_id?: string };
  channel: { id: string; name?: string };
  message_ts: string;
  message: { ts: string; user?: string; thread_ts?: string };
}

/** The thread's first message's author, from the payload when it is the root, else from Slack. */
async function threadStarter(client: webApi.WebClient, channel: string, threadTs: string, p: MessageShortcutPayload, logger: Logger): Promise<string | undefined> {
  if (p.message.ts === threadTs) return p.message.user;
  try {
    const page = await client.conversations.replies({ channel, ts: threadTs, limit: 1 });
    const root = page.messages?.find((m) => m.ts === threadTs);
    return root?.user;
  } catch (err) {
    // Unknown starter: only an admin's forget goes through, which fails safe.
    logger.warn({ err: (err as Error).message, channel, threadTs }, "slack: could not read the thread's first message for a forget");
    return undefined;
  }
}

/** The shortcut as the core's `/palaver forget`, for the thread the message belongs to. */
export async function forgetRequest(
  p: MessageShortcutPayload,
  deps: { client: webApi.WebClient; users: UserDirectory; logger: Logger; team: string },
): Promise<CommandRequest> {
  const team = p.team?.id ?? p.user.team_id ?? deps.team;
  const channel = p.channel.id;
  const threadTs = p.message.thread_ts ?? p.message.ts;
  const [user, starter] = await Promise.all([deps.users.get(p.user.id), threadStarter(deps.client, channel, threadTs, p, deps.logger)]);
  return {
    platform: "slack",
    workspaceId: workspaceId(team),
    channelId: channelId(team, channel),
    conversationId: conversationId(team, channel, threadTs),
    isDM: isDmChannel(channel) || p.channel.name === "directmessage",
    user: {
      id: userId(p.user.id),
      displayName: user.known ? user.displayName : (p.user.name ?? p.user.username ?? p.user.id),
      isPlatformAdmin: user.isAdmin,
      startedConversation: starter !== undefined && starter === p.user.id,
    },
    text: "forget",
  };
}
