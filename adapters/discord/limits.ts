// Discord's limits as Palaver uses them. Sources: ../shared/docs/platform-facts.md (Discord).
import type { RateBudget, SurfaceLimits } from "../../src/types.ts";

/** Message content holds at most 2,000 characters. */
export const MAX_MESSAGE_LENGTH = 2000;

/** Thread names are 1–100 characters. */
export const MAX_THREAD_NAME_LENGTH = 100;

/**
 * Message edits per channel. Discord does not document the edit limit (its rate limits are per
 * route bucket, https://discord.com/developers/docs/topics/rate-limits); the common observation
 * is about 5 edits per 5 s per channel, shared by every message in that channel. We use all 5,
 * counted over 5.5 s: the half second covers the gap between our grant and Discord's count
 * (network and discord.js queueing jitter), so a sixth edit never lands in one of Discord's
 * 5-second windows. Every message holds one of these for its final edit (src/reply/rate-budgets.ts),
 * so five replies streaming in one channel all finish at once. Threads are channels of their own,
 * so every thread gets its own budget.
 */
export const EDITS_PER_WINDOW = 5;
export const EDIT_WINDOW_MS = 5_500;

/**
 * New messages per channel: also ~5 per 5 s (a separate route bucket from edits). The padded
 * window alone keeps a sixth post out of any 5-second window; the full 5 lets five replies that
 * start together in one channel all show their first text at once.
 */
export const POSTS_PER_WINDOW = 5;
export const POST_WINDOW_MS = 5_500;

/**
 * Gap between two edits of one message: a lone reply spreads the window evenly over its progress
 * edits, one slot being held for its final edit.
 */
export const EDIT_INTERVAL_MS = EDIT_WINDOW_MS / (EDITS_PER_WINDOW - 1);

/**
 * Appended while a reply is still streaming. Discord shows no streaming state of its own once the
 * message is posted (typing stops when the bot posts), so a trailing ellipsis says "more coming".
 */
export const STREAMING_INDICATOR = " …";

/**
 * An interaction must be answered within 3 s, else deferred (its token then lives 15 min).
 * We defer when the command has not finished after 1.5 s, leaving 1.5 s for the answer to reach
 * Discord.
 */
export const DEFER_AFTER_MS = 1_500;

/** Messages per page when listing a channel (Discord's maximum). */
export const FETCH_PAGE_SIZE = 100;

/**
 * A thread is read back at most this far (newest first); older messages fall outside any model's
 * context window anyway (200k tokens ≈ 800k characters ≈ 400 full-length messages).
 */
export const MAX_THREAD_MESSAGES = 1000;

/**
 * A DM is read back one page deep (the newest 100 messages) before each reply: enough to pick up
 * what was said while Palaver was down (no gateway event is replayed into a new session), while
 * the stored history, bounded by the context window, carries the rest of the running conversation.
 */
export const MAX_DM_MESSAGES = FETCH_PAGE_SIZE;

/** A reply chain is walked at most this many messages up. */
export const MAX_CHAIN_LENGTH = 200;

export function editBudget(channel: string): RateBudget {
  return { key: `discord:edit:${channel}`, limit: EDITS_PER_WINDOW, windowMs: EDIT_WINDOW_MS };
}

export function postBudget(channel: string): RateBudget {
  return { key: `discord:post:${channel}`, limit: POSTS_PER_WINDOW, windowMs: POST_WINDOW_MS };
}

export function surfaceLimits(channel: string): SurfaceLimits {
  return {
    maxMessageLength: MAX_MESSAGE_LENGTH,
    editIntervalMs: EDIT_INTERVAL_MS,
    editBudgets: [editBudget(channel)],
    postBudgets: [postBudget(channel)],
    streamingIndicator: STREAMING_INDICATOR,
  };
}
