// Shared request budgets for platform calls (one window is src/reply/sliding-window.ts). Every reply streaming in the process draws from the
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
import { SlidingWindow, Stamps, type BudgetHolder } from "./sliding-window.ts";

export { BudgetWaitAborted, DEMAND_LOOKBACK_MS, Stamps, type BudgetHolder } from "./sliding-window.ts";

/** Idle windows are dropped once this many exist (per-channel keys would otherwise only grow). */
export const SWEEP_AT_WINDOWS = 256;

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
