// Writing one scripted reply of the fake Claude server: API-shaped error bodies, the JSON Message
// and the SSE event sequence of a streamed message (message_start … message_stop).

import type { ServerResponse } from "node:http";
import type { CacheUsage } from "./claude-cache.ts";
import { citation, streamSearch, type FakeSearch } from "./claude-search.ts";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "refusal" | "model_context_window_exceeded" | "pause_turn";

/** What one reply looks like once the script has been resolved against the request. */
export interface PlannedReply {
  id: string;
  requestId: string;
  model: string;
  text: string;
  stopReason: StopReason;
  outputTokens: number;
  usage: CacheUsage;
  chunkSize: number;
  chunkDelayMs: number;
  firstTokenDelayMs: number;
  midStreamError?: { afterChars: number; type: "overloaded_error" | "api_error" };
  search?: FakeSearch;
  pauseAfterSearch?: boolean;
}

const ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: "invalid_request_error", message: "Invalid request" },
  401: { type: "authentication_error", message: "invalid x-api-key" },
  403: { type: "permission_error", message: "Your API key does not have permission to use the specified resource." },
  404: { type: "not_found_error", message: "Not found" },
  413: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." },
  429: { type: "rate_limit_error", message: "This request would exceed your organization's rate limit. Please try again later." },
  500: { type: "api_error", message: "Internal server error" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

export function errorType(status: number): string {
  return ERRORS[status]?.type ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

export function sendError(
  res: ServerResponse,
  status: number,
  requestId: string,
  opts: { message?: string; retryAfterSeconds?: number; shouldRetry?: boolean } = {},
): void {
  const known = ERRORS[status];
  const body = {
    type: "error",
    error: { type: errorType(status), message: opts.message ?? known?.message ?? "Error" },
    request_id: requestId,
  };
  const headers: Record<string, string> = { "content-type": "application/json", "request-id": requestId };
  if (opts.retryAfterSeconds !== undefined) headers["retry-after"] = String(opts.retryAfterSeconds);
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  const shouldRetry = opts.shouldRetry ?? (retryable ? true : undefined);
  if (shouldRetry !== undefined) headers["x-should-retry"] = String(shouldRetry);
  res.writeHead(status, headers).end(JSON.stringify(body));
}

/** An errored search is not billed (web search tool doc): it does not count either. */
function serverToolUse(plan: PlannedReply) {
  return { web_search_requests: plan.search && !plan.search.errorCode ? 1 : 0, web_fetch_requests: 0 };
}

function usageOf(plan: PlannedReply, outputTokens: number) {
  return { ...plan.usage, output_tokens: outputTokens, service_tier: "standard", server_tool_use: serverToolUse(plan) };
}

export function messageJson(plan: PlannedReply, text: string, final: boolean) {
  return {
    id: plan.id,
    type: "message",
    role: "assistant",
    model: plan.model,
    content: final ? [{ type: "text", text }] : [],
    stop_reason: final ? plan.stopReason : null,
    stop_sequence: null,
    usage: usageOf(plan, final ? plan.outputTokens : 1),
  };
}

export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Sleeps that end early (resolve false) when the signal aborts, e.g. client gone or server closing. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function sendJsonReply(res: ServerResponse, plan: PlannedReply, signal: AbortSignal): Promise<void> {
  const deltas = Math.max(1, chunks(plan.text, plan.chunkSize).length);
  if (!(await pause(plan.firstTokenDelayMs + plan.chunkDelayMs * (deltas - 1), signal))) return;
  res.writeHead(200, { "content-type": "application/json", "request-id": plan.requestId });
  res.end(JSON.stringify(messageJson(plan, plan.text, true)));
}

export async function sendStreamReply(res: ServerResponse, plan: PlannedReply, signal: AbortSignal): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": plan.requestId,
  });
  const send = (event: string, data: unknown) => {
    if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send("message_start", { type: "message_start", message: messageJson(plan, "", false) });
  let index = 0;
  if (plan.search) {
    if (!(await streamSearch(send, plan.search, Number(plan.id.replace(/\D/g, "")), signal))) return;
    index = 2;
    if (plan.pauseAfterSearch) {
      send("message_delta", { type: "message_delta", delta: { stop_reason: "pause_turn", stop_sequence: null }, usage: { output_tokens: 10, server_tool_use: serverToolUse(plan) } });
      send("message_stop", { type: "message_stop" });
      res.end();
      return;
    }
  }
  send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
  send("ping", { type: "ping" });
  for (const r of plan.search?.errorCode ? [] : (plan.search?.results ?? [])) {
    send("content_block_delta", { type: "content_block_delta", index, delta: { type: "citations_delta", citation: citation(r) } });
  }
  if (!(await pause(plan.firstTokenDelayMs, signal))) return;

  const failAt = plan.midStreamError?.afterChars;
  const text = failAt === undefined ? plan.text : plan.text.slice(0, failAt);
  for (const [i, piece] of chunks(text, plan.chunkSize).entries()) {
    if (i > 0 && !(await pause(plan.chunkDelayMs, signal))) return;
    send("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
  }
  if (plan.midStreamError) {
    const type = plan.midStreamError.type;
    const message = type === "overloaded_error" ? "Overloaded" : "Internal server error";
    send("error", { type: "error", error: { type, message } });
    res.end();
    return;
  }
  send("content_block_stop", { type: "content_block_stop", index });
  send("message_delta", {
    type: "message_delta",
    delta: { stop_reason: plan.stopReason, stop_sequence: null },
    usage: {
      output_tokens: plan.outputTokens,
      input_tokens: plan.usage.input_tokens,
      cache_creation_input_tokens: plan.usage.cache_creation_input_tokens,
      cache_read_input_tokens: plan.usage.cache_read_input_tokens,
      server_tool_use: serverToolUse(plan),
    },
  });
  send("message_stop", { type: "message_stop" });
  res.end();
}
