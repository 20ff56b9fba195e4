// The part of a reply after admission: stream Claude's answer onto the surface (retrying within the
// context window, src/pipeline/context-retry.ts), show the final text with its note, and settle
// the reply's stored status.
import type { HandleOutcome, InboundMessage } from "../types.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { ClaudeClient } from "../claude/client.ts";
import type { UsageRecorder } from "../usage/recorder.ts";
import type { AttachmentStore } from "../store/attachments.ts";
import type { ReplyStore } from "../store/replies.ts";
import type { ReplyRenderer } from "../reply/renderer.ts";
import type { Admission } from "../admission/gate.ts";
import { finalReply } from "../reply/final-reply.ts";
import { streamWithContextRetry, type Attempt } from "./context-retry.ts";
import type { RequestHistory } from "./request-history.ts";

export interface StreamReplyDeps {
  claude: ClaudeClient;
  usage: UsageRecorder;
  logger: Logger;
  blobs: AttachmentStore;
  replies: ReplyStore;
  clock: Clock;
  /** Replies streaming now, by id: a shutdown aborts what is left of them after the grace period. */
  inFlight: Map<string, AbortController>;
}

/** Stream Claude's answer onto the surface and finish it; returns how it went. */
export async function streamReply(
  deps: StreamReplyDeps,
  message: InboundMessage,
  renderer: ReplyRenderer,
  reply: { id: string; admission: Admission },
  request: { model: string; maxTokens: number; system: string; web?: { maxUses: number } },
  history: RequestHistory,
  setNote: (note: string) => void,
): Promise<HandleOutcome> {
  const { logger, clock, inFlight } = deps;
  const { model } = request;
  const { id: replyId, admission } = reply;
  const attemptDeps = { claude: deps.claude, usage: deps.usage, logger, blobs: deps.blobs, admission };
  const abort = new AbortController();
  inFlight.set(replyId, abort);
  let attempt: Attempt;
  try {
    attempt = await streamWithContextRetry(
      attemptDeps,
      message,
      replyId,
      request,
      renderer,
      history.historyFor,
      history.contextBudget,
      abort.signal,
      history.first,
    );
  } finally {
    inFlight.delete(replyId);
  }
  const { result, shown, history: sent } = attempt;

  const { text: finalText, status, outcome } = finalReply(shown, result, sent, model, abort.signal.aborted);
  setNote(finalText.slice(shown.length));
  await renderer.finish(finalText);
  // The parts' texts were stored by the hooks during finish(); now settle their status.
  await deps.replies.finish(replyId, status, clock.now());
  if (result.error) {
    logger.error({ code: result.error.code, err: result.error.message, reply: replyId, model }, "Claude request failed");
  }
  return outcome;
}
