// Usage reports over the `usage` table: one row per Claude request. Totals and rows by user,
// channel, model or day for a period, a per-day series for the sparkline, the cache hit rate and
// what prompt caching saved (priced with the same table that priced the requests).
import type { RawBuilder } from "kysely";
import type { PriceTable } from "../claude/pricing.ts";
import { sql, type Db } from "../store/sql.ts";
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

/** The SQL is built only from these fixed fragments; every value is a bound parameter. */
const DIMENSION_COLUMNS: Record<ReportDimension, string> = {
  user: "user_id",
  channel: "channel_id",
  model: "model",
  day: `(created_at / ${DAY_MS})`,
};

export class UsageReports {
  constructor(
    private readonly db: Db,
    private readonly prices: PriceTable,
  ) {}

  async report(query: ReportQuery): Promise<UsageReport> {
    const end = query.now;
    const start = await this.periodStart(query);
    const rows = await this.groups(query.by, query, start, end);
    const totals = sumTotals(rows);
    const byDay = query.by === "day" ? rows : await this.groups("day", query, start, end);
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
  async periodStart(query: ReportQuery): Promise<number> {
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
        const first = await this.db.get<{ first: number | null }>(
          sql`SELECT MIN(created_at) AS first FROM usage WHERE ${filters(query, 0, query.now + 1)}`,
        );
        return utcDayStart(first?.first ?? query.now);
      }
    }
  }

  private async groups(by: ReportDimension, query: ReportQuery, start: number, end: number): Promise<ReportRow[]> {
    const column = sql.raw(DIMENSION_COLUMNS[by]);
    // End is inclusive of the current millisecond: a request recorded "now" is in the report.
    const raw = await this.db.all<GroupRow>(
      sql`SELECT ${column} AS key, model, COUNT(*) AS requests,
              SUM(input_tokens) AS input, SUM(output_tokens) AS output,
              SUM(cache_read_tokens) AS cache_read, SUM(cache_write_tokens) AS cache_write,
              COALESCE(SUM(cost_micros), 0) AS cost,
              SUM(CASE WHEN cost_micros IS NULL
                        AND input_tokens + output_tokens + cache_read_tokens + cache_write_tokens > 0
                       THEN 1 ELSE 0 END) AS unpriced
       FROM usage WHERE ${filters(query, start, end + 1)}
       GROUP BY ${column}, model`,
    );
    const names = by === "user" ? await this.userNames(raw.map((g) => String(g.key))) : new Map<string, string>();
    const merged = new Map<string, ReportRow>();
    for (const g of raw) {
      const key = by === "day" ? utcDate(Number(g.key) * DAY_MS) : String(g.key);
      let row = merged.get(key);
      if (!row) {
        row = { key, label: names.get(key) ?? key, ...emptyTotals() };
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
  async userName(userId: string): Promise<string> {
    const row = await this.db.get<{ author_name: string }>(
      sql`SELECT author_name FROM messages WHERE author_id = ${userId} ORDER BY created_at DESC LIMIT 1`,
    );
    return row?.author_name ?? userId;
  }

  private async userNames(userIds: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of new Set(userIds)) names.set(id, await this.userName(id));
    return names;
  }
}

function filters(query: ReportQuery, start: number, end: number): RawBuilder<unknown> {
  const parts = [sql`created_at >= ${start}`, sql`created_at < ${end}`];
  if (query.workspaceId !== undefined) parts.push(sql`workspace_id = ${query.workspaceId}`);
  if (query.userId !== undefined) parts.push(sql`user_id = ${query.userId}`);
  return sql.join(parts, sql` AND `);
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
