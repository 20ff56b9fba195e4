// Who a message the bot sends would notify, read the way Discord reads it.
//   - Mentions in content: users <@id> / <@!id>, roles <@&id>, @everyone and @here
//     (discord.com/developers/docs/reference#message-formatting). Discord shows code spans and
//     code blocks literally and a backslash-escaped mention as text, so those notify nobody.
//   - allowed_mentions (discord.com/developers/docs/resources/message#allowed-mentions-object):
//     "parse: An array of allowed mention types to parse from the content" ("roles", "users",
//     "everyone"); `users` / `roles` list ids that may be notified; "replied_user: For replies,
//     whether to mention the author of the message being replied to (default false)". "If
//     allowed_mentions is not passed in (i.e. the key does not exist), the mentions will be parsed
//     via the content" — every type.

export interface Pings {
  users: string[];
  roles: string[];
  everyone: boolean;
}

/** Content with code blocks, code spans and backslash escapes taken out (Discord shows them as text). */
function liveText(content: string): string {
  return content
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/(`+)[\s\S]*?\1/g, " ")
    .replace(/\\[\s\S]/g, " ");
}

/** The mentions written in `content` (whether they notify is allowed_mentions' call). */
export function mentionsIn(content: string): Pings {
  const text = liveText(content);
  return {
    users: [...text.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!),
    roles: [...text.matchAll(/<@&(\d+)>/g)].map((m) => m[1]!),
    everyone: /@(everyone|here)\b/.test(text),
  };
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Whom a create/edit body notifies. `repliedAuthor`: the author of the message it replies to.
 */
export function pingsOf(body: Record<string, unknown>, repliedAuthor?: string): Pings {
  const written = mentionsIn(typeof body.content === "string" ? body.content : "");
  const allowed = body.allowed_mentions;
  if (allowed === undefined || allowed === null || typeof allowed !== "object") {
    return allowed === undefined ? written : { users: [], roles: [], everyone: false };
  }
  const a = allowed as Record<string, unknown>;
  const parse = list(a.parse);
  const users = written.users.filter((u) => parse.includes("users") || list(a.users).includes(u));
  if (repliedAuthor && a.replied_user === true && !users.includes(repliedAuthor)) users.push(repliedAuthor);
  return {
    users,
    roles: written.roles.filter((r) => parse.includes("roles") || list(a.roles).includes(r)),
    everyone: written.everyone && parse.includes("everyone"),
  };
}
