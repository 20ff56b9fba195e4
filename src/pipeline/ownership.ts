// Reply ownership (issue 12), designed for several Palaver instances sharing one database. Each
// process has an instance id and a heartbeat row; every reply and queued message records its
// owner. Every ADOPTION_INTERVAL_MS, each instance finishes the work of instances whose heartbeat
// is older than INSTANCE_STALE_MS (src/pipeline/recovery.ts): an orphaned reply is finished with
// the interrupted note within HEARTBEAT_INTERVAL_MS + INSTANCE_STALE_MS + ADOPTION_INTERVAL_MS
// (12 s, under the 15 s promised), and a live instance's work is never touched. On the same
// machine no waiting is needed: an instance whose process no longer exists (or whose pid is now
// this process's, as after a container restart) is gone at once, so a restart right after a crash
// finishes the crashed process's work at start-up.
import os from "node:os";
import type { Adapter, HandleOutcome } from "../types.ts";
import type { InstanceStore } from "../store/instances.ts";
import type { ConversationLeases } from "./leases.ts";
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
/**
 * Instances running in this very process (tests run several Apps in one process): a row with this
 * process's pid is someone else's only if it is listed here; otherwise it is a previous process
 * that had the same pid (a container restarted) and is gone.
 */
const LIVE_IN_THIS_PROCESS = new Set<string>();
/** Rows of instances unseen this long are deleted (their work already counts as orphaned). */
const INSTANCE_ROW_TTL_MS = 24 * 60 * 60 * 1000;

export interface OwnershipDeps extends Omit<RecoveryDeps, "instanceId"> {
  instances: InstanceStore;
  /** This instance's conversation leases, renewed with each heartbeat. */
  leases: ConversationLeases;
  /** Drops budget reservations that dead instances never released (src/admission/budget.ts). */
  pruneReservations(): Promise<number>;
}

export class Ownership {
  private adapters: Adapter[] = [];
  private heartbeatTimer?: ReturnType<typeof setInterval>;
  private adoptionTimer?: ReturnType<typeof setInterval>;
  /** The adoption pass running now, if any (passes never overlap). */
  private pass?: Promise<void>;
  /** The heartbeat being written, if any (beats never overlap). */
  private beating?: Promise<void>;
  /** Replies answering adopted messages, until they settle (awaited on stop). */
  private readonly resumed = new Set<Promise<HandleOutcome>>();

  constructor(
    /** This process's instance id: stored as the owner of each reply and queued message. */
    readonly instanceId: string,
    private readonly deps: OwnershipDeps,
  ) {}

  private readonly where = { host: os.hostname(), pid: process.pid };

  /** Create this instance's heartbeat row; call before anything is accepted. */
  async register(): Promise<void> {
    LIVE_IN_THIS_PROCESS.add(this.instanceId);
    await this.deps.instances.heartbeat(this.instanceId, this.where, this.deps.clock.now());
    await this.share(this.deps.clock.now());
  }

  /** Split each platform rate window between the instances alive now (this one included). */
  private async share(now: number): Promise<void> {
    this.deps.budgets.shareWith(await this.deps.instances.live(now - INSTANCE_STALE_MS));
  }

  /** Drop the rows of instances on this machine whose process is gone: their work is orphaned now. */
  private async reapLocal(): Promise<void> {
    const { instances, logger } = this.deps;
    for (const peer of await instances.onHost(this.where.host, this.instanceId)) {
      const alive = peer.pid === this.where.pid ? LIVE_IN_THIS_PROCESS.has(peer.id) : processExists(peer.pid);
      if (alive) continue;
      await instances.remove(peer.id);
      logger.info({ instance: peer.id, pid: peer.pid }, "an instance on this machine is gone; adopting its work");
    }
  }

  /** Adopt what dead instances left on these adapters' platforms now, then keep checking. */
  async start(adapters: Adapter[]): Promise<void> {
    this.adapters = adapters;
    await this.adoptOnce();
    this.heartbeatTimer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, HEARTBEAT_INTERVAL_MS);
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
    try {
      await this.reapLocal();
    } catch (err) {
      logger.warn({ err: describeError(err) }, "could not check the instances on this machine");
    }
    for (const adapter of this.adapters) {
      try {
        const staleBefore = clock.now() - INSTANCE_STALE_MS;
        await recoverInterrupted(recovery, adapter, staleBefore);
        for (const reply of await replayInbox(recovery, adapter, staleBefore)) {
          this.resumed.add(reply);
          void reply.finally(() => this.resumed.delete(reply));
        }
      } catch (err) {
        // SQLITE_BUSY or a platform error: the next pass tries again.
        logger.warn({ err: describeError(err), platform: adapter.platform }, "could not adopt the work of stopped instances");
      }
    }
  }

  private async beat(): Promise<void> {
    const { instances, clock, logger } = this.deps;
    try {
      const now = clock.now();
      await instances.heartbeat(this.instanceId, this.where, now);
      await this.deps.leases.renew();
      await this.share(now);
      await instances.prune(now - INSTANCE_ROW_TTL_MS);
      await this.deps.pruneReservations();
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
    await this.beating;
  }

  /** After the bot drained: wait for adopted replies, then leave what is left to other instances at once. */
  async release(): Promise<void> {
    await Promise.allSettled([...this.resumed]);
    LIVE_IN_THIS_PROCESS.delete(this.instanceId);
    try {
      await this.deps.leases.releaseAll();
      await this.deps.instances.remove(this.instanceId);
    } catch (err) {
      this.deps.logger.warn({ err: describeError(err) }, "could not remove this instance's heartbeat row; others adopt its work once it is stale");
    }
  }
}

/** Does a process with this id exist? (Signal 0 checks without sending anything.) */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else. ESRCH: no such process.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
