// The usage report as CSV (RFC 4180) for spreadsheets: one line per row of the chosen dimension,
// exact numbers (no "1.2k"), costs in dollars with 6 decimals.
import { MAX_USD_DECIMALS } from "../claude/money.ts";
import { MICROS_PER_USD } from "../claude/money.ts";
import type { UsageReport } from "./report.ts";

export const CSV_COLUMNS = [
  "key",
  "name",
  "requests",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cost_usd",
  "cache_saved_usd",
  "unpriced_requests",
] as const;

export function usageCsv(report: UsageReport): string {
  const lines = [[report.query.by, ...CSV_COLUMNS.slice(1)].join(",")];
  for (const r of report.rows) {
    lines.push(
      [
        text(r.key),
        text(r.label),
        r.requests,
        r.inputTokens,
        r.outputTokens,
        r.cacheReadTokens,
        r.cacheWriteTokens,
        usd(r.costMicros),
        usd(r.cacheSavedMicros),
        r.unpricedRequests,
      ].join(","),
    );
  }
  // CRLF line ends, as RFC 4180 has them (spreadsheets accept both).
  return `${lines.join("\r\n")}\r\n`;
}

function usd(micros: number): string {
  return (micros / MICROS_PER_USD).toFixed(MAX_USD_DECIMALS);
}

/**
 * Quote when needed (comma, quote, line break), and defuse a leading = + - @ so a spreadsheet
 * does not run a display name as a formula (CSV injection).
 */
function text(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
