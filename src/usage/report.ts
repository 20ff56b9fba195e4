// Usage reports over the `usage` table: one row per Claude request. Totals and rows by user,
// channel, model or day for a period, a per-day series for the sparkline, the cache hit rate and
// what prompt caching saved (priced with the same table that priced the requests).
import type { Statement } from "better-sqlite3";
import type { PriceTable } from "../claude/pricing.ts";
import type { Db } from "../store/db.ts";
import { DAY_MS, utcDate, utcDayStart, utcMonthStart } from "../admission/utc-windows.ts";

export type ReportPeriod = "today" | "7d" | "30d" | "month" | "all";
export type ReportDimension = "user" | "channel" | "model" | "day";

export const REPORT_PERIODS: readonly ReportPeriod[] = ["today", "7d", "30d", "month", "all"];
export const REPORT_DIMENSIONS: readonly ReportDimension[] = ["user", "channel", "model", "day"];

/** Issue 5: "default period 30d". */
export const DEFAULT_REPORT_PERIOD: ReportPeriod = "30d";

export interface ReportQuery {
  period: ReportPeriod;
  by: ReportDimension;
  /** Only this workspace's usage (absent: every workspace, for the operator's CLI). */
  workspaceId?: string;
  /** Only this person's usage (non-admins see their own). */
  userId?: string;
  now: number;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costMicros: number;
  /** Requests that used tokens of a model the price table does not know (cost not counted). */
  unpricedRequests: number;
  /** Net of what cache reads saved and cache writes cost extra, versus sending it all uncached. */
  cacheSavedMicros: number;
}

export interface ReportRow extends UsageTotals {
  /** The raw value of the dimension: a user id, channel id, model id or YYYY-MM-DD. */
  key: string;
  /** What to show: a display name for users when one is known, else the key. */
  label: string;
}

export interface DayPoint {
  /** YYYY-MM-DD (UTC). */
  day: string;
  requests: number;
  costMicros: number;
}

export interface UsageReport {
  query: ReportQuery;
  /** First millisecond covered (UTC midnight) and the end (now). */
  start: number;
  end: number;
  rows: ReportRow[];
  totals: UsageTotals;
  /** Every day from start to end, zeros included. */
  days: DayPoint[];
  /** Share of prompt tokens read from the cache, or undefined with no prompt tokens. */
  cacheHitRate?: number;
}

type Param = string | number;

interface GroupRow {
  key: string | number;
  model: string;
  requests: number;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost: number;
  unpriced: number;
}

const DIMENSION_COLUMNS: Record<ReportDimension, string> = {
  user: "user_id",
  channel: "channel_id",
  model: "model",
  day: `(created_at / ${DAY_MS})`,
};

export class UsageReports {
  /** Prepared once per shape; the SQL is built only from the fixed fragments above. */
  private readonly statements = new Map<string, Statement<Param[]>>();
  private readonly nameStmt;

  constructor(
    private readonly db: Db,
    private readonly prices: PriceTable,
  ) {
    this.nameStmt = db.prepare<[string], { author_name: string }>(
      "SELECT author_name FROM messages WHERE author_id = ? ORDER BY created_at DESC LIMIT 1",
    );
  }

  report(query: ReportQuery): UsageReport {
    const end = query.now;
    const start = this.periodStart(query);
    const rows = this.groups(query.by, query, start, end);
    const totals = sumTotals(rows);
    const byDay = query.by === "day" ? rows : this.groups("day", query, start, end);
    const days: DayPoint[] = [];
    for (let t = utcDayStart(start); t <= end; t += DAY_MS) {
      const key = utcDate(t);
      const hit = byDay.find((r) => r.key === key);
      days.push({ day: key, requests: hit?.requests ?? 0, costMicros: hit?.costMicros ?? 0 });
    }
    const promptTokens = totals.inputTokens + totals.cacheReadTokens + totals.cacheWriteTokens;
    return {
      query,
      start,
      end,
      rows: query.by === "day" ? rows.sort((a, b) => a.key.localeCompare(b.key)) : rows.sort(byCostThenRequests),
      totals,
      days,
      cacheHitRate: promptTokens > 0 ? totals.cacheReadTokens / promptTokens : undefined,
    };
  }

