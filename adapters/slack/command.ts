// The /palaver slash command: Slack's payload → CommandRequest for the core, the core's Markdown
// answer → an ephemeral message through response_url.
import type { CommandRequest } from "../../src/types.ts";
import { channelId, conversationId, isDmChannel, userId, workspaceId } from "./ids.ts";
import { commandText } from "./text.ts";
import type { UserDirectory } from "./users.ts";

export const COMMAND_NAME = "/palaver";

export interface SlashCommandPayload {
  team_id: string;
  channel_id: string;
  channel_name?: string;
  user_id: string;
  user_name?: string;
  text: string;
  /** Present when the command is run in a thread (newer Slack clients). */
  thread_ts?: string;
}

export async function toCommandRequest(cmd: SlashCommandPayload, users: UserDirectory): Promise<CommandRequest> {
  const user = await users.get(cmd.user_id);
  const isDM = isDmChannel(cmd.channel_id) || cmd.channel_name === "directmessage";
  return {
    platform: "slack",
    workspaceId: workspaceId(cmd.team_id),
    channelId: channelId(cmd.team_id, cmd.channel_id),
    conversationId: cmd.thread_ts ? conversationId(cmd.team_id, cmd.channel_id, cmd.thread_ts) : undefined,
    isDM,
    user: {
      id: userId(cmd.user_id),
      displayName: user.known ? user.displayName : (cmd.user_name ?? cmd.user_id),
      isPlatformAdmin: user.isAdmin,
    },
    text: commandText(cmd.text ?? ""),
  };
}
