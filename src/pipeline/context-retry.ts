// One Claude request for a reply, with the context-window retry: our token estimate is rough, so
// when the API says the context was exceeded before anything was shown, the history is trimmed to
// a smaller budget and the request is made once more. Every attempt is recorded in usage.
import type { InboundMessage } from "../types.ts";
import type { Logger } from "../runtime/log.ts";
import { apiErrorMessage, type ClaudeClient, type ClaudeResult } from "../claude/client.ts";
import type { UsageRecorder } from "../usage/recorder.ts";
import type { ReplyRenderer } from "../reply/renderer.ts";
import { fileNote, withCacheBreakpoints, type BuiltHistory, type PendingFile } from "../context/history.ts";
import type { AttachmentStore } from "../store/attachments.ts";
import type { Admission } from "../admission/gate.ts";

/** When the context is exceeded anyway, retry once with this share of the budget. */
const RETRY_BUDGET_FACTOR = 0.5;

export interface AttemptDeps {
  claude: ClaudeClient;
  usage: UsageRecorder;
  logger: Logger;
  blobs: AttachmentStore;
  /** The reply's admission: every request after the first is reserved before it is sent. */
  admission: Admission;
}

/** How the history is built for one attempt: its token budget, and whether files go with it. */
export type HistoryFor = (budgetTokens: number, options?: { withoutFiles?: boolean }) => Promise<BuiltHistory>;

/** Characters of Claude's error message quoted in the note about a refused file. */
const REFUSAL_QUOTE_CHARS = 120;

export interface Attempt {
  result: ClaudeResult;
  shown: string;
  history: BuiltHistory;
}

export async function streamWithContextRetry(
  deps: AttemptDeps,
  message: InboundMessage,
  replyId: string,
  request: { model: string; maxTokens: number; system: string; web?: { maxUses: number } },
  renderer: ReplyRenderer,
  historyFor: HistoryFor,
  contextBudget: number,
  signal: AbortSignal,
  /** The history already built for the first request (the reservation was made from it). */
  firstHistory?: BuiltHistory,
): Promise<Attempt> {
  const { model, maxTokens, system, web } = request;
  let sent = 0;
  const once = async (history: BuiltHistory): Promise<Attempt> => {
    // Nothing readable in the new message: answering would answer the previous question instead.
    if (history.nothingToAnswer) return { result: { text: "", usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0 }, usageEstimated: false, earlierAttempts: [], latencyMs: 0 }, shown: "", history };
    // Stopped (and still recorded) when showing it fails: the request is then abandoned, not
    // left running unseen, and what it produced until then is charged.
    const abandon = new AbortController();
    // The admission reserved the first request; each later one (a retry) is reserved as well, so
    // what this reply has in flight is what the budgets count (issue 9, item 1).
    if (sent++ > 0) await deps.admission.extend();
    const stream = deps.claude.stream(
      {
        model,
        maxTokens,
        system,
        messages: withCacheBreakpoints(history.messages),
        ...(web ? { web } : {}),
        beforeRetry: () => deps.admission.extend(),
      },
      AbortSignal.any([signal, abandon.signal]),
      (status) => renderer.setStatus(status),
    );
    let shown: string;
    try {
      shown = await renderer.stream(stream.deltas);
    } catch (err) {
      abandon.abort();
      // Drain what is left so the stream settles (async generators queue next() calls, so this
      // is safe even while the renderer's reader is still iterating).
      while (!(await stream.deltas[Symbol.asyncIterator]().next()).done);
      await deps.usage.record(message, replyId, model, await stream.result);
      throw err;
    }
    const result = await stream.result;
    await deps.usage.record(message, replyId, model, result);
    return { result, shown, history };
  };
  const firstAttempt = await withFilesUploadedAgain(deps, await once(firstHistory ?? (await historyFor(contextBudget))), once, historyFor, contextBudget);
  const first = await withoutRefusedFiles(deps, message.id, firstAttempt, once, historyFor, contextBudget);
  const exceeded =
    first.result.stopReason === "model_context_window_exceeded" || first.result.error?.code === "claude_context_exceeded";
  if (!exceeded || first.shown !== "") return first;
  deps.logger.warn({ reply: replyId }, "context window exceeded; retrying with a smaller history");
  return once(await historyFor(Math.floor(contextBudget * RETRY_BUDGET_FACTOR)));
}

/**
 * The uploads Claude says it does not know: deleted from the API's storage, or uploaded with a
 * key of another workspace (files belong to the workspace of the key that uploaded them). The API
 * answers 404 not_found_error (Files API docs, "Error handling": "File not found (404)").
 */
function unknownUploads(a: Attempt): PendingFile[] {
  const error = a.result.error;
  if (!error || a.shown !== "" || (error.code !== "claude_not_found" && error.code !== "claude_bad_request")) return [];
  const sent = a.history.files.filter((f) => f.fileId !== undefined);
  const said = apiErrorMessage(error);
  const named = sent.filter((f) => said.includes(f.fileId!));
  if (named.length > 0) return named;
  // A 404 that names no id but speaks of a file (not of the model) concerns every upload sent.
  return error.code === "claude_not_found" && /\bfile/i.test(said) ? sent : [];
}

/**
 * When Claude no longer knows an upload, its id is forgotten and the request is made once more:
 * building the history again uploads the file anew (src/context/files/fill.ts).
 */
async function withFilesUploadedAgain(
  deps: AttemptDeps,
  first: Attempt,
  once: (h: BuiltHistory) => Promise<Attempt>,
  historyFor: HistoryFor,
  budget: number,
): Promise<Attempt> {
  const unknown = unknownUploads(first);
  if (unknown.length === 0) return first;
  for (const f of unknown) await deps.blobs.clearFileId(f.ref.hash!, f.fileId!);
  deps.logger.warn({ files: unknown.map((f) => f.ref.name) }, "Claude does not know an uploaded file any more; uploading it again");
  return once(await historyFor(budget));
}

function filesRefused(a: Attempt): boolean {
  return a.result.error?.code === "claude_bad_request" && a.shown === "" && a.history.files.length > 0;
}

/**
 * When Claude refuses a request that carries files (a 400 our checks did not foresee: a file the
 * API cannot decode, a limit changed), the thread must not stay broken: the new message's files
 * are marked refused and the request is made without them; if it is still refused, without any
 * file. Refused files stay left out of later turns, with a note now.
 */
async function withoutRefusedFiles(
  deps: AttemptDeps,
  newMessageId: string,
  first: Attempt,
  once: (h: BuiltHistory) => Promise<Attempt>,
  historyFor: HistoryFor,
  budget: number,
): Promise<Attempt> {
  let current = first;
  for (const scope of ["new message", "all"] as const) {
    if (!filesRefused(current)) return current;
    const files = current.history.files.filter((f) => scope === "all" || f.messageId === newMessageId);
    if (files.length === 0) continue;
    const quote = current.result.error ? apiErrorMessage(current.result.error).slice(0, REFUSAL_QUOTE_CHARS) : "";
    const reason = `was refused by Claude (“${quote}”)`;
    for (const f of files) if (f.ref.hash !== undefined) await deps.blobs.markRejected(f.ref.hash, reason);
    deps.logger.warn({ files: files.map((f) => f.ref.name), scope, err: quote }, "Claude refused a request with files; retrying without them");
    current = await once(await historyFor(budget, { withoutFiles: scope === "all" }));
    // Files of the new message are named by the history itself (their problem is now set).
    for (const f of files) if (f.messageId !== newMessageId) current.history.fileNotes.push(fileNote(f.ref.name, reason));
  }
  return current;
}
