// Exactly one message per reply part on Slack. Posts are never retried blindly (a 5xx or a
// dropped connection may come after Slack stored the message): each chat.postMessage carries
// message metadata naming its reply and part ("Message metadata" docs: {event_type,
// event_payload}), and after an ambiguous failure the thread is read back, with
// include_all_metadata (conversations.replies: "Return all metadata associated with this
// message"), to find the message before anything is posted again.
//
// chat.startStream takes no metadata (chat.startStream docs; @slack/web-api's
// ChatStartStreamArguments has none), so a stream is tagged when it is stopped. A lost stream
// start is then recognised as Palaver's own message in the thread that is still untagged (a
// stream not stopped yet: only the reply running in this thread has one, replies in a thread run
// one at a time) and no older than the call.
import { webApi } from "@slack/bolt";
import type { PostKey } from "../../src/types.ts";
import { slackErrorCode } from "./errors.ts";
import { REPLIES_PAGE_SIZE } from "./limits.ts";
import { tsToMillis } from "./wire.ts";

/** The event_type of Palaver's reply parts. */
export const PART_EVENT_TYPE = "palaver_reply_part";

/** Slack's clock and ours may differ a little: a lost stream start may look this much older. */
const CLOCK_SKEW_MS = 5_000;

export interface PartMetadata {
  event_type: string;
  event_payload: { reply_id: string; part: number };
}

export function partMetadata(key: PostKey): PartMetadata {
  return { event_type: PART_EVENT_TYPE, event_payload: { reply_id: key.replyId, part: key.part } };
}

/**
 * A failure after which the message may exist: no answer from Slack (a reset, a timeout) or an
 * HTTP error. Slack's own refusals ({ok: false, error}) and rate limits (429) wrote nothing.
 */
export function isAmbiguous(err: unknown): boolean {
  if (slackErrorCode(err) !== undefined) return false;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === webApi.ErrorCode.RateLimitedError) return false;
  return true;
}

export interface LostPostQuery {
  channel: string;
  threadTs: string;
  key: PostKey;
  /** When the failed call was made (ms since the epoch). */
  sinceMs: number;
  /** Look for an untagged message too (the failed call was a chat.startStream). */
  streamStart: boolean;
  /** Messages this reply already knows (their ts). */
  known: ReadonlySet<string>;
  /** Palaver's bot user id. */
  botUserId?: string;
}

export interface FoundPost {
  ts: string;
  /** Found untagged: a native stream still open. */
  streaming: boolean;
}

/** Palaver's own message for `key` in the thread, if the failed call stored it. */
export async function findLostPost(client: webApi.WebClient, q: LostPostQuery): Promise<FoundPost | undefined> {
  let cursor: string | undefined;
  let untagged: FoundPost | undefined;
  do {
    const page = await client.conversations.replies({
      channel: q.channel,
      ts: q.threadTs,
      limit: REPLIES_PAGE_SIZE,
      cursor,
      include_all_metadata: true,
    });
    for (const raw of page.messages ?? []) {
      const m = raw as { ts?: string; user?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } };
      if (!m.ts || q.known.has(m.ts)) continue;
      const meta = m.metadata;
      if (meta?.event_type === PART_EVENT_TYPE) {
        if (meta.event_payload?.reply_id === q.key.replyId && Number(meta.event_payload?.part) === q.key.part) {
          return { ts: m.ts, streaming: false };
        }
        continue;
      }
      const mine = q.botUserId !== undefined && m.user === q.botUserId;
      if (q.streamStart && mine && !meta && tsToMillis(m.ts) >= q.sinceMs - CLOCK_SKEW_MS) untagged = { ts: m.ts, streaming: true };
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return untagged;
}
