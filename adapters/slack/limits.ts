// Slack's limits as Palaver uses them. Sources: ../shared/docs/platform-facts.md ("Slack"), which
// cites Slack's docs and the tier table of Slack's Java SDK (MethodsRateLimits.java).
import type { RateBudget } from "../../src/types.ts";

const MINUTE_MS = 60_000;

/**
 * Longest text Palaver puts in one Slack message. Slack truncates `text` above 40,000 characters,
 * and its chat.postMessage docs advise keeping `text` within 4,000 for readability; the core
 * continues longer replies in the next message. It also keeps every stream call under
 * `markdown_text`'s 12,000 characters and every markdown block under its 12,000 (markdown.ts).
 */
export const MAX_MESSAGE_CHARS = 4_000;

/** chat.update is Tier 3: 50+ per minute per workspace, shared by every reply in the workspace. */
export const CHAT_UPDATE_PER_MINUTE = 50;
/**
 * We plan for 90% of it (45/min): the budget is our estimate, Slack's window is its own, and the
 * final edit of a reply must not be the one that trips a 429. The allowance is paced as 3 per 4 s
 * (any minute still holds at most 45): a per-minute window would let twenty replies spend the
 * whole minute's allowance in the first seconds and then freeze for the rest of it; paced, each
 * reply keeps moving, every few seconds.
 */
export const CHAT_UPDATE_BUDGET = { limit: 3, windowMs: 4_000 };

/**
 * chat.postMessage: about 1 message per second per channel. We allow one per 1.1 s: our clock
 * and Slack's do not agree to the millisecond.
 */
export const POST_PER_CHANNEL_BUDGET_WINDOW_MS = 1_100;

/** chat.appendStream is Tier 4 (100+/min per workspace): 90/min, paced as 3 per 2 s (see above). */
export const APPEND_STREAM_BUDGET = { limit: 3, windowMs: 2_000 };
/**
 * chat.startStream and chat.stopStream are Tier 2 (20+/min per workspace; **verify** per method),
 * 90% of it. These are the adapter's own windows (adapter.ts, on the core's Budgets): a reply that finds no
 * stream start left posts the classic way at once instead of waiting up to a minute.
 */
export const START_STREAM_PER_MINUTE = 18;
export const STOP_STREAM_PER_MINUTE = 18;

/**
 * Gap between two edits of one message. One edit a second reads as live typing; the shared
 * workspace budgets slow it down further when many replies stream at once.
 */
export const EDIT_INTERVAL_MS = 1_000;

/**
 * The "is thinking…" status lasts 2 minutes unless the bot posts; the core asks every few
 * seconds, so we only re-send it when it is about to expire (saves a call per ask).
 */
export const THINKING_STATUS_REFRESH_MS = 90_000;

/** conversations.replies page size: default 100, max 999; Slack recommends no more than 200. */
export const REPLIES_PAGE_SIZE = 200;

/** Display names rarely change; an hour keeps users.info (Tier 4) calls rare. */
export const USER_CACHE_TTL_MS = 60 * MINUTE_MS;
/** A failed lookup (deactivated user, Slack Connect) is retried sooner. */
export const USER_CACHE_FAILURE_TTL_MS = 5 * MINUTE_MS;

export function chatUpdateBudget(team: string): RateBudget {
  return { key: `slack:${team}:chat.update`, ...CHAT_UPDATE_BUDGET };
}

export function postBudget(team: string, channel: string): RateBudget {
  return { key: `slack:${team}:${channel}:chat.postMessage`, limit: 1, windowMs: POST_PER_CHANNEL_BUDGET_WINDOW_MS };
}

export function appendStreamBudget(team: string): RateBudget {
  return { key: `slack:${team}:chat.appendStream`, ...APPEND_STREAM_BUDGET };
}

export const MINUTE = MINUTE_MS;
