// The /palaver slash command: its definition with typed options (issue 5), and the translation of
// what someone typed into the text grammar the core parses ("budget set user <@discord:1> daily 5").
// Visible to everyone (no default_member_permissions): anyone may see their own usage; admin-only
// subcommands are checked by the core.
import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import { userId } from "./ids.ts";

export const COMMAND_NAME = "palaver";

/** Discord allows at most 25 choices per option. */
const MAX_CHOICES = 25;
/** Budget amounts are dollars from 0 to 1,000,000 (issue 5); Discord enforces the range as well. */
const MAX_USD = 1_000_000;
/** Discord's limit on a string option's length (the prompt text). */
const MAX_STRING_OPTION = 6000;

const PERIODS = ["today", "7d", "30d", "month", "all"] as const;
const DIMENSIONS = ["user", "channel", "model", "day"] as const;
const SCOPES = ["workspace", "channel", "user"] as const;
const BUDGET_PERIODS = ["daily", "monthly"] as const;

const choices = (values: readonly string[]) => values.map((v) => ({ name: v, value: v }));

export function commandDefinition(models: readonly string[]): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return new SlashCommandBuilder()
    .setName(COMMAND_NAME)
    .setDescription("Palaver: prompts, models, usage, cost and budgets")
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addSubcommand((s) => s.setName("help").setDescription("What /palaver can do"))
    .addSubcommandGroup((g) =>
      g
        .setName("prompt")
        .setDescription("The system prompt in this channel")
        .addSubcommand((s) => s.setName("show").setDescription("The prompt in effect here, and where it comes from"))
        .addSubcommand((s) =>
          s
            .setName("set")
            .setDescription("Set this channel's prompt (admin)")
            .addStringOption((o) =>
              o.setName("text").setDescription("The system prompt").setRequired(true).setMaxLength(MAX_STRING_OPTION),
            ),
        )
        .addSubcommand((s) => s.setName("clear").setDescription("Back to the server's / default prompt (admin)")),
    )
    .addSubcommandGroup((g) =>
      g
        .setName("model")
        .setDescription("The Claude model in this channel")
        .addSubcommand((s) => s.setName("show").setDescription("The model in effect here"))
        .addSubcommand((s) =>
          s
            .setName("set")
            .setDescription("Set this channel's model (admin)")
            .addStringOption((o) => {
              o.setName("model").setDescription("A model from the price table").setRequired(true);
              // Discord allows at most MAX_CHOICES choices: a longer price table is typed as free
              // text instead (the core checks it against the table), never silently cut.
              return models.length <= MAX_CHOICES ? o.addChoices(...choices(models)) : o;
            }),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName("web")
        .setDescription("Web search and page fetch here (turning it on or off: admin)")
        .addStringOption((o) => o.setName("switch").setDescription("Leave out to see the setting").addChoices(...choices(["on", "off"]))),
    )
    .addSubcommand((s) =>
      s
        .setName("usage")
        .setDescription("Tokens and cost")
        .addStringOption((o) => o.setName("period").setDescription("Default 30d").addChoices(...choices(PERIODS)))
        .addStringOption((o) => o.setName("by").setDescription("Break down by").addChoices(...choices(DIMENSIONS))),
    )
    .addSubcommandGroup((g) =>
      g
        .setName("budget")
        .setDescription("Spending limits")
        .addSubcommand((s) => s.setName("show").setDescription("Limits in force here and what has been spent"))
        .addSubcommand((s) =>
          s
            .setName("set")
            .setDescription("Set a limit (admin)")
            .addStringOption((o) => o.setName("scope").setDescription("Who it limits").setRequired(true).addChoices(...choices(SCOPES)))
            .addStringOption((o) =>
              o.setName("period").setDescription("Resets at 00:00 UTC").setRequired(true).addChoices(...choices(BUDGET_PERIODS)),
            )
            .addNumberOption((o) =>
              o.setName("usd").setDescription("Dollars; 0 blocks all requests").setRequired(true).setMinValue(0).setMaxValue(MAX_USD),
            )
            .addUserOption((o) => o.setName("user").setDescription("For the user scope")),
        )
        .addSubcommand((s) =>
          s
            .setName("clear")
            .setDescription("Back to the default limit (admin)")
            .addStringOption((o) => o.setName("scope").setDescription("Who it limits").setRequired(true).addChoices(...choices(SCOPES)))
            .addStringOption((o) =>
              o.setName("period").setDescription("Which limit").setRequired(true).addChoices(...choices(BUDGET_PERIODS)),
            )
            .addUserOption((o) => o.setName("user").setDescription("For the user scope")),
        ),
    )
    .addSubcommand((s) => s.setName("forget").setDescription("Delete this conversation's stored history"))
    .toJSON();
}

/** What someone typed, independent of discord.js's interaction classes. */
export interface TypedCommand {
  group?: string;
  sub: string;
  string(name: string): string | undefined;
  number(name: string): number | undefined;
  /** A user option's Discord id. */
  user(name: string): string | undefined;
}

/** The typed options as the text grammar of src/commands/grammar.ts. */
export function commandText(c: TypedCommand): string {
  const words: string[] = [];
  const add = (...w: (string | undefined)[]) => {
    for (const x of w) if (x !== undefined && x !== "") words.push(x);
  };
  const mention = (name: string) => {
    const id = c.user(name);
    return id ? `<@${userId(id)}>` : undefined;
  };
  if (!c.group) {
    if (c.sub === "usage") {
      const by = c.string("by");
      add("usage", c.string("period"), by ? "by" : undefined, by);
    } else if (c.sub === "web") {
      add("web", c.string("switch"));
    } else {
      add(c.sub);
    }
    return words.join(" ");
  }
  const action = c.sub === "show" ? undefined : c.sub;
  add(c.group, action);
  if (c.group === "prompt" && c.sub === "set") add(c.string("text"));
  if (c.group === "model" && c.sub === "set") add(c.string("model"));
  if (c.group === "budget" && (c.sub === "set" || c.sub === "clear")) {
    const usd = c.number("usd");
    add(c.string("scope"), mention("user"), c.string("period"), usd === undefined ? undefined : String(usd));
  }
  return words.join(" ");
}
