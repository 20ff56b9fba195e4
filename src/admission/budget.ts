// Spending limits per workspace, channel and user, daily and monthly (UTC windows). Checked before
// every Claude request: at or over a limit, no request is made.
//
// Limits: the environment's defaults (config.budgets) unless a row in the `budgets` table, set at
// run time with /palaver budget, overrides them. Spend: the sum of `usage.cost_micros` in the
// window (spend_totals), plus what requests in flight have reserved. A request reserves an
// estimate of its cost when admitted and releases it once its usage is recorded, so racing
// requests see each other: the overshoot past a limit is bounded by what is already in flight.
// Reservations are rows, checked and inserted in one transaction under a lock every instance
// takes, so this holds for several Palaver instances on one database too.
import { randomUUID } from "node:crypto";
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import { usdToMicros } from "../claude/money.ts";
import { SpendStore, type SpendRow } from "../store/spend.ts";
import { sql, type Db } from "../store/sql.ts";
import { utcDayStart, utcMonthStart, windowAt, type TimeWindow, type WindowPeriod } from "./utc-windows.ts";
import { BudgetStore, type BudgetRow } from "../store/budgets.ts";
import { ReservationStore } from "../store/reservations.ts";
import { Reservation } from "./reservations.ts";

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

/**
 * How long a reservation counts when its request never releases it (its instance died): longer
 * than any request runs (the client's timeout and retries, continuations of a paused turn).
 */
export const RESERVATION_TTL_MS = 15 * 60 * 1000;

/** Any fixed number: every instance serialises its budget checks on this advisory lock. */
const BUDGET_LOCK_KEY = 0x62756467; // "budg"

export class SpendingBudgets {
  private readonly totals: SpendStore;
  private readonly rows: BudgetStore;
  private readonly reservations: ReservationStore;

  constructor(
    private readonly db: Db,
    private readonly defaults: Config["budgets"],
    private readonly clock: Clock,
  ) {
    this.totals = new SpendStore(db);
    this.rows = new BudgetStore(db);
    this.reservations = new ReservationStore(db);
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
  async limitsFor(target: BudgetTarget, db: Db = this.db): Promise<LimitInForce[]> {
    const limits: LimitInForce[] = [];
    for (const scope of BUDGET_SCOPES) {
      const scopeId = scopeIdOf(target, scope);
      const rows = await this.rows.rows(scope, scopeId, db);
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
  async status(target: BudgetTarget, db: Db = this.db): Promise<LimitStatus[]> {
    const now = this.clock.now();
    const spendCache = new Map<string, { spend: SpendRow; held: number }>();
    const statuses: LimitStatus[] = [];
    for (const limit of await this.limitsFor(target, db)) {
      const key = holdKey(limit.scope, limit.scopeId);
      let scope = spendCache.get(key);
      if (!scope) {
        scope = { spend: await this.spend(limit.scope, limit.scopeId, now, db), held: await this.reservations.heldBy(key, now, db) };
        spendCache.set(key, scope);
      }
      statuses.push({
        ...limit,
        spentMicros: limit.period === "daily" ? scope.spend.daily : scope.spend.monthly,
        reservedMicros: scope.held,
        window: windowAt(limit.period, now),
      });
    }
    return statuses;
  }

  /** Recorded spend of one scope in today's and this month's windows. */
  spend(scope: BudgetScopeKind, scopeId: string, now: number = this.clock.now(), db: Db = this.db): Promise<SpendRow> {
    return this.totals.get(scope, scopeId, utcDayStart(now), utcMonthStart(now), db);
  }

  /**
   * Admit a request expected to cost about `estimateMicros`, or name the limit that stops it.
   * A limit stops a request when spend plus reservations is at or over it (so a limit of 0 blocks
   * everything). Check and reservation are one transaction under a lock every instance takes,
   * so no other request, here or on another instance, can slip in between.
   */
  reserve(target: BudgetTarget, estimateMicros: number): Promise<BudgetCheck> {
    return this.db.transaction(async (tx) => {
      if (tx.dialect === "postgres") await tx.get(sql`SELECT pg_advisory_xact_lock(${BUDGET_LOCK_KEY})`);
      const exhausted = await this.exhausted(target, tx);
      if (exhausted) return { ok: false as const, refusal: exhausted };
      const keys = BUDGET_SCOPES.map((scope) => holdKey(scope, scopeIdOf(target, scope)));
      const micros = Math.max(0, Math.round(estimateMicros));
      const id = randomUUID();
      await this.reservations.hold(id, keys, micros, this.clock.now() + RESERVATION_TTL_MS, tx);
      // Extra requests of the same reply are held as rows of their own ("<id>:2", …) and counted
      // at once, without a new check: the reply was admitted; what it has in flight must show.
      const ids: string[] = [id];
      const rows = {
        add: async () => {
          const extra = `${id}:${ids.length + 1}`;
          ids.push(extra);
          await this.reservations.hold(extra, keys, micros, this.clock.now() + RESERVATION_TTL_MS);
        },
        remove: async () => {
          for (const held of ids) await this.reservations.release(held);
        },
      };
      return { ok: true as const, reservation: new Reservation(micros, rows) };
    });
  }

  /** The limit that stops a request at `target` now (spend plus reservations at or over it), if any. */
  async exhausted(target: BudgetTarget, db: Db = this.db): Promise<LimitStatus | undefined> {
    const over = (await this.status(target, db)).filter((s) => s.spentMicros + s.reservedMicros >= s.limitMicros);
    return over.length > 0 ? mostBinding(over) : undefined;
  }

  /** Total of all estimates currently held (for tests and diagnostics). */
  reservedMicros(scope: BudgetScopeKind, scopeId: string): Promise<number> {
    return this.reservations.heldBy(holdKey(scope, scopeId), this.clock.now());
  }

  /** Drop reservations whose requests never released them (an instance died): they no longer count. */
  pruneExpired(): Promise<number> {
    return this.reservations.prune(this.clock.now());
  }

  get(scope: BudgetScopeKind, scopeId: string, period: BudgetPeriod): Promise<BudgetRow | undefined> {
    return this.rows.get(scope, scopeId, period);
  }

  /** Set a limit; returns the row it replaced, if any. */
  set(scope: BudgetScopeKind, scopeId: string, period: BudgetPeriod, limitMicros: number, setBy: string): Promise<BudgetRow | undefined> {
    return this.rows.set(scope, scopeId, period, limitMicros, setBy, this.clock.now());
  }

  /** Remove a limit set at run time (the environment's default applies again); returns it. */
  clear(scope: BudgetScopeKind, scopeId: string, period: BudgetPeriod): Promise<BudgetRow | undefined> {
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
