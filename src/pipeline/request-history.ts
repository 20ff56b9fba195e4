// The history a reply's request is built from: the platform's thread synced into the store, then
// the recent end of it fitted to the model's context window (src/context/fit-history.ts). Built
// before the reply is admitted, because the reservation is made from the request as it will be
// sent: a first mention in the middle of a long thread reserves the whole thread.
import type { InboundMessage } from "../types.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Logger } from "../runtime/log.ts";
import type { PriceTable } from "../claude/pricing.ts";
import type { ConversationStore } from "../store/conversations.ts";
import { CONTEXT_MARGIN_TOKENS, estimateTextTokens, type BuiltHistory } from "../context/history.ts";
import { fitHistory, type FitDeps } from "../context/fit-history.ts";
import { fileTokens, PDF_PAGE_TOKENS_HIGH } from "../context/files/request-limits.ts";
import type { HistoryFor } from "./context-retry.ts";
import { describeError } from "../errors.ts";

export interface RequestHistoryDeps {
  fit: FitDeps;
  conversations: ConversationStore;
  prices: PriceTable;
  clock: Clock;
  logger: Logger;
}

export interface RequestHistory {
  first: BuiltHistory;
  /** Builds the history again for a smaller budget, or without files (the retries). */
  historyFor: HistoryFor;
  /** Tokens the history may take: the window less max_tokens, the margin and the system prompt. */
  contextBudget: number;
}

export async function requestHistory(
  deps: RequestHistoryDeps,
  message: InboundMessage,
  request: { model: string; maxTokens: number; system: string },
): Promise<RequestHistory> {
  const { model, maxTokens, system } = request;
  const contextWindow = deps.prices.contextWindow(model);
  const contextBudget = contextWindow - maxTokens - CONTEXT_MARGIN_TOKENS - estimateTextTokens(system);
  const historyFor: HistoryFor = (budget, options) => fitHistory(deps.fit, message, { model, system, contextWindow, ...options }, budget);
  if (message.fetchThread) {
    try {
      const thread = await message.fetchThread();
      await deps.conversations.sync(message.conversationId, thread, deps.clock.now());
    } catch (err) {
      // The stored copy is still a consistent history; answer from it.
      deps.logger.warn({ err: describeError(err), conversation: message.conversationId }, "could not fetch the thread; using the stored history");
    }
  }
  return { first: await historyFor(contextBudget), historyFor, contextBudget };
}

/** Input tokens of the message's own files, for the reservation: images at their resized size, PDFs per page. */
export async function messageFileTokens(conversations: ConversationStore, messageId: string, model: string): Promise<number> {
  const refs = (await conversations.get(messageId))?.attachments ?? [];
  return refs.reduce((sum, ref) => sum + (ref.problem === undefined ? fileTokens(ref, model, PDF_PAGE_TOKENS_HIGH) : 0), 0);
}
