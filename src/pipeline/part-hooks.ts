// What the renderer tells the store while a reply is shown: each platform message that holds a
// part of the reply becomes a stored assistant message, and its text is saved as it grows, so a
// crash loses little and the next request's history has the answer in the right place.
import type { InboundMessage } from "../types.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { ConversationStore } from "../store/conversations.ts";
import type { RendererHooks } from "../reply/renderer.ts";
import { stripNote } from "../reply/final-reply.ts";
import { describeError } from "../errors.ts";

/**
 * How often a streaming reply's text is saved. Saving every edit costs a database write per edit
 * (the top item of a 500-reply profile); after a crash the reply is finished from the saved text,
 * so at most this much of what was shown is lost.
 */
export const PERSIST_PROGRESS_MS = 1_000;

/** Orders a reply's parts right after the message they answer (created_at may be fractional). */
export const REPLY_ORDER_EPSILON_MS = 0.001;

export interface PartHookDeps {
  conversations: ConversationStore;
  clock: Clock;
  logger: Logger;
}

/** The hooks for one reply; `note()` is the note added to its text, which the stored copy leaves out. */
export function partHooks(deps: PartHookDeps, message: InboundMessage, replyId: string, note: () => string): RendererHooks {
  const { conversations, clock, logger } = deps;
  const persistedAt = new Map<string, number>();
  return {
    onPost: (index, id, raw) =>
      conversations.insertPart({
        id,
        conversationId: message.conversationId,
        replyId,
        part: index,
        authorId: `${message.platform}:palaver`,
        authorName: "Palaver",
        content: stripNote(raw, note()),
        status: "streaming",
        // Anchored just after the message it answers, not at post time: a message that arrived
        // while this reply was thinking must sort after it, or the next request would see the two
        // questions merged and this answer missing.
        createdAt: message.createdAt + REPLY_ORDER_EPSILON_MS * (index + 1),
      }),
    onUpdate: (_index, id, raw, final) => {
      // Progress is saved at most every PERSIST_PROGRESS_MS (a crash loses at most that much of
      // the shown text); final texts always are.
      const now = clock.now();
      if (!final && now - (persistedAt.get(id) ?? 0) < PERSIST_PROGRESS_MS) return Promise.resolve();
      persistedAt.set(id, now);
      return conversations.updatePart(id, stripNote(raw, note()), "streaming", now);
    },
    onError: (err) => logger.warn({ err: describeError(err), reply: replyId }, "a post or edit failed; it will be retried"),
  };
}
