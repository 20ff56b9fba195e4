// The `budgets` table: limits set at run time with /palaver budget, one row per scope and period.
// (The environment's defaults are not stored: src/admission/budget.ts falls back to them.)
import type { Db } from "./db.ts";

/** A budget row as stored. */
export interface BudgetRow {
  limitMicros: number;
  setBy: string;
  setAt: number;
}

export interface BudgetRowWithPeriod extends BudgetRow {
  period: string;
}

export class BudgetStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      rows: db.prepare<[string, string], { period: string; limit_micros: number; set_by: string; set_at: number }>(
        "SELECT period, limit_micros, set_by, set_at FROM budgets WHERE scope_kind = ? AND scope_id = ?",
      ),
      get: db.prepare<[string, string, string], { limit_micros: number; set_by: string; set_at: number }>(
        "SELECT limit_micros, set_by, set_at FROM budgets WHERE scope_kind = ? AND scope_id = ? AND period = ?",
      ),
      upsert: db.prepare(
        `INSERT INTO budgets (scope_kind, scope_id, period, limit_micros, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope_kind, scope_id, period) DO UPDATE
         SET limit_micros = excluded.limit_micros, set_by = excluded.set_by, set_at = excluded.set_at`,
      ),
      delete: db.prepare("DELETE FROM budgets WHERE scope_kind = ? AND scope_id = ? AND period = ?"),
    };
  }

  /** Every row of one scope, whatever the period. */
  rows(scope: string, scopeId: string): BudgetRowWithPeriod[] {
    return this.stmts.rows
      .all(scope, scopeId)
      .map((r) => ({ period: r.period, limitMicros: r.limit_micros, setBy: r.set_by, setAt: r.set_at }));
  }

  get(scope: string, scopeId: string, period: string): BudgetRow | undefined {
    const row = this.stmts.get.get(scope, scopeId, period);
    return row ? { limitMicros: row.limit_micros, setBy: row.set_by, setAt: row.set_at } : undefined;
  }

  /** Set a limit; returns the row it replaced, if any. */
  set(scope: string, scopeId: string, period: string, limitMicros: number, setBy: string, at: number): BudgetRow | undefined {
    return this.db.transaction(() => {
      const old = this.get(scope, scopeId, period);
      this.stmts.upsert.run(scope, scopeId, period, limitMicros, setBy, at);
      return old;
    })();
  }

  /** Remove a limit; returns it. */
  clear(scope: string, scopeId: string, period: string): BudgetRow | undefined {
    return this.db.transaction(() => {
      const old = this.get(scope, scopeId, period);
      this.stmts.delete.run(scope, scopeId, period);
      return old;
    })();
  }
}
