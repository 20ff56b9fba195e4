// One platform rate window (a sliding window of grants), the unit src/reply/rate-budgets.ts
// shares between replies: holds for final texts, plain and urgent grants, and progress grants that
// take only what the window can spare. The rules are described at the top of rate-budgets.ts.

/** A wait for a budget slot given up by its caller (the slot was not taken). */
export class BudgetWaitAborted extends Error {
  constructor() {
    super("budget wait aborted");
    this.name = "BudgetWaitAborted";
  }
}

/**
 * How far back the rate of replies asking for a hold is measured. Short enough that a burst is
 * seen as one while it lasts, long enough that replies arriving every few seconds are seen as a
 * sustained load.
 */
export const DEMAND_LOOKBACK_MS = 10_000;


/** Whoever takes progress grants: one reply (any object, compared by identity). */
export type BudgetHolder = object;

interface Grant {
  at: number;
  /** Set for progress grants: whose share they count against. */
  holder?: BudgetHolder;
}

type Waiter = { grant: () => void; fromHold: boolean; stamps?: Stamps };

/** The grants that paid for one platform call, counted again from when it finished. */
export class Stamps {
  private readonly taken: { window: SlidingWindow; grant: Grant }[] = [];

  add(window: SlidingWindow, grant: Grant): void {
    this.taken.push({ window, grant });
  }

  /** The call has finished (or failed): its grants count from now. */
  done(): void {
    for (const { window, grant } of this.taken.splice(0)) window.restamp(grant);
  }
}

export class SlidingWindow {
  private readonly grants: Grant[] = [];
  held = 0;
  /** Who asked for a hold, and when (granted or not): the recent demand for finals. */
  private readonly asks: { at: number; holder: BudgetHolder }[] = [];
  /** Replies taking progress grants here until they leave. */
  readonly active = new Set<BudgetHolder>();
  /** [spending holds, urgent, ordinary] waiters, each first come, first served. */
  private readonly queues: [Waiter[], Waiter[], Waiter[]] = [[], [], []];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** The platform's allowance for this window, for all of Palaver's instances together. */
    private readonly allowance: number,
    private readonly baseWindowMs: number,
    private readonly now: () => number,
    /** How many instances share the allowance (live heartbeats, src/pipeline/ownership.ts). */
    private readonly sharers: () => number = () => 1,
  ) {}

  /**
   * This instance's part of the allowance: an equal share, so N instances together never exceed
   * the platform's limit (at least 1: with more instances than the allowance, the window
   * stretches instead).
   */
  get limit(): number {
    return Math.max(1, Math.floor(this.allowance / Math.max(1, this.sharers())));
  }

  /**
   * The window, stretched when there are more instances than the allowance holds (Slack's one post
   * per second per channel, shared by two instances: one post per 2 s each).
   */
  get windowMs(): number {
    const sharers = Math.max(1, this.sharers());
    return sharers <= this.allowance ? this.baseWindowMs : this.baseWindowMs * Math.ceil(sharers / this.allowance);
  }

  private prune(now: number): void {
    while (this.grants.length > 0 && this.grants[0]!.at <= now - this.windowMs) this.grants.shift();
    while (this.asks.length > 0 && this.asks[0]!.at <= now - DEMAND_LOOKBACK_MS) this.asks.shift();
  }

  used(): number {
    this.prune(this.now());
    return this.grants.length;
  }

  private waiting(): boolean {
    return this.queues.some((q) => q.length > 0);
  }

  idle(): boolean {
    return this.used() === 0 && this.held === 0 && this.asks.length === 0 && this.active.size === 0 && !this.waiting();
  }

  /** A free slot nobody holds, and nobody waiting ahead. */
  canTakeFree(): boolean {
    return !this.waiting() && this.used() + this.held < this.limit;
  }

  take(holder?: BudgetHolder, stamps?: Stamps): void {
    const grant: Grant = { at: this.now(), ...(holder ? { holder } : {}) };
    this.grants.push(grant);
    stamps?.add(this, grant);
  }

  /** Count `grant` from now (it moves to the end: grants stay in time order). */
  restamp(grant: Grant): void {
    const at = this.grants.indexOf(grant);
    if (at < 0) return; // already out of the window
    this.grants.splice(at, 1);
    grant.at = this.now();
    this.grants.push(grant);
  }

  ask(holder: BudgetHolder): void {
    const now = this.now();
    this.prune(now);
    if (!this.asks.some((a) => a.holder === holder)) this.asks.push({ at: now, holder });
  }

  /** Slots replies arriving at the recent rate would hold over one window. */
  private projectedDemand(): number {
    return Math.floor((this.asks.length * this.windowMs) / DEMAND_LOOKBACK_MS);
  }

  /** Whether `holder` may take a progress grant now (see the file comment). */
  canProgress(holder: BudgetHolder): boolean {
    if (this.waiting()) return false;
    const used = this.used();
    const spare = this.limit - used - this.held - this.projectedDemand();
    if (spare < 1) return false;
    const share = Math.max(1, Math.ceil((this.limit - this.held - this.projectedDemand()) / Math.max(1, this.active.size)));
    let mine = 0;
    for (const g of this.grants) if (g.holder === holder) mine++;
    return mine < share;
  }

  acquire(urgent: boolean, signal: AbortSignal | undefined, fromHold: boolean, stamps?: Stamps): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new BudgetWaitAborted());
        return;
      }
      const queue = this.queues[fromHold ? 0 : urgent ? 1 : 2];
      const onAbort = () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(new BudgetWaitAborted());
        this.pump();
      };
      const waiter: Waiter = {
        fromHold,
        stamps,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
      this.pump();
    });
  }

  /** Grant what the window allows now; if someone still waits, come back when a slot frees. */
  pump(): void {
    // Whatever the pending timer was waiting for, the queues are looked at afresh now (a final
    // spending its hold must not wait for a timer set for an ordinary waiter).
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const queue = this.queues.find((q) => q.length > 0);
      if (!queue) return;
      const head = queue[0]!;
      const used = this.used();
      // A hold's slot is already counted in `held`; anyone else needs one nobody holds.
      const room = head.fromHold ? used < this.limit : used + this.held < this.limit;
      if (!room) {
        // Held slots free only when their holder spends or releases them (which pumps again);
        // used ones free as the window slides past them.
        const oldest = this.grants[0];
        if (!oldest) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, oldest.at + this.windowMs - this.now() + 1);
        return;
      }
      queue.shift();
      if (head.fromHold) this.held--;
      this.take(undefined, head.stamps);
      head.grant();
    }
  }
}
