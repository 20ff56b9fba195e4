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

/**
 * Slack counts each method's calls in a window of one minute per workspace ("Tier 3: 50+ per
 * minute", https://api.slack.com/docs/rate-limits). Our windows are a second longer: our clock
 * and Slack's do not agree to the millisecond, and a grant at the very end of our window must
 * not land inside Slack's previous one. A burst still gets the whole allowance at once.
 */
export const SLACK_WINDOW_MS = 61_000;

/** chat.update is Tier 3 (50+ per minute per workspace), shared by every reply in the workspace. */
export const CHAT_UPDATE_PER_MINUTE = 50;

/**
 * chat.postMessage: "1 message per second" per channel, with short bursts tolerated (Slack's
 * rate-limit docs). We allow one per 1.1 s: our clock and Slack's do not agree to the millisecond.
 */
export const POST_PER_CHANNEL_BUDGET_WINDOW_MS = 1_100;

/** chat.appendStream is Tier 4 (100+ per minute per workspace). */
export const APPEND_STREAM_PER_MINUTE = 100;
/**
 * chat.startStream and chat.stopStream are Tier 2 (20+ per minute per workspace each). A stream
 * start holds a stop for its message (src/reply/rate-budgets.ts), so every stream opened can be
 * closed at once; a reply that finds no start left posts the classic way at once.
 */
export const START_STREAM_PER_MINUTE = 20;
export const STOP_STREAM_PER_MINUTE = 20;

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
/** Most users kept at once (about 1 MB): beyond it the least recently looked up are dropped. */
export const USER_CACHE_MAX_ENTRIES = 5_000;

export function chatUpdateBudget(team: string): RateBudget {
  return { key: `slack:${team}:chat.update`, limit: CHAT_UPDATE_PER_MINUTE, windowMs: SLACK_WINDOW_MS };
}

export function postBudget(team: string, channel: string): RateBudget {
  return { key: `slack:${team}:${channel}:chat.postMessage`, limit: 1, windowMs: POST_PER_CHANNEL_BUDGET_WINDOW_MS };
}

export function appendStreamBudget(team: string): RateBudget {
  return { key: `slack:${team}:chat.appendStream`, limit: APPEND_STREAM_PER_MINUTE, windowMs: SLACK_WINDOW_MS };
}

export function startStreamBudget(team: string): RateBudget {
  return { key: `slack:${team}:chat.startStream`, limit: START_STREAM_PER_MINUTE, windowMs: SLACK_WINDOW_MS };
}

export function stopStreamBudget(team: string): RateBudget {
  return { key: `slack:${team}:chat.stopStream`, limit: STOP_STREAM_PER_MINUTE, windowMs: SLACK_WINDOW_MS };
}
