// /palaver web [on|off]: whether Claude may search the web and read pages linked in the
// conversation in this channel. Admins switch it per channel; PALAVER_WEB is the default.
import { scopeId } from "../context/settings.ts";
import { formatUsd } from "../claude/money.ts";
import { WEB_SEARCH_MICROS } from "../claude/pricing.ts";
import { actor, notAdmin, setByPhrase, type CommandContext } from "./context.ts";

function here(ctx: CommandContext) {
  return { channelId: ctx.request.channelId, workspaceId: ctx.request.workspaceId };
}

export async function showWeb(ctx: CommandContext): Promise<string> {
  const web = (await ctx.deps.settings.resolve(here(ctx))).web;
  const from = web.source === "default" ? "the PALAVER_WEB default" : `this ${web.source}'s setting, ${setByPhrase(web.setBy, web.setAt)}`;
  const state = web.value
    ? `on: Claude may search the web (up to ${ctx.deps.config.web.maxUses} searches a reply, ${formatUsd(WEB_SEARCH_MICROS * 1000)} per 1,000 searches) and read pages linked in the conversation`
    : "off: Claude answers from what it knows";
  return `**Web here:** ${state} (from ${from}).`;
}

export async function setWeb(ctx: CommandContext, on: boolean): Promise<string> {
  if (!ctx.admin) return notAdmin(`turn the web ${on ? "on" : "off"}`);
  await ctx.deps.settings.set(scopeId("channel", ctx.request.channelId), "web", on ? "on" : "off", actor(ctx.request));
  return on
    ? `Web search and page fetch are on in this channel from the next reply: answers list their sources. Each search costs ${formatUsd(WEB_SEARCH_MICROS)}.`
    : "Web search and page fetch are off in this channel from the next reply.";
}
