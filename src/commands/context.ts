// What every /palaver handler gets: the request, whether its sender is an admin, and the parts of
// Palaver it may read or change.
import type { SpendingBudgets } from "../admission/budget.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import type { PriceTable } from "../claude/pricing.ts";
import type { Settings } from "../context/settings.ts";
import type { ForgetStore } from "../store/forgotten.ts";
import type { CommandRequest } from "../types.ts";
import type { UsageReports } from "../usage/report.ts";
import { utcMinute } from "../admission/utc-windows.ts";

export interface CommandDeps {
  config: Config;
  clock: Clock;
  settings: Settings;
  prices: PriceTable;
  spending: SpendingBudgets;
  reports: UsageReports;
  forgets: ForgetStore;
}

export interface CommandContext {
  request: CommandRequest;
  admin: boolean;
  now: number;
  deps: CommandDeps;
}

/**
 * Admins: the platform says so (Slack admin/owner, Discord Manage Server, the console user), or
 * the operator listed the id in PALAVER_ADMINS. Nothing in a message's text counts.
 */
export function isAdmin(request: CommandRequest, config: Config): boolean {
  return request.user.isPlatformAdmin || config.admins.includes(request.user.id);
}

/** Who changed something, as stored in set_by: readable, and with the stable id. */
export function actor(request: CommandRequest): string {
  return `${request.user.displayName} (${request.user.id})`;
}

/** "set by Alice (slack:U1) on 2026-03-01 14:05 UTC" */
export function setByPhrase(setBy: string | undefined, setAt: number | undefined): string {
  if (setBy === undefined) return "";
  return setAt === undefined ? `set by ${setBy}` : `set by ${setBy} on ${utcMinute(setAt)}`;
}

export function notAdmin(what: string): string {
  return `Only admins can ${what}: Slack workspace admins and owners, Discord members with Manage Server, and the people in PALAVER_ADMINS. Nothing was changed.`;
}
