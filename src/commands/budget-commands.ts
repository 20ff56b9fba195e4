// /palaver budget: the limits in force here with what has been spent against them; admins set or
// clear a workspace, channel or user limit (the environment's default applies again after clear).
import { BUDGET_PERIODS, BUDGET_SCOPES, scopeIdOf, type BudgetPeriod, type BudgetScopeKind, type LimitStatus } from "../admission/budget.ts";
import { resetPhrase, spentPhrase } from "../admission/budget-wording.ts";
import { formatUsd } from "../claude/money.ts";
import { windowAt } from "../admission/utc-windows.ts";
import { actor, notAdmin, setByPhrase, type CommandContext } from "./context.ts";

function targetOf(ctx: CommandContext) {
  const r = ctx.request;
  return { workspaceId: r.workspaceId, channelId: r.channelId, userId: r.user.id };
}

function scopeLabel(scope: BudgetScopeKind): string {
  return scope === "workspace" ? "this workspace" : scope === "channel" ? "this channel" : "you";
}

/**
 * A person named in an answer: "@Name" when a stored message tells us the name, else the id in
 * code style. Never mention markup: an answer must not ping anyone.
 */
async function personName(ctx: CommandContext, userId: string): Promise<string> {
  const name = await ctx.deps.reports.userName(userId);
  return name === userId ? `\`${userId}\`` : `@${name}`;
}

export async function showBudget(ctx: CommandContext): Promise<string> {
  const { spending } = ctx.deps;
  const target = targetOf(ctx);
  const statuses = await spending.status(target);
  const rows: string[][] = [["", "period", "limit", "spent", "in flight", "resets"]];
  const sources: string[] = [];
  for (const scope of BUDGET_SCOPES) {
    const spend = await spending.spend(scope, scopeIdOf(target, scope), ctx.now);
    const reserved = await spending.reservedMicros(scope, scopeIdOf(target, scope));
    for (const period of BUDGET_PERIODS) {
      const limit = statuses.find((s) => s.scope === scope && s.period === period);
      const spent = period === "daily" ? spend.daily : spend.monthly;
      const window = windowAt(period, ctx.now);
      rows.push([
        scopeLabel(scope),
        period,
        limit ? formatUsd(limit.limitMicros, "exact") : "none",
        formatUsd(spent),
        reserved > 0 ? formatUsd(reserved) : "-",
        period === "daily" ? "00:00 UTC" : new Date(window.end).toISOString().slice(0, 10),
      ]);
      if (limit) sources.push(`• ${scopeLabel(scope)} ${period}: ${sourceText(limit)}${exhaustedText(limit)}`);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd());
  const heading = statuses.length === 0 ? "**No spending limits apply here.**" : "**Spending limits here** (UTC windows)";
  const footer =
    sources.length > 0 ? `\n${sources.join("\n")}` : "\nAdmins can set one with `/palaver budget set <workspace|channel|user> [@user] <daily|monthly> <usd>`.";
  return `${heading}\n\`\`\`\n${table.join("\n")}\n\`\`\`${footer}`;
}

function sourceText(limit: LimitStatus): string {
  return limit.source.kind === "env"
    ? `default from ${limit.source.variable}`
    : setByPhrase(limit.source.setBy, limit.source.setAt);
}

function exhaustedText(limit: LimitStatus): string {
  return limit.spentMicros + limit.reservedMicros >= limit.limitMicros ? " — **reached**: requests are refused" : "";
}

interface ScopeArgs {
  scope: BudgetScopeKind;
  userId?: string;
  period: BudgetPeriod;
}

/** The scope id a set/clear names, or an error line (a mention from another platform). */
async function resolveScope(ctx: CommandContext, args: ScopeArgs): Promise<{ scopeId: string; label: string } | { error: string }> {
  const r = ctx.request;
  if (args.scope === "user") {
    const userId = args.userId!;
    // Ids carry their platform (src/types.ts): the person must be on the same one as the admin.
    const platformOf = (id: string) => id.slice(0, id.indexOf(":") + 1);
    if (platformOf(userId) !== platformOf(r.user.id)) {
      return { error: `\`${userId}\` is not a user of this platform; nothing was changed.` };
    }
    return { scopeId: userId, label: `${await personName(ctx, userId)}'s` };
  }
  return args.scope === "workspace"
    ? { scopeId: r.workspaceId, label: "this workspace's" }
    : { scopeId: r.channelId, label: "this channel's" };
}

function previousText(ctx: CommandContext, args: ScopeArgs, old: { limitMicros: number; setBy: string } | undefined): string {
  if (old) return `${formatUsd(old.limitMicros, "exact")}, set by ${old.setBy}`;
  const fallback = ctx.deps.spending.defaultFor(args.scope, args.period);
  return fallback ? `the default ${formatUsd(fallback.limitMicros, "exact")} from ${fallback.variable}` : "no limit";
}

export async function setBudget(ctx: CommandContext, args: ScopeArgs & { limitMicros: number }): Promise<string> {
  if (!ctx.admin) return notAdmin("set budgets");
  const resolved = await resolveScope(ctx, args);
  if ("error" in resolved) return resolved.error;
  const old = await ctx.deps.spending.set(args.scope, resolved.scopeId, args.period, args.limitMicros, actor(ctx.request));
  const spend = await ctx.deps.spending.spend(args.scope, resolved.scopeId, ctx.now);
  const spent = args.period === "daily" ? spend.daily : spend.monthly;
  const blocked = spent >= args.limitMicros ? " That is already reached, so requests there are refused until it resets or is raised." : "";
  return (
    `Set ${resolved.label} ${args.period} budget to ${formatUsd(args.limitMicros, "exact")} ` +
    `(was: ${previousText(ctx, args, old)}). ${formatUsd(spent)} ${spentPhrase(args.period)} so far; ` +
    `it resets ${resetPhrase(args.period, windowAt(args.period, ctx.now).end, ctx.now)}.${blocked}`
  );
}

export async function clearBudget(ctx: CommandContext, args: ScopeArgs): Promise<string> {
  if (!ctx.admin) return notAdmin("clear budgets");
  const resolved = await resolveScope(ctx, args);
  if ("error" in resolved) return resolved.error;
  const old = await ctx.deps.spending.clear(args.scope, resolved.scopeId, args.period);
  const fallback = ctx.deps.spending.defaultFor(args.scope, args.period);
  const now = fallback ? `the default ${formatUsd(fallback.limitMicros, "exact")} from ${fallback.variable} applies again` : `no ${args.period} limit applies now`;
  if (!old) return `${capitalize(resolved.label)} ${args.period} budget was not set by command; nothing was changed (${now.replace(" again", "")}).`;
  return `Cleared ${resolved.label} ${args.period} budget of ${formatUsd(old.limitMicros, "exact")}; ${now}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
