// One Claude request for a reply, with the context-window retry: our token estimate is rough, so
// when the API says the context was exceeded before anything was shown, the history is trimmed to
// a smaller budget and the request is made once more. Every attempt is recorded in usage.
import type { InboundMessage } from "../types.ts";
import type { Logger } from "../runtime/log.ts";
import type { ClaudeClient, ClaudeResult } from "../claude/client.ts";
import type { UsageRecorder } from "../usage/recorder.ts";
import type { ReplyRenderer } from "../reply/renderer.ts";
import { withCacheBreakpoints, type BuiltHistory } from "../context/history.ts";

/** When the context is exceeded anyway, retry once with this share of the budget. */
const RETRY_BUDGET_FACTOR = 0.5;

export interface AttemptDeps {
  claude: ClaudeClient;
  usage: UsageRecorder;
  logger: Logger;
}

export interface Attempt {
  result: ClaudeResult;
  shown: string;
  history: BuiltHistory;
}

export async function streamWithContextRetry(
  deps: AttemptDeps,
  message: InboundMessage,
  replyId: string,
  request: { model: string; maxTokens: number; system: string },
  renderer: ReplyRenderer,
  historyFor: (budgetTokens: number) => Promise<BuiltHistory>,
  contextBudget: number,
  signal: AbortSignal,
): Promise<Attempt> {
  const { model, maxTokens, system } = request;
  const once = async (history: BuiltHistory): Promise<Attempt> => {
    const stream = deps.claude.stream({ model, maxTokens, system, messages: withCacheBreakpoints(history.messages) }, signal);
    const shown = await renderer.stream(stream.deltas);
    const result = await stream.result;
    deps.usage.record(message, replyId, model, result);
    return { result, shown, history };
  };
  const first = await once(await historyFor(contextBudget));
  const exceeded =
    first.result.stopReason === "model_context_window_exceeded" || first.result.error?.code === "claude_context_exceeded";
  if (!exceeded || first.shown !== "") return first;
  deps.logger.warn({ reply: replyId }, "context window exceeded; retrying with a smaller history");
  return once(await historyFor(Math.floor(contextBudget * RETRY_BUDGET_FACTOR)));
}
