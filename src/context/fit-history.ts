// The history a request sends: the stored thread read back from its recent end, built into
// alternating turns that fit the token budget, and (with PALAVER_COUNT_TOKENS) checked against the
// API's exact count, shrinking until it fits.
import type { InboundMessage } from "../types.ts";
import type { Logger } from "../runtime/log.ts";
import type { ConversationStore, StoredMessage } from "../store/conversations.ts";
import type { AttachmentStore } from "../store/attachments.ts";
import { fillFiles } from "./files/fill.ts";
import type { ClaudeClient } from "../claude/client.ts";
import { describeError } from "../errors.ts";
import { buildHistory, CHARS_PER_TOKEN, estimateTextTokens, type BuiltHistory } from "./history.ts";

/** Characters read back past what the budget can hold: buildHistory drops the rest. */
const READ_BACK_SLACK_TOKENS = 1_000;

/** Rounds of exact counting before the estimate stands: each round shrinks by the measured error. */
const COUNT_ROUNDS = 3;

/** Aim this far under the exact budget on a recount, so the next round usually fits. */
const RECOUNT_HEADROOM = 0.95;

export interface FitDeps {
  conversations: ConversationStore;
  blobs: AttachmentStore;
  claude: ClaudeClient;
  logger: Logger;
  /** PALAVER_COUNT_TOKENS: ask the API for the exact count. */
  countTokens: boolean;
}

export async function fitHistory(
  deps: FitDeps,
  message: InboundMessage,
  request: { model: string; system: string; contextWindow: number; withoutFiles?: boolean },
  budgetTokens: number,
): Promise<BuiltHistory> {
  const { messages: stored, olderUnread, named } = await deps.conversations.listRecent(
    message.conversationId,
    message.createdAt,
    (budgetTokens + READ_BACK_SLACK_TOKENS) * CHARS_PER_TOKEN,
  );
  await markRejected(stored, deps.blobs);
  const options = { named, model: request.model, contextWindow: request.contextWindow, withoutFiles: request.withoutFiles };
  const build = async (budget: number) => {
    const b = buildHistory(stored, message.id, { ...options, budgetTokens: budget });
    await fillFiles(b, { blobs: deps.blobs, uploader: deps.claude.files, logger: deps.logger });
    return b;
  };
  let built = await build(budgetTokens);
  if (deps.countTokens) {
    const systemTokens = estimateTextTokens(request.system);
    for (let round = 0; round < COUNT_ROUNDS; round++) {
      let exact: number;
      try {
        exact = await deps.claude.countTokens({ model: request.model, maxTokens: 1, system: request.system, messages: built.messages });
      } catch (err) {
        // Counting is an optimisation: the estimate (with its margin) still stands, and the
        // request itself will report a real problem (a bad key, an outage) to the user.
        deps.logger.warn({ err: describeError(err) }, "count_tokens failed; using the estimate");
        break;
      }
      if (exact - systemTokens <= budgetTokens || built.messages.length <= 1) break;
      const ratio = budgetTokens / Math.max(1, exact - systemTokens);
      built = await build(Math.floor(built.estimatedTokens * ratio * RECOUNT_HEADROOM));
    }
  }
  return { ...built, dropped: built.dropped + olderUnread };
}

/** Files Claude refused before are left out with the reason, instead of failing the thread again. */
async function markRejected(stored: StoredMessage[], blobs: AttachmentStore): Promise<void> {
  for (const m of stored) {
    for (const ref of m.attachments ?? []) {
      const rejected = ref.hash !== undefined && ref.problem === undefined ? await blobs.rejection(ref.hash) : undefined;
      if (rejected !== undefined) ref.problem = rejected;
    }
  }
}
