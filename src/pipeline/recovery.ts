// Finishing what a dead process left (issue 9 item 4, issue 12 reply ownership). Run at start-up and
// every few seconds by src/pipeline/ownership.ts, only for work whose owner instance is gone
// (src/store/instances.ts): a live instance's replies are never touched, this process's own
// included.
//  - A reply left streaming has its last message edited to end with the interrupted note (or, when
//    the crash came before the first token, the note is posted), and is stored as interrupted. The
//    question is not answered again by itself; the note invites the user to ask again.
//  - A message accepted but still queued is answered now, as if it had just arrived.
import type { Adapter, HandleOutcome, InboundMessage, ReplySurface } from "../types.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { ReplyRecord, ReplyStore } from "../store/replies.ts";
import type { InboxStore } from "../store/inbox.ts";
import type { Budgets } from "../reply/rate-budgets.ts";
import { INTERRUPTED_NOTE } from "../reply/notes.ts";
import { describeError } from "../errors.ts";

export interface RecoveryDeps {
  replies: ReplyStore;
  inbox: InboxStore;
  budgets: Budgets;
  clock: Clock;
  logger: Logger;
  /** This instance's id: its own work is never recovered. */
  instanceId: string;
  /** Answers a queued message again (Bot.resume); resolves when its reply is finished. */
  resume(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome>;
}

/** Finish every orphaned reply of `adapter`'s platform whose owner died before `staleBefore`; returns how many. */
export async function recoverInterrupted(deps: RecoveryDeps, adapter: Adapter, staleBefore: number): Promise<number> {
  const { replies, clock, logger, instanceId } = deps;
  let finished = 0;
  for (const reply of await replies.orphaned(adapter.platform, instanceId, staleBefore)) {
    // Another live instance may be finishing the same orphan: only the one that adopts it does.
    if (!(await replies.adopt(reply, instanceId))) continue;
    await addInterruptedNote(deps, adapter, reply);
    await replies.finish(reply.id, "interrupted", clock.now());
    finished++;
    logger.info({ reply: reply.id, platform: adapter.platform, owner: reply.owner }, "reply interrupted by a stopped process was finalized");
  }
  return finished;
}

async function addInterruptedNote(deps: RecoveryDeps, adapter: Adapter, reply: ReplyRecord): Promise<void> {
  const { replies, budgets, logger } = deps;
  const parts = await replies.parts(reply.id);
  try {
    const surface = adapter.reopen(reply.address);
    const last = parts[parts.length - 1];
    if (!last) {
      // Died before the first token: nothing was posted (Slack shows "is thinking…", Discord
      // "is typing…", both of which fade), so the note is posted, never silence.
      await budgets.acquire(surface.limits.postBudgets, true);
      await surface.post(surface.format(INTERRUPTED_NOTE), true);
      return;
    }
    // Earlier parts were sealed (given their final text) before the next was posted, so only the
    // last message needs the note.
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
  } catch (err) {
    // The platform would not take the edit (message deleted, channel gone…): the reply is still
    // over, so it is recorded as interrupted either way.
    logger.warn({ err: describeError(err), reply: reply.id }, "could not add the interrupted note to a reply left by a stopped process");
  }
}

/**
 * Answer the messages a dead process accepted but had not started on. Returns the replies' promises
 * (they run in the bot's per-conversation queue, in the order the messages arrived).
 */
export async function replayInbox(deps: RecoveryDeps, adapter: Adapter, staleBefore: number): Promise<Promise<HandleOutcome>[]> {
  const { inbox, logger, instanceId } = deps;
  const started: Promise<HandleOutcome>[] = [];
  for (const entry of await inbox.orphaned(adapter.platform, instanceId, staleBefore)) {
    if (!(await inbox.adopt(entry, instanceId))) continue;
    let surface: ReplySurface;
    try {
      surface = adapter.reopen(entry.address);
    } catch (err) {
      logger.warn({ err: describeError(err), message: entry.message.id }, "cannot reach where a queued message came from; dropping it");
      await inbox.remove(entry.message.id);
      continue;
    }
    logger.info({ message: entry.message.id, platform: adapter.platform, owner: entry.owner }, "answering a message a stopped process had queued");
    started.push(deps.resume(entry.message, surface));
  }
  return started;
}
