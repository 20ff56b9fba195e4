// Reply ownership (issue 12), designed for several Palaver instances sharing one database. Each
// process has an instance id and a heartbeat row; every reply and queued message records its
// owner. Every ADOPTION_INTERVAL_MS, each instance finishes the work of instances whose heartbeat
// is older than INSTANCE_STALE_MS (src/pipeline/recovery.ts): an orphaned reply is finished with
// the interrupted note within HEARTBEAT_INTERVAL_MS + INSTANCE_STALE_MS + ADOPTION_INTERVAL_MS
// (12 s, under the 15 s promised), and a live instance's work is never touched.
import type { Adapter, HandleOutcome } from "../types.ts";
import type { InstanceStore } from "../store/instances.ts";
import { describeError } from "../errors.ts";
import { recoverInterrupted, replayInbox, type RecoveryDeps } from "./recovery.ts";

/** How often an instance says it is alive. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/**
 * A heartbeat this old means the instance is gone: four missed beats. Long enough that a busy
 * event loop (or a slow disk under SQLite's busy timeout, 5 s) is not mistaken for death.
 */
export const INSTANCE_STALE_MS = 8_000;
/** How often orphaned work is looked for, not only at start-up (another instance may die). */
export const ADOPTION_INTERVAL_MS = 2_000;
/** Rows of instances unseen this long are deleted (their work already counts as orphaned). */
const INSTANCE_ROW_TTL_MS = 24 * 60 * 60 * 1000;

export interface OwnershipDeps extends Omit<RecoveryDeps, "instanceId"> {
  instances: InstanceStore;
}

export class Ownership {
  private adapters: Adapter[] = [];
  private heartbeatTimer?: ReturnType<typeof setInterval>;
  private adoptionTimer?: ReturnType<typeof setInterval>;
  /** The adoption pass running now, if any (passes never overlap). */
  private pass?: Promise<void>;
  /** Replies answering adopted messages, until they settle (awaited on stop). */
  private readonly resumed = new Set<Promise<HandleOutcome>>();

  constructor(
    /** This process's instance id: stored as the owner of each reply and queued message. */
    readonly instanceId: string,
    private readonly deps: OwnershipDeps,
  ) {}

  /** Create this instance's heartbeat row; call before anything is accepted. */
  register(): void {
    this.deps.instances.heartbeat(this.instanceId, this.deps.clock.now());
  }

  /** Adopt what dead instances left on these adapters' platforms now, then keep checking. */
  async start(adapters: Adapter[]): Promise<void> {
    this.adapters = adapters;
    await this.adoptOnce();
    this.heartbeatTimer = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
    this.adoptionTimer = setInterval(() => {
      this.pass ??= this.adoptOnce().finally(() => (this.pass = undefined));
    }, ADOPTION_INTERVAL_MS);
    this.heartbeatTimer.unref();
    this.adoptionTimer.unref();
  }

  /** One adoption pass over every adapter; errors are logged, never thrown (a timer runs it). */
  async adoptOnce(): Promise<void> {
    const { clock, logger } = this.deps;
    const recovery: RecoveryDeps = { ...this.deps, instanceId: this.instanceId };
    for (const adapter of this.adapters) {
      try {
        const staleBefore = clock.now() - INSTANCE_STALE_MS;
        await recoverInterrupted(recovery, adapter, staleBefore);
        for (const reply of replayInbox(recovery, adapter, staleBefore)) {
          this.resumed.add(reply);
          void reply.finally(() => this.resumed.delete(reply));
        }
      } catch (err) {
        // SQLITE_BUSY or a platform error: the next pass tries again.
        logger.warn({ err: describeError(err), platform: adapter.platform }, "could not adopt the work of stopped instances");
      }
    }
  }

  private beat(): void {
    const { instances, clock, logger } = this.deps;
    try {
      const now = clock.now();
      instances.heartbeat(this.instanceId, now);
      instances.prune(now - INSTANCE_ROW_TTL_MS);
    } catch (err) {
      // A missed beat is not fatal: others wait INSTANCE_STALE_MS (four beats) before adopting.
      logger.warn({ err: describeError(err) }, "could not record the heartbeat");
    }
  }

  /** Stop the timers and wait for the adoption pass in progress (replies are drained by the bot). */
  async stopChecking(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.adoptionTimer);
    await this.pass;
  }

  /** After the bot drained: wait for adopted replies, then leave what is left to other instances at once. */
  async release(): Promise<void> {
    await Promise.allSettled([...this.resumed]);
    try {
      this.deps.instances.remove(this.instanceId);
    } catch (err) {
      this.deps.logger.warn({ err: describeError(err) }, "could not remove this instance's heartbeat row; others adopt its work once it is stale");
    }
  }
}
