// /palaver prompt and /palaver model: show what is in effect here and where it comes from; admins
// set or clear this channel's value (the settings module keeps the audit trail).
import { DEFAULT_SYSTEM_PROMPT } from "../runtime/config.ts";
import { scopeId, type Resolved, type SettingKey } from "../context/settings.ts";
import { formatUsd } from "../claude/money.ts";
import { MICROS_PER_USD } from "../claude/money.ts";
import { actor, notAdmin, setByPhrase, type CommandContext } from "./context.ts";

/**
 * Longest prompt quoted back in full: the answer must fit one Discord message (2,000 chars,
 * platform-facts.md) with its heading; longer prompts are shown cut, with the length.
 */
const MAX_PROMPT_QUOTE_CHARS = 1_500;

function where(ctx: CommandContext, withThread: boolean) {
  const r = ctx.request;
  return {
    ...(withThread && r.conversationId ? { conversationId: r.conversationId } : {}),
    channelId: r.channelId,
    workspaceId: r.workspaceId,
  };
}

function sourcePhrase(resolved: Resolved<unknown>, envVariable: string, builtIn: boolean): string {
  switch (resolved.source) {
    case "thread":
      return `this thread's setting, ${setByPhrase(resolved.setBy, resolved.setAt)}`;
    case "channel":
      return `this channel's setting, ${setByPhrase(resolved.setBy, resolved.setAt)}`;
    case "workspace":
      return `the workspace setting, ${setByPhrase(resolved.setBy, resolved.setAt)}`;
    case "default":
      return builtIn ? "Palaver's built-in default" : `the ${envVariable} default`;
  }
}

function quote(text: string): string {
  const shown = text.length > MAX_PROMPT_QUOTE_CHARS ? `${text.slice(0, MAX_PROMPT_QUOTE_CHARS)}…` : text;
  const more = text.length > MAX_PROMPT_QUOTE_CHARS ? `\n_(${text.length} characters; the first ${MAX_PROMPT_QUOTE_CHARS} are shown.)_` : "";
  return `${shown.split("\n").map((line) => `> ${line}`).join("\n")}${more}`;
}

export async function showPrompt(ctx: CommandContext): Promise<string> {
  const prompt = (await ctx.deps.settings.resolve(where(ctx, true))).systemPrompt;
  const builtIn = prompt.source === "default" && prompt.value === DEFAULT_SYSTEM_PROMPT;
  return `**System prompt here** (from ${sourcePhrase(prompt, "PALAVER_SYSTEM_PROMPT", builtIn)}):\n${quote(prompt.value)}`;
}

export async function showModel(ctx: CommandContext): Promise<string> {
  const model = (await ctx.deps.settings.resolve(where(ctx, true))).model;
  const price = ctx.deps.prices.get(model.value);
  const perMillion = (usd: number) => formatUsd(Math.round(usd * MICROS_PER_USD));
  const priceText = price
    ? `${perMillion(price.input)} input / ${perMillion(price.output)} output per million tokens`
    : "no price in the table: its usage is recorded without a cost";
  return `**Model here:** \`${model.value}\` (from ${sourcePhrase(model, "PALAVER_MODEL", false)}); ${priceText}.`;
}

/** Set (value) or clear (null) this channel's value of a setting. */
async function change(ctx: CommandContext, key: SettingKey, value: string | null): Promise<{ had: boolean }> {
  const current = await ctx.deps.settings.resolve(where(ctx, false));
  const resolved = key === "model" ? current.model : current.systemPrompt;
  const had = resolved.source === "channel";
  if (value !== null || had) await ctx.deps.settings.set(scopeId("channel", ctx.request.channelId), key, value, actor(ctx.request));
  return { had };
}

/** A thread setting wins over the channel's: say so, or the admin will wonder why nothing changed. */
async function threadOverride(ctx: CommandContext, key: "model" | "systemPrompt"): Promise<string> {
  if (!ctx.request.conversationId) return "";
  const inThread = (await ctx.deps.settings.resolve(where(ctx, true)))[key];
  return inThread.source === "thread" ? " (This thread has its own setting, which still applies here.)" : "";
}

export async function setPrompt(ctx: CommandContext, text: string): Promise<string> {
  if (!ctx.admin) return notAdmin("set the system prompt");
  await change(ctx, "system_prompt", text);
  return `This channel's system prompt is set (${text.length} characters); the next reply here uses it.${await threadOverride(ctx, "systemPrompt")}`;
}

export async function clearPrompt(ctx: CommandContext): Promise<string> {
  if (!ctx.admin) return notAdmin("clear the system prompt");
  const { had } = await change(ctx, "system_prompt", null);
  if (!had) return "This channel has no system prompt of its own; nothing was changed.";
  const now = (await ctx.deps.settings.resolve(where(ctx, false))).systemPrompt;
  const builtIn = now.source === "default" && now.value === DEFAULT_SYSTEM_PROMPT;
  return `This channel's system prompt is cleared; it now uses ${sourcePhrase(now, "PALAVER_SYSTEM_PROMPT", builtIn)}.`;
}

export async function setModel(ctx: CommandContext, model: string): Promise<string> {
  if (!ctx.admin) return notAdmin("set the model");
  await change(ctx, "model", model);
  return `This channel's model is now \`${model}\`; the next reply here uses it.${await threadOverride(ctx, "model")}`;
}
