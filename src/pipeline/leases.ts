// One reply at a time per conversation across instances (issue 12). Inside one process the
// per-conversation queue (queue.ts) orders replies; across processes a lease row in the database
// (src/store/leases.ts) does: whichever instance holds a conversation's lease is the only one
// replying there. The holder's heartbeat renews it; a crashed holder's lease lapses, and its reply
// is finished with a note by the instance that adopts it (recovery.ts).
import type { LeaseStore } from "../store/leases.ts";
import type { Clock } from "../runtime/clock.ts";

/**
 * How long a lease lasts without renewal. Renewed by every heartbeat (2 s), so only a dead or
 * stuck instance lets it lapse: about when its heartbeat goes stale (INSTANCE_STALE_MS, 8 s).
 */
export const CONVERSATION_LEASE_TTL_MS = 10_000;
/** How often a reply waiting for another instance's reply in the same conversation looks again. */
export const LEASE_POLL_MS = 200;

export class ConversationLeases {
  constructor(
    private readonly store: LeaseStore,
    private readonly owner: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Wait until this instance holds the conversation's lease. Resolves false, without it, once
   * `stop()` says to give up (a shutdown began: the message stays in the inbox for later).
   */
  async take(conversationId: string, stop: () => boolean): Promise<boolean> {
    for (;;) {
      const now = this.clock.now();
      if (await this.store.acquire(conversationId, this.owner, now, now + CONVERSATION_LEASE_TTL_MS)) return true;
      if (stop()) return false;
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
  }

  release(conversationId: string): Promise<void> {
    return this.store.release(conversationId, this.owner);
  }

  /** Extend every lease this instance holds (called by its heartbeat). */
  renew(): Promise<number> {
    return this.store.renewAll(this.owner, this.clock.now() + CONVERSATION_LEASE_TTL_MS);
  }

  /** A clean stop: nothing of this instance's is in progress any more. */
  releaseAll(): Promise<void> {
    return this.store.releaseAll(this.owner);
  }
}
