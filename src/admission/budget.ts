// Spending limits per workspace, channel and user, daily and monthly (UTC windows). Checked before
// every Claude request: at or over a limit, no request is made.
//
// Limits: the environment's defaults (config.budgets) unless a row in the `budgets` table, set at
// run time with /palaver budget, overrides them. Spend: the sum of `usage.cost_micros` in the
// window, plus what requests in flight have reserved. A request reserves an estimate of its cost
// when admitted and releases it once its usage is recorded, so racing requests see each other:
// the overshoot past a limit is bounded by what is already in flight. (One process only: two
// Palaver processes on one database do not see each other's reservations.)
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import { usdToMicros } from "../claude/money.ts";
import { SpendTotals, type SpendRow } from "./spend-totals.ts";
import type { Db } from "../store/db.ts";
import { windowAt, type TimeWindow, type WindowPeriod } from "./utc-windows.ts";
import { BudgetStore, type BudgetRow } from "../store/budgets.ts";
import { ReservationLedger, type Reservation } from "./reservations.ts";

export type { BudgetRow } from "../store/budgets.ts";
export type { Reservation } from "./reservations.ts";

export type BudgetScopeKind = "workspace" | "channel" | "user";
export type BudgetPeriod = WindowPeriod;

export const BUDGET_SCOPES: readonly BudgetScopeKind[] = ["workspace", "channel", "user"];
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ["daily", "monthly"];

/** Where a request is made: each id names one scope a limit may apply to. */
export interface BudgetTarget {
  workspaceId: string;
  channelId: string;
  userId: string;
}

export type LimitSource = { kind: "env"; variable: string } | { kind: "set"; setBy: string; setAt: number };

export interface LimitInForce {
  scope: BudgetScopeKind;
  scopeId: string;
  period: BudgetPeriod;
  limitMicros: number;
  source: LimitSource;
}

export interface LimitStatus extends LimitInForce {
  /** Recorded spend in the current window. */
  spentMicros: number;
  /** Estimates held by requests in flight in this scope. */
  reservedMicros: number;
  window: TimeWindow;
}

export type BudgetCheck = { ok: true; reservation: Reservation } | { ok: false; refusal: LimitStatus };

/** A limit the environment sets for every scope of a kind. */
export interface EnvDefault {
  kind: "env";
  variable: string;
  limitMicros: number;
}

export class SpendingBudgets {
  /** Micro-dollars reserved by requests in flight, by "kind:id". */
  private readonly ledger = new ReservationLedger();
  private readonly totals: SpendTotals;
  private readonly rows: BudgetStore;

  constructor(
    db: Db,
    private readonly defaults: Config["budgets"],
    private readonly clock: Clock,
  ) {
    this.totals = new SpendTotals(db);
    this.rows = new BudgetStore(db);
  }

  /** The environment's default for a scope and period, if it sets one. */
  defaultFor(scope: BudgetScopeKind, period: BudgetPeriod): EnvDefault | undefined {
    const pick = (usd: number | undefined, variable: string) =>
      usd === undefined ? undefined : { kind: "env" as const, variable, limitMicros: usdToMicros(usd) };
    if (scope === "workspace" && period === "daily") return pick(this.defaults.workspaceDailyUsd, "PALAVER_BUDGET_DAILY_USD");
    if (scope === "workspace" && period === "monthly") {
      return pick(this.defaults.workspaceMonthlyUsd, "PALAVER_BUDGET_MONTHLY_USD");
    }
    if (scope === "user" && period === "daily") return pick(this.defaults.userDailyUsd, "PALAVER_USER_DAILY_USD");
    return undefined;
  }

  /** Every limit that applies to a request made at `target`. */
  limitsFor(target: BudgetTarget): LimitInForce[] {
    const limits: LimitInForce[] = [];
    for (const scope of BUDGET_SCOPES) {
      const scopeId = scopeIdOf(target, scope);
      const rows = this.rows.rows(scope, scopeId);
      for (const period of BUDGET_PERIODS) {
        const row = rows.find((r) => r.period === period);
        if (row) {
          limits.push({
            scope,
            scopeId,
            period,
            limitMicros: row.limitMicros,
            source: { kind: "set", setBy: row.setBy, setAt: row.setAt },
          });
          continue;
        }
        const fallback = this.defaultFor(scope, period);
        if (fallback) {
          const { limitMicros, ...source } = fallback;
          limits.push({ scope, scopeId, period, limitMicros, source });
        }
      }
    }
    return limits;
  }

