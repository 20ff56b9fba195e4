// How a reply ends: Claude's text as shown, plus a short note only when something happened
// (design.md, "Finish"), and the status and outcome that go with it.
import type { HandleOutcome } from "../types.ts";
import type { ClaudeResult } from "../claude/client.ts";
import type { BuiltHistory } from "../context/history.ts";
import * as notes from "./notes.ts";

export type FinalStatus = "complete" | "interrupted" | "failed";

export function finalReply(
  shown: string,
  result: ClaudeResult,
  history: BuiltHistory,
  model: string,
  aborted: boolean,
): { text: string; status: FinalStatus; outcome: HandleOutcome } {
  const extra: string[] = [];
  let status: FinalStatus = "complete";
  let outcome: HandleOutcome = "replied";
  let body = shown;
  if (history.nothingToAnswer) {
    body = notes.NOTHING_READABLE_TEXT;
  } else if (aborted) {
    extra.push(notes.INTERRUPTED_NOTE);
    status = "interrupted";
  } else if (result.error) {
    if (shown === "") {
      body = notes.errorText(result.error.code, model);
      status = "failed";
      outcome = "failed";
    } else {
      extra.push(notes.STREAM_BROKE_NOTE);
      status = "interrupted";
    }
  } else if (result.stopReason === "refusal") {
    if (shown === "") body = notes.REFUSAL_TEXT;
    else extra.push(notes.REFUSAL_NOTE);
  } else if (result.stopReason === "max_tokens" || result.stopReason === "model_context_window_exceeded") {
    extra.push(notes.MAX_TOKENS_NOTE);
  } else if (shown.trim() === "") {
    body = notes.EMPTY_REPLY_TEXT;
  }
  if (history.truncatedNewMessage) extra.push(notes.TRUNCATED_INPUT_NOTE);
  if (history.dropped > 0) extra.push(notes.droppedNote(history.dropped));
  extra.push(...history.fileNotes);
  if (result.webErrors && result.webErrors.length > 0) extra.push(notes.webErrorNote(result.webErrors));
  if (result.sources && result.sources.length > 0 && body === shown) extra.push(notes.sourcesNote(result.sources));
  const text = extra.length > 0 ? `${body}${body === "" ? "" : "\n\n"}${extra.join("\n")}` : body;
  return { text, status, outcome };
}

/** The stored copy of a reply is Claude's words: our trailing note is taken off. */
export function stripNote(raw: string, note: string): string {
  return note !== "" && raw.endsWith(note) ? raw.slice(0, raw.length - note.length) : raw;
}
