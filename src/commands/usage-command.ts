// /palaver usage: admins see the whole workspace where the command runs, everyone else only
// their own usage there (issue 5).
import type { ReportDimension, ReportPeriod } from "../usage/report.ts";
import type { CommandContext } from "./context.ts";
import { renderUsageMarkdown } from "./render-usage.ts";

export async function showUsage(ctx: CommandContext, period: ReportPeriod, by: ReportDimension | undefined): Promise<string> {
  const { request, admin } = ctx;
  // By person is the interesting split of a workspace; one's own usage splits best by model.
  const dimension = by ?? (admin ? "user" : "model");
  const report = await ctx.deps.reports.report({
    period,
    by: dimension,
    workspaceId: request.workspaceId,
    ...(admin ? {} : { userId: request.user.id }),
    now: ctx.now,
  });
  return renderUsageMarkdown(report, admin ? "this workspace" : "your own usage");
}