  /** Each limit in force at `target` with what has been spent against it now. */
  status(target: BudgetTarget): LimitStatus[] {
    const now = this.clock.now();
    const spendCache = new Map<string, SpendRow>();
    return this.limitsFor(target).map((limit) => {
      const key = holdKey(limit.scope, limit.scopeId);
      let spend = spendCache.get(key);
      if (!spend) {
        spend = this.spend(limit.scope, limit.scopeId, now);
        spendCache.set(key, spend);
      }
      return {
        ...limit,
        spentMicros: limit.period === "daily" ? spend.daily : spend.monthly,
        reservedMicros: this.ledger.heldBy(key),
        window: windowAt(limit.period, now),
      };
    });
  }

  /** Recorded spend of one scope in today's and this month's windows. */
  spend(scope: BudgetScopeKind, scopeId: string, now: number = this.clock.now()): SpendRow {
    return this.totals.get(scope, scopeId, now);
  }

  /**
   * Admit a request expected to cost about `estimateMicros`, or name the limit that stops it.
   * A limit stops a request when spend plus reservations is at or over it (so a limit of 0 blocks
   * everything). Synchronous from check to reservation, so no other request can slip in between.
   */
  reserve(target: BudgetTarget, estimateMicros: number): BudgetCheck {
    const exhausted = this.exhausted(target);
    if (exhausted) return { ok: false, refusal: exhausted };
    const keys = BUDGET_SCOPES.map((scope) => holdKey(scope, scopeIdOf(target, scope)));
    const micros = Math.max(0, Math.round(estimateMicros));
    return { ok: true, reservation: this.ledger.hold(keys, micros) };
  }

  /** The limit that stops a request at `target` now (spend plus reservations at or over it), if any. */
  exhausted(target: BudgetTarget): LimitStatus | undefined {
    const over = this.status(target).filter((s) => s.spentMicros + s.reservedMicros >= s.limitMicros);
    return over.length > 0 ? mostBinding(over) : undefined;
  }

  /** Total of all estimates currently held (for tests and diagnostics). */
  reservedMicros(scope: BudgetScopeKind, scopeId: string): number {
    return this.ledger.heldBy(holdKey(scope, scopeId));
  }

  get(scope: BudgetScopeKind, scopeId: string, period: BudgetPeriod): BudgetRow | undefined {
    return this.rows.get(scope, scopeId, period);
  }

  /** Set a limit; returns the row it replaced, if any. */
  set(scope: BudgetScopeKind, scopeId: string, period: BudgetPeriod, limitMicros: number, setBy: string): BudgetRow | undefined {
    return this.rows.set(scope, scopeId, period, limitMicros, setBy, this.clock.now());
  }

  /** Remove a limit set at run time (the environment's default applies again); returns it. */
  clear(scope: BudgetScopeKind, scopeId: string, period: BudgetPeriod): BudgetRow | undefined {
    return this.rows.clear(scope, scopeId, period);
  }
}

export function scopeIdOf(target: BudgetTarget, scope: BudgetScopeKind): string {
  return scope === "workspace" ? target.workspaceId : scope === "channel" ? target.channelId : target.userId;
}

function holdKey(scope: BudgetScopeKind, scopeId: string): string {
  return `${scope}:${scopeId}`;
}

/**
 * Of several exhausted limits, the one to name: the one that resets last (the earliest moment
 * the request could succeed), and among those the narrowest scope (user before channel before
 * workspace), which is the one the person can most likely do something about.
 */
function mostBinding(exhausted: LimitStatus[]): LimitStatus {
  const narrowness = (s: BudgetScopeKind) => (s === "user" ? 0 : s === "channel" ? 1 : 2);
  return [...exhausted].sort(
    (a, b) => b.window.end - a.window.end || narrowness(a.scope) - narrowness(b.scope),
  )[0]!;
}
