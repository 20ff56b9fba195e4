// /palaver forget: delete this conversation's stored history (admins, or anyone in a DM, where
// the conversation is theirs). Token counts and costs stay in `usage` for accounting.
import { actor, type CommandContext } from "./context.ts";

export function forget(ctx: CommandContext): string {
  const { request } = ctx;
  if (!ctx.admin && !request.isDM) {
    return "Only admins can make Palaver forget a channel conversation; in a DM with Palaver anyone can. Nothing was deleted.";
  }
  if (!request.conversationId) {
    return "Run `/palaver forget` inside the thread or DM whose history should be deleted. Nothing was deleted.";
  }
  const deleted = ctx.deps.forgets.forget(request.conversationId, ctx.now, actor(request));
  const what = deleted === 1 ? "1 stored message" : `${deleted} stored messages`;
  return `Forgotten: deleted ${what} of this conversation. The next message here starts a fresh conversation.`;
}
