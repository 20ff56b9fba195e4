// Spend totals per scope and UTC window (migration 008), kept by UsageStore.record in the same
// transaction as each usage row.
import { sql, type Db } from "./sql.ts";

export type SpendScopeKind = "workspace" | "channel" | "user";

export interface SpendRow {
  daily: number;
  monthly: number;
}

export class SpendStore {
  constructor(private readonly db: Db) {}

  /** What one scope spent in the day and the month that start at the given moments (UTC ms). */
  async get(scope: SpendScopeKind, scopeId: string, dayStart: number, monthStart: number, db: Db = this.db): Promise<SpendRow> {
    const rows = await db.all<{ period: string; cost_micros: number }>(
      sql`SELECT period, cost_micros FROM spend_totals WHERE scope_kind = ${scope} AND scope_id = ${scopeId}
          AND ((period = 'daily' AND window_start = ${dayStart}) OR (period = 'monthly' AND window_start = ${monthStart}))`,
    );
    const of = (period: string) => rows.find((r) => r.period === period)?.cost_micros ?? 0;
    return { daily: of("daily"), monthly: of("monthly") };
  }
}
