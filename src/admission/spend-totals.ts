// What a workspace, channel or user has spent today and this month (UTC), from `usage`.
//
// Checked before every Claude request, so it must stay cheap on a large table: summing a busy
// workspace's month row by row took ~30 ms with 200k rows (bench/admin.ts). Instead each scope's
// sums are computed in full once per window and then brought up to date from the rows added
// since (usage ids only grow: rows are appended, never updated or deleted). One process only:
// it assumes nothing else rewrites `usage` behind it.
import type { Db } from "../store/db.ts";
import { windowAt } from "./utc-windows.ts";

export type SpendScopeKind = "workspace" | "channel" | "user";

export interface SpendRow {
  daily: number;
  monthly: number;
}

interface Entry extends SpendRow {
  dayStart: number;
  monthStart: number;
  /** Every usage row with an id up to this one is counted. */
  lastId: number;
}

const COLUMNS: Record<SpendScopeKind, string> = {
  workspace: "workspace_id",
  channel: "channel_id",
  user: "user_id",
};

type Stmt = ReturnType<Db["prepare"]>;

export class SpendTotals {
  private readonly entries = new Map<string, Entry>();
  private readonly lastIdStmt;
  private readonly full: Record<SpendScopeKind, Stmt>;
  private readonly sinceId: Record<SpendScopeKind, Stmt>;

  constructor(db: Db) {
    this.lastIdStmt = db.prepare<[], { id: number | null }>("SELECT MAX(id) AS id FROM usage");
    const build = (scope: SpendScopeKind, incremental: boolean) => {
      const column = COLUMNS[scope];
      // Full: the scope's index on (column, created_at). Incremental: the rowid range after
      // lastId (the unary + keeps SQLite from choosing the scope index, which would scan the
      // whole month again).
      const where = incremental
        ? `id > @lastId AND id <= @upTo AND +${column} = @scopeId AND +created_at >= @monthStart AND +created_at < @monthEnd`
        : `${column} = @scopeId AND created_at >= @monthStart AND created_at < @monthEnd AND id <= @upTo`;
      return db.prepare(
        `SELECT COALESCE(SUM(CASE WHEN created_at >= @dayStart AND created_at < @dayEnd THEN cost_micros END), 0) AS daily,
                COALESCE(SUM(cost_micros), 0) AS monthly
         FROM usage WHERE ${where}`,
      );
    };
    this.full = { workspace: build("workspace", false), channel: build("channel", false), user: build("user", false) };
    this.sinceId = { workspace: build("workspace", true), channel: build("channel", true), user: build("user", true) };
  }

  /** Spend of one scope in the daily and monthly windows that contain `now`. */
  get(scope: SpendScopeKind, scopeId: string, now: number): SpendRow {
    const day = windowAt("daily", now);
    const month = windowAt("monthly", now);
    const upTo = this.lastIdStmt.get()?.id ?? 0;
    const key = `${scope}:${scopeId}`;
    const params = { scopeId, dayStart: day.start, dayEnd: day.end, monthStart: month.start, monthEnd: month.end, upTo };
    let entry = this.entries.get(key);
    if (!entry || entry.monthStart !== month.start || entry.dayStart !== day.start || upTo < entry.lastId) {
      // A new window (or a table that shrank, which only a restore from backup does): recount.
      const sums = this.full[scope].get(params) as SpendRow;
      entry = { ...sums, dayStart: day.start, monthStart: month.start, lastId: upTo };
      this.entries.set(key, entry);
    } else if (upTo > entry.lastId) {
      const added = this.sinceId[scope].get({ ...params, lastId: entry.lastId }) as SpendRow;
      entry.daily += added.daily;
      entry.monthly += added.monthly;
      entry.lastId = upTo;
    }
    return { daily: entry.daily, monthly: entry.monthly };
  }
}