  /** The first millisecond of the period: calendar days in UTC, ending today. */
  periodStart(query: ReportQuery): number {
    const today = utcDayStart(query.now);
    switch (query.period) {
      case "today":
        return today;
      case "7d":
        return today - 6 * DAY_MS;
      case "30d":
        return today - 29 * DAY_MS;
      case "month":
        return utcMonthStart(query.now);
      case "all": {
        const first = this.statement("first", query, () =>
          `SELECT MIN(created_at) AS first FROM usage WHERE ${filters(query)}`,
        ).get(...filterParams(query, 0, query.now + 1)) as { first: number | null } | undefined;
        return utcDayStart(first?.first ?? query.now);
      }
    }
  }

  private groups(by: ReportDimension, query: ReportQuery, start: number, end: number): ReportRow[] {
    const column = DIMENSION_COLUMNS[by];
    const stmt = this.statement(`group:${by}`, query, () =>
      `SELECT ${column} AS key, model, COUNT(*) AS requests,
              SUM(input_tokens) AS input, SUM(output_tokens) AS output,
              SUM(cache_read_tokens) AS cache_read, SUM(cache_write_tokens) AS cache_write,
              COALESCE(SUM(cost_micros), 0) AS cost,
              SUM(CASE WHEN cost_micros IS NULL
                        AND input_tokens + output_tokens + cache_read_tokens + cache_write_tokens > 0
                       THEN 1 ELSE 0 END) AS unpriced
       FROM usage WHERE ${filters(query)}
       GROUP BY key, model`,
    );
    // End is inclusive of the current millisecond: a request recorded "now" is in the report.
    const raw = stmt.all(...filterParams(query, start, end + 1)) as GroupRow[];
    const merged = new Map<string, ReportRow>();
    for (const g of raw) {
      const key = by === "day" ? utcDate(Number(g.key) * DAY_MS) : String(g.key);
      let row = merged.get(key);
      if (!row) {
        row = { key, label: by === "user" ? this.userName(key) : key, ...emptyTotals() };
        merged.set(key, row);
      }
      row.requests += g.requests;
      row.inputTokens += g.input;
      row.outputTokens += g.output;
      row.cacheReadTokens += g.cache_read;
      row.cacheWriteTokens += g.cache_write;
      row.costMicros += g.cost;
      row.unpricedRequests += g.unpriced;
      row.cacheSavedMicros += this.cacheSaved(g);
    }
    return [...merged.values()];
  }

  /** Cost of these tokens sent uncached minus their cost with caching, by the price table. */
  private cacheSaved(g: GroupRow): number {
    const uncached = this.prices.costMicros(g.model, {
      inputTokens: g.input + g.cache_read + g.cache_write,
      outputTokens: g.output,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    const cached = this.prices.costMicros(g.model, {
      inputTokens: g.input,
      outputTokens: g.output,
      cacheReadTokens: g.cache_read,
      cacheWriteTokens: g.cache_write,
    });
    return uncached === undefined || cached === undefined ? 0 : uncached - cached;
  }

  /** A user's display name as last seen in a stored message, else the id. */
  userName(userId: string): string {
    return this.nameStmt.get(userId)?.author_name ?? userId;
  }

  private statement(name: string, query: ReportQuery, sql: () => string) {
    const key = `${name}|${query.workspaceId !== undefined}|${query.userId !== undefined}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare<Param[]>(sql());
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}

function filters(query: ReportQuery): string {
  const parts = ["created_at >= ?", "created_at < ?"];
  if (query.workspaceId !== undefined) parts.push("workspace_id = ?");
  if (query.userId !== undefined) parts.push("user_id = ?");
  return parts.join(" AND ");
}

function filterParams(query: ReportQuery, start: number, end: number): Param[] {
  const params: Param[] = [start, end];
  if (query.workspaceId !== undefined) params.push(query.workspaceId);
  if (query.userId !== undefined) params.push(query.userId);
  return params;
}

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costMicros: 0,
    unpricedRequests: 0,
    cacheSavedMicros: 0,
  };
}

export function sumTotals(rows: UsageTotals[]): UsageTotals {
  const t = emptyTotals();
  for (const r of rows) {
    t.requests += r.requests;
    t.inputTokens += r.inputTokens;
    t.outputTokens += r.outputTokens;
    t.cacheReadTokens += r.cacheReadTokens;
    t.cacheWriteTokens += r.cacheWriteTokens;
    t.costMicros += r.costMicros;
    t.unpricedRequests += r.unpricedRequests;
    t.cacheSavedMicros += r.cacheSavedMicros;
  }
  return t;
}

function byCostThenRequests(a: ReportRow, b: ReportRow): number {
  return b.costMicros - a.costMicros || b.requests - a.requests || a.key.localeCompare(b.key);
}
