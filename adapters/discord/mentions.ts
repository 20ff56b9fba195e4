// Discord's inline markup → names Claude can read: <@id> and <@!id> (users), <@&id> (roles),
// <#id> (channels), </name:id> (slash commands), <:name:id> / <a:name:id> (custom emoji),
// <t:unix:style> (timestamps). (discord.com/developers/docs/reference#message-formatting)

export interface NameLookup {
  user(id: string): string | undefined;
  role(id: string): string | undefined;
  channel(id: string): string | undefined;
}

const MARKUP = /<(@!?|@&|#|\/[\w -]+:|a?:\w+:|t:)(\d+)(?::[tTdDfFR])?>/g;

export function resolveMentions(text: string, names: NameLookup): string {
  return text.replace(MARKUP, (whole, kind: string, id: string) => {
    if (kind === "@" || kind === "@!") return `@${names.user(id) ?? "unknown-user"}`;
    if (kind === "@&") return `@${names.role(id) ?? "unknown-role"}`;
    if (kind === "#") return `#${names.channel(id) ?? "unknown-channel"}`;
    if (kind.startsWith("/")) return kind.slice(0, -1);
    if (kind === "t:") return new Date(Number(id) * 1000).toISOString().replace(".000Z", "Z");
    if (kind.endsWith(":") && /^a?:\w+:$/.test(kind)) return `:${kind.replace(/^a?:/, "").slice(0, -1)}:`;
    return whole;
  });
}
