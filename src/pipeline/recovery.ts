// Start-up recovery: a reply that was streaming when the process died has its last message edited
// to end with the interrupted note, and is stored as interrupted. The question is not answered
// again by itself; the note invites the user to ask again.
import type { Adapter } from "../types.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { ReplyStore } from "../store/replies.ts";
import type { Budgets } from "../reply/rate-budgets.ts";
import { INTERRUPTED_NOTE } from "../reply/notes.ts";
import { describeError } from "../errors.ts";

export interface RecoveryDeps {
  replies: ReplyStore;
  budgets: Budgets;
  clock: Clock;
  logger: Logger;
}

/** Finish every reply of `adapter`'s platform that a crash left streaming; returns how many. */
export async function recoverInterrupted(deps: RecoveryDeps, adapter: Adapter): Promise<number> {
  const { replies, budgets, clock, logger } = deps;
  const unfinished = replies.unfinished(adapter.platform);
  for (const reply of unfinished) {
    const parts = replies.parts(reply.id);
    try {
      const last = parts[parts.length - 1];
      if (last) {
        // Earlier parts were sealed (given their final text) before the next was posted, so
        // only the last message needs the note.
        const surface = adapter.reopen(reply.address);
        const body = last.content.trim() === "" ? INTERRUPTED_NOTE : `${last.content}\n\n${INTERRUPTED_NOTE}`;
        const withNote = surface.format(body);
        await budgets.acquire(surface.limits.editBudgets, true);
        if (withNote.length <= surface.limits.maxMessageLength) {
          await surface.edit(last.id, withNote, true);
        } else {
          await surface.edit(last.id, surface.format(last.content), true);
          await budgets.acquire(surface.limits.postBudgets, true);
          await surface.post(surface.format(INTERRUPTED_NOTE), true);
        }
      }
    } catch (err) {
      // The platform would not take the edit (message deleted, channel gone…): the reply is
      // still over, so it is recorded as interrupted either way.
      logger.warn({ err: describeError(err), reply: reply.id }, "could not add the interrupted note to a reply left by a crash");
    }
    replies.finish(reply.id, "interrupted", clock.now());
    logger.info({ reply: reply.id, platform: adapter.platform }, "reply interrupted by a restart was finalized");
  }
  return unfinished.length;
}
