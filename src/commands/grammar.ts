// Parses the text after "/palaver" into a typed command, or a one-line error plus the usage line
// of the subcommand. Pure: it checks only what the text itself says (admin rights, the channel and
// the database are the executor's business), plus the model id against the known models.
import { BUDGET_PERIODS, BUDGET_SCOPES, type BudgetPeriod, type BudgetScopeKind } from "../admission/budget.ts";
import { parseUsd } from "../claude/money.ts";
import {
  DEFAULT_REPORT_PERIOD,
  REPORT_DIMENSIONS,
  REPORT_PERIODS,
  type ReportDimension,
  type ReportPeriod,
} from "../usage/report.ts";
import { usageLine, SUBCOMMANDS, type Subcommand } from "./usage-lines.ts";

export type Command =
  | { kind: "help" }
  | { kind: "prompt.show" }
  | { kind: "prompt.set"; text: string }
  | { kind: "prompt.clear" }
  | { kind: "model.show" }
  | { kind: "model.set"; model: string }
  | { kind: "web.show" }
  | { kind: "web.set"; on: boolean }
  | { kind: "usage"; period: ReportPeriod; by?: ReportDimension }
  | { kind: "budget.show" }
  | { kind: "budget.set"; scope: BudgetScopeKind; userId?: string; period: BudgetPeriod; limitMicros: number }
  | { kind: "budget.clear"; scope: BudgetScopeKind; userId?: string; period: BudgetPeriod }
  | { kind: "forget" };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string; usage: string };

export interface ParseOptions {
  /** Model ids `model set` accepts (the price table's). */
  knownModels: readonly string[];
}

/** `<@slack:U2>`, `<@discord:81234|bob>`: a user mention as adapters write it (src/types.ts). */
const MENTION = /^<@([a-z]+:[^\s|>]+)(?:\|[^>]*)?>$/;

class Fail {
  constructor(
    readonly sub: Subcommand | undefined,
    readonly error: string,
  ) {}
}

export function parseCommand(text: string, options: ParseOptions): ParseResult {
  try {
    return { ok: true, command: parse(text.trim(), options) };
  } catch (err) {
    if (err instanceof Fail) return { ok: false, error: err.error, usage: usageLine(err.sub) };
    throw err;
  }
}

/** Renders a failed parse as the Markdown answer: the error, then the usage line. */
export function formatParseError(result: { error: string; usage: string }): string {
  return `${result.error}\n${result.usage}`;
}

function parse(text: string, options: ParseOptions): Command {
  const [head = "", ...rest] = text.split(/\s+/).filter((t) => t !== "");
  const sub = head.toLowerCase();
  if (sub === "" || sub === "help") {
    expectEnd("help", rest);
    return { kind: "help" };
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new Fail(undefined, `Unknown subcommand "${clip(head)}".`);
  }
  switch (sub as Subcommand) {
    case "prompt":
      return parsePrompt(text);
    case "model":
      return parseModel(rest, options);
    case "web":
      return parseWeb(rest);
    case "usage":
      return parseUsage(rest);
    case "budget":
      return parseBudget(rest);
    case "forget":
      expectEnd("forget", rest);
      return { kind: "forget" };
    default:
      throw new Fail(undefined, `Unknown subcommand "${clip(head)}".`);
  }
}

function parseWeb(args: string[]): Command {
  const [action, ...extra] = args;
  expectEnd("web", extra);
  if (action === undefined || action.toLowerCase() === "show") return { kind: "web.show" };
  const a = action.toLowerCase();
  if (a === "on" || a === "off") return { kind: "web.set", on: a === "on" };
  throw new Fail("web", `Unknown web action "${clip(action)}": use on or off.`);
}

function parsePrompt(text: string): Command {
  // The prompt text is taken verbatim (newlines and spacing kept) after "prompt set".
  const m = /^prompt(?:\s+(\S+)([\s\S]*))?$/i.exec(text);
  const action = m?.[1]?.toLowerCase();
  const tail = m?.[2] ?? "";
  if (action === undefined || action === "show") {
    expectEnd("prompt", tail.trim() === "" ? [] : [tail.trim()]);
    return { kind: "prompt.show" };
  }
  if (action === "clear") {
    expectEnd("prompt", tail.trim() === "" ? [] : [tail.trim()]);
    return { kind: "prompt.clear" };
  }
  if (action === "set") {
    const prompt = tail.trim();
    if (prompt === "") throw new Fail("prompt", "`prompt set` needs the prompt text after it.");
    return { kind: "prompt.set", text: prompt };
  }
  throw new Fail("prompt", `Unknown prompt action "${clip(m?.[1] ?? "")}": use set or clear.`);
}

