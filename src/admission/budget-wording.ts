// How budgets read in chat: the one-line refusal, and the names of scopes, periods and windows.
import type { BudgetPeriod, BudgetScopeKind, LimitStatus } from "./budget.ts";
import { formatUsd } from "../claude/money.ts";
import { durationUntil, utcMinute } from "./utc-windows.ts";

/** "this workspace's" / "this channel's" / "your" (the refusal speaks to the requester). */
export function scopePossessive(scope: BudgetScopeKind): string {
  return scope === "workspace" ? "this workspace's" : scope === "channel" ? "this channel's" : "your";
}

export function spentPhrase(period: BudgetPeriod): string {
  return period === "daily" ? "spent today" : "spent this month";
}

/** "at 00:00 UTC (in 3 h 12 min)" / "on 2026-04-01 00:00 UTC (in 12 days 3 h)". */
export function resetPhrase(period: BudgetPeriod, resetsAt: number, now: number): string {
  const when = period === "daily" ? "at 00:00 UTC" : `on ${utcMinute(resetsAt)}`;
  return `${when} (in ${durationUntil(now, resetsAt)})`;
}

/** The one line Palaver answers with instead of calling Claude: which limit, spent, reset. */
export function budgetRefusal(status: LimitStatus, now: number): string {
  const whose = capitalize(scopePossessive(status.scope));
  if (status.limitMicros === 0) {
    return `${whose} ${status.period} budget is $0, so Palaver makes no requests here; an admin can change it with /palaver budget.`;
  }
  const inFlight = status.reservedMicros > 0 ? `, plus ${formatUsd(status.reservedMicros)} for replies in progress` : "";
  return (
    `${whose} ${status.period} budget of ${formatUsd(status.limitMicros, "exact")} is used up ` +
    `(${formatUsd(status.spentMicros)} ${spentPhrase(status.period)}${inFlight}); ` +
    `it resets ${resetPhrase(status.period, status.window.end, now)}.`
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
