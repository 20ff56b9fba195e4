// The usage report as text: a fixed-width table (rows, totals), a per-day sparkline, the cache hit
// rate and what caching saved. Chat gets it in a Markdown code block; the CLI prints the same lines.
import { formatUsd } from "../claude/money.ts";
import { sumTotals, type UsageReport, type UsageTotals } from "../usage/report.ts";
import { utcDate } from "../admission/utc-windows.ts";
import { daysPerCharacter, sparkline } from "./sparkline.ts";

/**
 * Rows shown in chat before the rest are summed into "others": keeps the answer well inside one
 * Discord message (2,000 chars, platform-facts.md), which also fits Slack's limits.
 */
export const MAX_CHAT_ROWS = 10;
/** Longest label (user name, channel id, model) before it is cut with "…", so rows stay one line. */
const LABEL_WIDTH = 18;

const PERIOD_TITLES: Record<UsageReport["query"]["period"], string> = {
  today: "today",
  "7d": "last 7 days",
  "30d": "last 30 days",
  month: "this month",
  all: "all time",
};

export interface RenderOptions {
  /** Who the report covers, e.g. "this workspace" or "your usage". */
  audience: string;
  /** Rows before "others" (undefined: all rows, for the CLI). */
  maxRows?: number;
}

/** The report's lines without Markdown (title first). */
export function usageReportLines(report: UsageReport, options: RenderOptions): { title: string; table: string[] } {
  const { query } = report;
  const title =
    `Usage ${PERIOD_TITLES[query.period]} (${utcDate(report.start)} to ${utcDate(report.end)} UTC), ` +
    `${options.audience}, by ${query.by}`;
  if (report.totals.requests === 0) return { title, table: ["No Claude requests in this period."] };

  let rows = report.rows;
  if (options.maxRows !== undefined && rows.length > options.maxRows) {
    const rest = rows.slice(options.maxRows - 1);
    rows = [
      ...rows.slice(0, options.maxRows - 1),
      { key: "others", label: `${rest.length} others`, ...sumTotals(rest) },
    ];
  }
  const header = ["", "req", "input", "output", "c.read", "c.write", "cost", "share"];
  const body = rows.map((r) => cells(r.label, r, report.totals.costMicros));
  const total = cells("total", report.totals, report.totals.costMicros);
  const widths = header.map((h, i) => Math.max(h.length, ...[...body, total].map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd();
  header[0] = query.by;
  const table = [line(header), ...body.map(line), "-".repeat(line(total).length), line(total)];

  const perChar = daysPerCharacter(report.days.length);
  const values = report.days.map((d) => d.costMicros);
  const peak = Math.max(0, ...report.days.map((d) => d.costMicros));
  table.push(
    "",
    `cost per ${perChar === 1 ? "day" : `${perChar} days`}  ${sparkline(values)}  (peak day ${formatUsd(peak)})`,
    `cache hit rate  ${report.cacheHitRate === undefined ? "-" : percent(report.cacheHitRate)}` +
      `   caching ${report.totals.cacheSavedMicros >= 0 ? "saved" : "cost an extra"} ` +
      formatUsd(Math.abs(report.totals.cacheSavedMicros)),
  );
  if (report.totals.unpricedRequests > 0) {
    table.push(`${report.totals.unpricedRequests} request(s) used a model without a price: cost not counted`);
  }
  return { title, table };
}

/** Markdown for chat: the title, then the table in a code block (monospace on every platform). */
export function renderUsageMarkdown(report: UsageReport, audience: string): string {
  const { title, table } = usageReportLines(report, { audience, maxRows: MAX_CHAT_ROWS });
  return `**${title}**\n\`\`\`\n${table.join("\n")}\n\`\`\``;
}

function cells(label: string, t: UsageTotals, totalCost: number): string[] {
  return [
    clipLabel(label),
    String(t.requests),
    compact(t.inputTokens),
    compact(t.outputTokens),
    compact(t.cacheReadTokens),
    compact(t.cacheWriteTokens),
    formatUsd(t.costMicros, "table"),
    totalCost > 0 ? percent(t.costMicros / totalCost) : "-",
  ];
}

function clipLabel(label: string): string {
  return label.length > LABEL_WIDTH ? `${label.slice(0, LABEL_WIDTH - 1)}…` : label;
}

/** 950, 1.2k, 12k, 3.4M: token counts in a narrow column. */
export function compact(n: number): string {
  if (n < 1000) return String(n);
  // Thresholds just under the next unit, so 999,999 reads "1M" rather than "1000k".
  const [value, unit] = n < 999_500 ? [n / 1e3, "k"] : n < 999_500_000 ? [n / 1e6, "M"] : [n / 1e9, "G"];
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)}${unit}`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
