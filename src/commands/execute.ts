// Runs one /palaver command: parse, check who may do it, act, and answer in Markdown (shown only
// to the person who ran it). Adapters only translate; everything the command decides is here.
import type { CommandRequest } from "../types.ts";
import { clearBudget, setBudget, showBudget } from "./budget-commands.ts";
import { isAdmin, type CommandContext, type CommandDeps } from "./context.ts";
import { forget } from "./forget.ts";
import { formatParseError, parseCommand, type Command } from "./grammar.ts";
import { showUsage } from "./usage-command.ts";
import { clearPrompt, setPrompt, setModel, showModel, showPrompt } from "./settings-commands.ts";
import { setWeb, showWeb } from "./web-command.ts";
import { helpText } from "./usage-lines.ts";

export type { CommandDeps } from "./context.ts";

/** The core's CommandRunner (src/pipeline/handle.ts): bot.command() calls run(). */
export class CommandExecutor {
  constructor(private readonly deps: CommandDeps) {}

  async run(request: CommandRequest): Promise<string> {
    const parsed = parseCommand(request.text, { knownModels: this.deps.prices.models() });
    if (!parsed.ok) return formatParseError(parsed);
    const ctx: CommandContext = {
      request,
      admin: isAdmin(request, this.deps.config),
      now: this.deps.clock.now(),
      deps: this.deps,
    };
    return execute(ctx, parsed.command);
  }
}

function execute(ctx: CommandContext, command: Command): Promise<string> {
  switch (command.kind) {
    case "help":
      return Promise.resolve(helpText());
    case "prompt.show":
      return showPrompt(ctx);
    case "prompt.set":
      return setPrompt(ctx, command.text);
    case "prompt.clear":
      return clearPrompt(ctx);
    case "model.show":
      return showModel(ctx);
    case "model.set":
      return setModel(ctx, command.model);
    case "web.show":
      return showWeb(ctx);
    case "web.set":
      return setWeb(ctx, command.on);
    case "usage":
      return showUsage(ctx, command.period, command.by);
    case "budget.show":
      return showBudget(ctx);
    case "budget.set":
      return setBudget(ctx, command);
    case "budget.clear":
      return clearBudget(ctx, command);
    case "forget":
      return forget(ctx);
  }
}
