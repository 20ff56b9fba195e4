// The `budgets` table: limits set at run time with /palaver budget, one row per scope and period.
// (The environment's defaults are not stored: src/admission/budget.ts falls back to them.)
import { sql, type Db } from "./sql.ts";

/** A budget row as stored. */
export interface BudgetRow {
  limitMicros: number;
  setBy: string;
  setAt: number;
}

export interface BudgetRowWithPeriod extends BudgetRow {
  period: string;
}

interface Row {
  period: string;
  limit_micros: number;
  set_by: string;
  set_at: number;
}

const toRow = (r: Row): BudgetRow => ({ limitMicros: r.limit_micros, setBy: r.set_by, setAt: r.set_at });

export class BudgetStore {
  constructor(private readonly db: Db) {}

  /** Every row of one scope, whatever the period. */
  async rows(scope: string, scopeId: string, db: Db = this.db): Promise<BudgetRowWithPeriod[]> {
    const rows = await db.all<Row>(
      sql`SELECT period, limit_micros, set_by, set_at FROM budgets WHERE scope_kind = ${scope} AND scope_id = ${scopeId}`,
    );
    return rows.map((r) => ({ period: r.period, ...toRow(r) }));
  }

  async get(scope: string, scopeId: string, period: string, db: Db = this.db): Promise<BudgetRow | undefined> {
    const row = await db.get<Row>(
      sql`SELECT period, limit_micros, set_by, set_at FROM budgets WHERE scope_kind = ${scope} AND scope_id = ${scopeId} AND period = ${period}`,
    );
    return row ? toRow(row) : undefined;
  }

  /** Set a limit; returns the row it replaced, if any. */
  set(scope: string, scopeId: string, period: string, limitMicros: number, setBy: string, at: number): Promise<BudgetRow | undefined> {
    return this.db.transaction(async (tx) => {
      const old = await this.get(scope, scopeId, period, tx);
      await tx.run(
        sql`INSERT INTO budgets (scope_kind, scope_id, period, limit_micros, set_by, set_at) VALUES (${scope}, ${scopeId}, ${period}, ${limitMicros}, ${setBy}, ${at})
            ON CONFLICT (scope_kind, scope_id, period) DO UPDATE
            SET limit_micros = excluded.limit_micros, set_by = excluded.set_by, set_at = excluded.set_at`,
      );
      return old;
    });
  }

  /** Remove a limit; returns it. */
  clear(scope: string, scopeId: string, period: string): Promise<BudgetRow | undefined> {
    return this.db.transaction(async (tx) => {
      const old = await this.get(scope, scopeId, period, tx);
      await tx.run(sql`DELETE FROM budgets WHERE scope_kind = ${scope} AND scope_id = ${scopeId} AND period = ${period}`);
      return old;
    });
  }
}
