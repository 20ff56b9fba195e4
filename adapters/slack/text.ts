// Slack message text → the plain text the core stores and Claude reads: <@U…> mentions become
// display names, channel and link markup become readable, and Slack's &amp; &lt; &gt; escapes are
// undone. A leading mention of Palaver itself is dropped (it only says who is addressed, which
// InboundMessage.addressedBy already carries), so a bare mention arrives as "" and the core can
// answer it with a hint instead of a Claude request.

export interface TextContext {
  botUserId: string;
  /** Display name of a user id (cached lookups). */
  nameOf(userId: string): Promise<string>;
}

const TOKEN = /<([^<>\n]+)>/g;
const LEADING_BOT_MENTION = (bot: string) => new RegExp(`^\\s*<@${bot}(?:\\|[^>]*)?>[\\s,:;]*`);

export async function slackToPlain(text: string, ctx: TextContext): Promise<string> {
  const stripped = text.replace(LEADING_BOT_MENTION(ctx.botUserId), "");
  const users = new Set<string>();
  for (const m of stripped.matchAll(TOKEN)) {
    const user = /^@([UW][A-Z0-9]+)/.exec(m[1]!);
    if (user) users.add(user[1]!);
  }
  const names = new Map<string, string>();
  await Promise.all([...users].map(async (id) => names.set(id, await ctx.nameOf(id))));
  const replaced = stripped.replace(TOKEN, (whole, inner: string) => renderToken(inner, names) ?? whole);
  return unescapeSlack(replaced).trim();
}

function renderToken(inner: string, names: Map<string, string>): string | undefined {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) return `@${names.get(target.slice(1)) ?? label ?? target.slice(1)}`;
  if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
  if (target.startsWith("!subteam^")) return label ?? "@group";
  if (target.startsWith("!date^")) return label ?? "";
  if (target.startsWith("!")) return `@${target.slice(1)}`;
  if (/^(https?|mailto|tel):/.test(target)) {
    if (label === undefined) return target;
    const bare = target.replace(/^(https?:\/\/|mailto:|tel:)/, "");
    return label === bare || label === target ? target : `${label} (${target})`;
  }
  return undefined;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const at = s.indexOf(sep);
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}

export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Does this Slack text mention the user (as <@U…> or <@U…|name>)? */
export function mentions(text: string, userId: string): boolean {
  return new RegExp(`<@${userId}(?:\\|[^>]*)?>`).test(text);
}

/**
 * /palaver command text: Slack sends mentions as <@U123|name> (should_escape in the manifest);
 * the core's grammar wants <@slack:U123>.
 */
export function commandText(text: string): string {
  return text.replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, "<@slack:$1>").trim();
}
