// Shared request budgets for platform calls. Every reply streaming in the process draws from the
// same windows (one per RateBudget.key), so twenty replies in one Slack workspace share its
// chat.update allowance instead of each tripping 429s on its own.
//
// Each window is what the platform enforces: at most `limit` grants in any `windowMs` (a sliding
// window; a token bucket would allow a full burst plus the refill inside one window, which is
// exactly what the platform rejects). A burst is served from the window's allowance at once;
// nothing is paced until the window is full.
//
// Three kinds of request share a window, so that progress edits never starve a final text:
//  - holds (reserve): a reply that opens a message holds one slot for that message's final edit.
//    Nothing else may take a held slot, so `used + held <= limit` always, and a hold can always
//    be spent at once (Hold.use). A reply that gets no hold posts nothing until it has its final
//    text, which then goes out in one post.
//  - plain grants (acquire, tryAcquire): posts and repairs; they wait (or fail) while only held
//    slots are left. Urgent waiters (final texts) go before ordinary ones.
//  - progress grants (tryProgress): intermediate edits, never waiting. They take only what the
//    window can spare: what is neither used nor held, minus what replies arriving at the recent
//    rate would need for their own finals over the rest of the window (so a sustained stream of
//    new replies keeps getting first texts instead of a few replies getting many edits), shared
//    fairly: each active reply gets at most an equal part of it per window.
//
// A grant counts from the moment it is given; handed a Stamps, it counts again from when the
// call it paid for has finished (Stamps.done). The platform counted the call somewhere in
// between, so this is the strictest reading, and no network or event-loop delay can squeeze one
// call more into a platform window than ours allowed (under load, a call granted first may
// reach the platform after one granted later).
import type { RateBudget } from "../types.ts";

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

/** Idle windows are dropped once this many exist (per-channel keys would otherwise only grow). */
export const SWEEP_AT_WINDOWS = 256;

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

class SlidingWindow {
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

/** One slot held in each of some windows for a message's final edit. */
export class Hold {
  private state: "held" | "spent" | "released" = "held";

  constructor(private readonly windows: SlidingWindow[]) {}

  /** Take the held slots (at once, unless something outside the holds overfilled a window). */
  async use(stamps?: Stamps): Promise<void> {
    if (this.state !== "held") throw new Error(`hold already ${this.state}`);
    this.state = "spent";
    for (const w of this.windows) await w.acquire(true, undefined, true, stamps);
  }

  /** Give the slots back unspent. */
  release(): void {
    if (this.state !== "held") return;
    this.state = "released";
    for (const w of this.windows) {
      w.held--;
      w.pump();
    }
  }

  get spent(): boolean {
    return this.state === "spent";
  }
}

export class Budgets {
  private readonly windows = new Map<string, SlidingWindow>();
  /** Instances sharing each platform allowance, this one included. */
  private instances = 1;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /**
   * The live instance count (from heartbeats): each window then allows this instance its equal
   * part of the platform's limit, so several instances together stay under it.
   */
  shareWith(instances: number): void {
    this.instances = Math.max(1, Math.floor(instances));
  }

  get sharers(): number {
    return this.instances;
  }

  /** Windows held now (for tests). */
  get size(): number {
    return this.windows.size;
  }

  private window(b: RateBudget): SlidingWindow {
    let w = this.windows.get(b.key);
    if (!w) {
      if (this.windows.size >= SWEEP_AT_WINDOWS) this.sweep();
      w = new SlidingWindow(Math.max(1, b.limit), b.windowMs, this.now, () => this.instances);
      this.windows.set(b.key, w);
    }
    return w;
  }

  private sweep(): void {
    for (const [key, w] of this.windows) if (w.idle()) this.windows.delete(key);
  }

  /**
   * Wait until every budget allows one more request, taking one from each. `urgent` requests
   * (final texts) are served before ordinary ones waiting on the same budget. Aborting `signal`
   * gives up the wait (rejecting with BudgetWaitAborted) without taking a slot.
   */
  async acquire(budgets: readonly RateBudget[], urgent = false, signal?: AbortSignal, stamps?: Stamps): Promise<void> {
    for (const b of budgets) await this.window(b).acquire(urgent, signal, false, stamps);
  }

  /**
   * Take one slot from every budget if each has one free right now, else none; never waits
   * (for callers with a cheaper alternative when a budget is spent, e.g. Slack posting instead
   * of streaming).
   */
  tryAcquire(budgets: RateBudget | readonly RateBudget[], stamps?: Stamps): boolean {
    const windows = (Array.isArray(budgets) ? budgets : [budgets]).map((b: RateBudget) => this.window(b));
    if (!windows.every((w) => w.canTakeFree())) return false;
    for (const w of windows) w.take(undefined, stamps);
    return true;
  }

  /**
   * Hold one slot in every budget for `holder`'s final edit, or none when one is full. Every ask
   * counts as demand (see canProgress), granted or not.
   */
  reserve(budgets: readonly RateBudget[], holder: BudgetHolder): Hold | undefined {
    const windows = budgets.map((b) => this.window(b));
    for (const w of windows) w.ask(holder);
    if (!windows.every((w) => w.used() + w.held < w.limit)) return undefined;
    for (const w of windows) w.held++;
    return new Hold(windows);
  }

  /** A progress grant from every budget for `holder`, or none; never waits (see the file comment). */
  tryProgress(budgets: readonly RateBudget[], holder: BudgetHolder, stamps?: Stamps): boolean {
    const windows = budgets.map((b) => this.window(b));
    for (const w of windows) w.active.add(holder);
    if (!windows.every((w) => w.canProgress(holder))) return false;
    for (const w of windows) w.take(holder, stamps);
    return true;
  }

  /** A collector for the grants of one call; done() once the call has finished. */
  stamps(): Stamps {
    return new Stamps();
  }

  /** `holder` takes no more progress grants: its share goes to the others. */
  leave(holder: BudgetHolder): void {
    for (const w of this.windows.values()) w.active.delete(holder);
  }

  /** Grants within the current window (for tests and metrics). */
  used(b: RateBudget): number {
    return this.window(b).used();
  }

  /** Slots held for finals (for tests and metrics). */
  held(b: RateBudget): number {
    return this.window(b).held;
  }
}