function parseModel(rest: string[], options: ParseOptions): Command {
  const [action, ...args] = rest;
  if (action === undefined || action.toLowerCase() === "show") {
    expectEnd("model", args);
    return { kind: "model.show" };
  }
  if (action.toLowerCase() !== "set") throw new Fail("model", `Unknown model action "${clip(action)}": use set.`);
  const [model, ...extra] = args;
  if (model === undefined) throw new Fail("model", "`model set` needs a model id.");
  expectEnd("model", extra);
  if (!options.knownModels.includes(model)) {
    const known = options.knownModels.join(", ");
    throw new Fail("model", `Unknown model "${clip(model)}"; known models: ${known}.`);
  }
  return { kind: "model.set", model };
}

function parseUsage(rest: string[]): Command {
  let period: ReportPeriod | undefined;
  let by: ReportDimension | undefined;
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!.toLowerCase();
    if ((REPORT_PERIODS as readonly string[]).includes(token)) {
      if (period !== undefined) throw new Fail("usage", "Give at most one period.");
      period = token as ReportPeriod;
    } else if (token === "by") {
      const dim = rest[++i]?.toLowerCase();
      if (dim === undefined) throw new Fail("usage", "`by` needs user, channel, model or day after it.");
      if (!(REPORT_DIMENSIONS as readonly string[]).includes(dim)) {
        throw new Fail("usage", `Cannot break usage down by "${clip(rest[i]!)}": use user, channel, model or day.`);
      }
      if (by !== undefined) throw new Fail("usage", "Give `by` at most once.");
      by = dim as ReportDimension;
    } else {
      throw new Fail("usage", `Unknown period "${clip(rest[i]!)}": use today, 7d, 30d, month or all.`);
    }
  }
  return { kind: "usage", period: period ?? DEFAULT_REPORT_PERIOD, by };
}

function parseBudget(rest: string[]): Command {
  const [action, ...args] = rest;
  if (action === undefined || action.toLowerCase() === "show") {
    expectEnd("budget", args);
    return { kind: "budget.show" };
  }
  const verb = action.toLowerCase();
  if (verb !== "set" && verb !== "clear") {
    throw new Fail("budget", `Unknown budget action "${clip(action)}": use set or clear.`);
  }
  // The mention may stand anywhere after the scope (Discord's options arrive in any order).
  const mentions = args.map((a) => MENTION.exec(a)?.[1]).filter((m): m is string => m !== undefined);
  const words = args.filter((a) => !MENTION.test(a));
  const [scopeWord, periodWord, amountWord, ...extra] = words;
  const scope = scopeWord?.toLowerCase();
  if (scope === undefined) throw new Fail("budget", `\`budget ${verb}\` needs a scope: workspace, channel or user.`);
  if (!(BUDGET_SCOPES as readonly string[]).includes(scope)) {
    throw new Fail("budget", `Unknown budget scope "${clip(scopeWord!)}": use workspace, channel or user.`);
  }
  if (mentions.length > 1) throw new Fail("budget", "Name one user at a time.");
  const userId = mentions[0];
  if (scope === "user" && userId === undefined) {
    throw new Fail("budget", "A user budget needs the user, as a mention (@name).");
  }
  if (scope !== "user" && userId !== undefined) {
    throw new Fail("budget", `A ${scope} budget does not take a user; use the user scope for one person.`);
  }
  const period = periodWord?.toLowerCase();
  if (period === undefined) throw new Fail("budget", "Say which period: daily or monthly.");
  if (!(BUDGET_PERIODS as readonly string[]).includes(period)) {
    throw new Fail("budget", `Unknown budget period "${clip(periodWord!)}": use daily or monthly.`);
  }
  const base = { scope: scope as BudgetScopeKind, period: period as BudgetPeriod, ...(userId ? { userId } : {}) };
  if (verb === "clear") {
    expectEnd("budget", amountWord === undefined ? extra : [amountWord, ...extra]);
    return { kind: "budget.clear", ...base };
  }
  if (amountWord === undefined) throw new Fail("budget", "`budget set` needs an amount in dollars, e.g. 25 or 2.50.");
  expectEnd("budget", extra);
  const amount = parseUsd(amountWord);
  if (!amount.ok) throw new Fail("budget", `Bad amount: ${amount.error}.`);
  return { kind: "budget.set", ...base, limitMicros: amount.micros };
}

function expectEnd(sub: Subcommand, extra: string[]): void {
  if (extra.length > 0) throw new Fail(sub, `Unexpected "${clip(extra.join(" "))}" at the end.`);
}

/** Echo at most this much of what someone typed, so an error stays one short line. */
const ECHO_MAX_CHARS = 40;

function clip(text: string): string {
  return text.length > ECHO_MAX_CHARS ? `${text.slice(0, ECHO_MAX_CHARS - 1)}…` : text;
}
