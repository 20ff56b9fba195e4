// The reply the fake Claude gives in the concurrency bench, derived from the question's marker, so
// the bench can check that every reply arrived exactly, with no text crossed between replies.
import { lastUserText } from "../../test/fakes/claude-wire.ts";
import type { FakeReplyScript, MessagesBody } from "../../test/fakes/claude.ts";

export const REPLY_CHARS = 200;
/** Small deltas at a steady pace: each reply streams for ~1 s, so 500 of them overlap. */
export const CHUNK_CHARS = 4;
export const CHUNK_DELAY_MS = 20;

const FILLER = "Streaming many replies at once must keep each one intact and in order. ";

export function replyFor(key: string): string {
  const head = `Reply ${key}: `;
  return (head + FILLER.repeat(Math.ceil(REPLY_CHARS / FILLER.length))).slice(0, REPLY_CHARS);
}

export function scriptedResponder(body: MessagesBody): FakeReplyScript {
  const key = /\[bench:([^\]]+)\]/.exec(lastUserText(body))?.[1] ?? "?";
  return { text: replyFor(key), chunkSize: CHUNK_CHARS, chunkDelayMs: CHUNK_DELAY_MS, firstTokenDelayMs: 0 };
}
