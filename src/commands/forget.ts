// /palaver forget: delete this conversation's stored history (admins; anyone in a DM, where the
// conversation is theirs; the person who started the thread, on platforms that say who did, e.g.
// Slack's "Forget this conversation" shortcut). Token counts and costs stay in `usage`.
import { actor, type CommandContext } from "./context.ts";

export async function forget(ctx: CommandContext): Promise<string> {
  const { request } = ctx;
  const starter = request.user.startedConversation === true && request.conversationId !== undefined;
  if (!ctx.admin && !request.isDM && !starter) {
    return "Only admins and the person who started the thread can make Palaver forget a channel conversation; in a DM with Palaver anyone can. Nothing was deleted.";
  }
  if (!request.conversationId) {
    if (request.isDM) {
      // In a DM outside any thread: everything Palaver holds of this DM, which is this person's.
      const gone = await ctx.deps.forgets.forgetChannel(request.channelId, ctx.now, actor(request));
      return `Forgotten: deleted ${count(gone.messages, "stored message")} in ${count(gone.conversations, "conversation")} of this DM. The next message starts fresh.`;
    }
    return "Run `/palaver forget` inside the thread whose history should be deleted. Nothing was deleted.";
  }
  const deleted = await ctx.deps.forgets.forget(request.conversationId, ctx.now, actor(request));
  return `Forgotten: deleted ${count(deleted, "stored message")} of this conversation. The next message here starts fresh.`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
