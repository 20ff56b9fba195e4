// The /palaver grammar as people read it: one usage line per subcommand, and the help text.
// Errors quote the line for the subcommand that went wrong (issue 5: "a one-line error plus the
// usage line for that subcommand").

export type Subcommand = "help" | "prompt" | "model" | "web" | "usage" | "budget" | "forget";

export const SUBCOMMANDS: readonly Subcommand[] = ["help", "prompt", "model", "web", "usage", "budget", "forget"];

export const USAGE: Record<Subcommand, string> = {
  help: "/palaver help",
  prompt: "/palaver prompt [set <text> | clear]",
  model: "/palaver model [set <model-id>]",
  web: "/palaver web [on | off]",
  usage: "/palaver usage [today|7d|30d|month|all] [by user|channel|model|day]",
  budget:
    "/palaver budget [set <workspace|channel|user> [@user] <daily|monthly> <usd> | clear <workspace|channel|user> [@user] <daily|monthly>]",
  forget: "/palaver forget",
};

/** Shown for an unknown subcommand: every subcommand's name. */
export const OVERVIEW = `/palaver ${SUBCOMMANDS.join(" | ")}`;

export function usageLine(sub: Subcommand | undefined): string {
  return `Usage: \`${sub ? USAGE[sub] : OVERVIEW}\``;
}

const HELP_ROWS: [string, string][] = [
  ["help", "this list"],
  ["prompt", "the system prompt in effect here, and where it comes from"],
  ["prompt set <text>", "set this channel's prompt (admin)"],
  ["prompt clear", "back to the default prompt (admin)"],
  ["model", "the model in effect here"],
  ["model set <model-id>", "set this channel's model (admin)"],
  ["web", "whether Claude may search the web and read linked pages here"],
  ["web on|off", "turn web search and page fetch on or off for this channel (admin)"],
  ["usage [today|7d|30d|month|all] [by user|channel|model|day]", "tokens and cost (default 30d)"],
  ["budget", "limits in force here and what has been spent against them"],
  ["budget set <workspace|channel|user> [@user] <daily|monthly> <usd>", "set a limit (admin)"],
  ["budget clear <workspace|channel|user> [@user] <daily|monthly>", "back to the default limit (admin)"],
  ["forget", "delete this conversation's stored history (admins, or anyone in a DM; in a Slack thread, use the message shortcut \"Forget this conversation\")"],
];

export function helpText(): string {
  return ["**Palaver commands**", ...HELP_ROWS.map(([cmd, what]) => `• \`/palaver ${cmd}\` — ${what}`)].join("\n");
}
