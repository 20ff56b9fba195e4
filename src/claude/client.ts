// Streaming requests to Claude through @anthropic-ai/sdk, with the failures sorted into stable
// error codes and the request's usage and timing captured.
//
// Retries: the SDK retries connection errors, 408/409/429 and ≥500 before any byte of the stream
// (honouring retry-after), `maxRetries` times. An `error` event that arrives after HTTP 200
// (e.g. overloaded_error) is thrown by the SDK and NOT retried (platform-facts.md): we retry it
// ourselves, but only while no text has been shown, since a retry would start the text over.
import Anthropic from "@anthropic-ai/sdk";
import type { Logger } from "../runtime/log.ts";
import { PalaverError, type ErrorCode } from "../errors.ts";
import type { TokenUsage } from "./pricing.ts";
import { estimateTextTokens, type ApiMessage } from "../context/history.ts";
import { ServerToolTracker, webTools, type WebSource } from "./server-tools.ts";
import { ClaudeFiles, FILES_BETA_HEADERS, refersToFiles } from "./files.ts";

export interface ClaudeRequest {
  model: string;
  maxTokens: number;
  system: string;
  messages: ApiMessage[];
  /** Claude's web search and web fetch server tools, each used at most maxUses times. */
  web?: { maxUses: number };
  /** Called (and awaited) before a stream that failed before any text is sent again. */
  beforeRetry?: () => Promise<void>;
}

/** What one HTTP request to the API used: a result holds one per attempt that reached the API. */
export interface AttemptUsage {
  usage: TokenUsage;
  requestId?: string;
  /**
   * The final usage event (message_delta) never came (the stream broke or was aborted): the
   * output tokens are estimated from the text received, never left at message_start's count.
   */
  estimated: boolean;
  error?: PalaverError;
}

/**
 * A `pause_turn` stop (a long server-tool turn the API paused) is continued by sending the paused
 * assistant content back (platform-facts-2.md §5.1); at most this many times per reply.
 */
const MAX_PAUSE_CONTINUATIONS = 3;

export interface ClaudeResult {
  text: string;
  stopReason?: string;
  usage: TokenUsage;
  /** See AttemptUsage.estimated. */
  usageEstimated: boolean;
  /** Attempts before the last one (mid-stream retries) that the API answered and may bill. */
  earlierAttempts: AttemptUsage[];
  requestId?: string;
  /** From sending the request to the first text delta. */
  ttftMs?: number;
  latencyMs: number;
  error?: PalaverError;
  /** Web pages Claude cited, in order of first citation. */
  sources?: WebSource[];
  /** Error codes of web searches or fetches that failed inside the 200 response. */
  webErrors?: string[];
}

export interface ClaudeStream {
  /** Text deltas as they arrive; ends normally even when the request fails (see `result`). */
  deltas: AsyncIterable<string>;
  /** Settles after `deltas` has ended; never rejects. */
  result: Promise<ClaudeResult>;
}

export interface ClaudeClientOptions {
  apiKey: string;
  baseURL?: string;
  maxRetries: number;
  /** Our own retries of a mid-stream overloaded error that came before any text. */
  midStreamRetries?: number;
  /** Base of the backoff for those retries: base × 2ⁿ with jitter, capped (like the SDK's). */
  retryBaseMs?: number;
  logger: Logger;
  now?: () => number;
  /** PALAVER_FILES_API: upload large files once and refer to them by file_id (default off here; the config's default is on). */
  filesApi?: boolean;
  /** How long one upload may take before the turn sends the file inline instead. */
  uploadTimeoutMs?: number;
}

/** The SDK caps its backoff at 8 s; so do we. */
const MAX_RETRY_DELAY_MS = 8_000;

function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, webSearchRequests: 0 };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    webSearchRequests: (a.webSearchRequests ?? 0) + (b.webSearchRequests ?? 0),
  };
}

/** Sort anything the SDK throws into a stable code. */
export function classifyError(err: unknown): PalaverError {
  if (err instanceof PalaverError) return err;
  const code = ((): ErrorCode => {
    if (err instanceof Anthropic.APIConnectionError) return "claude_connection";
    if (err instanceof Anthropic.AuthenticationError) return "claude_auth";
    if (err instanceof Anthropic.PermissionDeniedError) return "claude_permission";
    if (err instanceof Anthropic.NotFoundError) return "claude_not_found";
    if (err instanceof Anthropic.RateLimitError) return "claude_rate_limited";
    if (err instanceof Anthropic.APIError) {
      const type = errorType(err);
      if (type === "overloaded_error" || err.status === 529) return "claude_overloaded";
      if (err.status === 413 || /prompt is too long|context window|too many tokens/i.test(err.message)) {
        return "claude_context_exceeded";
      }
      if (err.status === 400 || type === "invalid_request_error") return "claude_bad_request";
      if (err.status === undefined || err.status >= 500) return "claude_server";
    }
    return "claude_unknown";
  })();
  const message = err instanceof Error ? err.message : String(err);
  return new PalaverError(code, message, { cause: err });
}

/** The API's own words for a failed request (the `error.message` of its JSON body), when it gave them. */
export function apiErrorMessage(err: PalaverError): string {
  const cause = err.cause;
  if (cause instanceof Anthropic.APIError) {
    const body = cause.error as { error?: { message?: string } } | undefined;
    if (typeof body?.error?.message === "string") return body.error.message;
  }
  return err.message;
}

function errorType(err: InstanceType<typeof Anthropic.APIError>): string | undefined {
  const body = err.error as { error?: { type?: string }; type?: string } | undefined;
  return body?.error?.type ?? (body?.type !== "error" ? body?.type : undefined);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ClaudeClient {
  private readonly client: Anthropic;
  private readonly logger: Logger;
  private readonly midStreamRetries: number;
  private readonly retryBaseMs: number;
  private readonly now: () => number;
  /** The Files API: uploads of large files, and their deletion after /palaver forget. */
  readonly files: ClaudeFiles;

  constructor(options: ClaudeClientOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries,
      // The SDK logs through console by default; our logger is the only place logs go.
      logLevel: "off",
    });
    this.logger = options.logger;
    this.midStreamRetries = options.midStreamRetries ?? options.maxRetries;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.now = options.now ?? (() => performance.now());
    this.files = new ClaudeFiles(this.client, this.logger, options.filesApi ?? false, options.uploadTimeoutMs);
  }

  async countTokens(request: ClaudeRequest): Promise<number> {
    const r = await this.client.messages.countTokens(
      { model: request.model, system: request.system, messages: request.messages },
      refersToFiles(request.messages) ? { headers: FILES_BETA_HEADERS } : undefined,
    );
    return r.input_tokens;
  }

  /**
   * Stream one request. Aborting `signal` ends the deltas early with error code "interrupted".
   * `onStatus` hears what Claude is doing besides writing ("searching the web…", or undefined when
   * that ends).
   */
  stream(request: ClaudeRequest, signal?: AbortSignal, onStatus?: (status: string | undefined) => void): ClaudeStream {
    let settle!: (r: ClaudeResult) => void;
    const result = new Promise<ClaudeResult>((resolve) => (settle = resolve));
    return { deltas: this.run(request, settle, signal, onStatus), result };
  }

  private async *run(
    request: ClaudeRequest,
    settle: (r: ClaudeResult) => void,
    signal?: AbortSignal,
    onStatus?: (status: string | undefined) => void,
  ): AsyncGenerator<string> {
    const started = this.now();
    const outcome: ClaudeResult = { text: "", usage: emptyUsage(), usageEstimated: false, earlierAttempts: [], latencyMs: 0 };
    try {
      for (let attempt = 0; ; attempt++) {
        const progress: AttemptProgress = { answered: false, finalUsage: false, text: "" };
        try {
          yield* this.continued(request, outcome, progress, started, signal, onStatus);
          break;
        } catch (err) {
          settleUsage(outcome, progress);
          if (signal?.aborted) {
            outcome.error = new PalaverError("interrupted", "the request was cut short by shutdown", { cause: err });
            break;
          }
          const error = classifyError(err);
          const retryable = error.code === "claude_overloaded" || error.code === "claude_server";
          if (retryable && outcome.text === "" && attempt < this.midStreamRetries) {
            // The failed attempt reached the API (message_start came): it is recorded as its
            // own usage row, and the next attempt starts its own count.
            if (progress.answered) {
              outcome.earlierAttempts.push({ usage: outcome.usage, requestId: outcome.requestId, estimated: outcome.usageEstimated, error });
            }
            outcome.usage = emptyUsage();
            outcome.usageEstimated = false;
            outcome.requestId = undefined;
            const delay = Math.min(MAX_RETRY_DELAY_MS, this.retryBaseMs * 2 ** attempt) * (0.75 + Math.random() * 0.25);
            this.logger.warn(
              { code: error.code, attempt: attempt + 1, delayMs: Math.round(delay) },
              "Claude stream failed before any text; retrying",
            );
            await sleep(delay);
            await request.beforeRetry?.();
            continue;
          }
          outcome.error = error;
          break;
        }
      }
    } finally {
      outcome.latencyMs = Math.round(this.now() - started);
      settle(outcome);
    }
  }

  /** One request, continued after each `pause_turn` with the paused content sent back unchanged. */
  private async *continued(
    request: ClaudeRequest,
    outcome: ClaudeResult,
    progress: AttemptProgress,
    started: number,
    signal?: AbortSignal,
    onStatus?: (status: string | undefined) => void,
  ): AsyncGenerator<string> {
    const tools = new ServerToolTracker(onStatus);
    let before = emptyUsage();
    let messages: Anthropic.MessageParam[] = request.messages;
    try {
      for (let turn = 0; ; turn++) {
        yield* this.attempt(request, messages, outcome, progress, before, tools, started, signal);
        before = outcome.usage;
        if (outcome.stopReason !== "pause_turn" || turn >= MAX_PAUSE_CONTINUATIONS) break;
        messages = [...request.messages, { role: "assistant", content: tools.pausedContent() }];
      }
    } finally {
      outcome.sources = tools.sources;
      outcome.webErrors = tools.errors;
    }
  }

  private async *attempt(
    request: ClaudeRequest,
    messages: Anthropic.MessageParam[],
    outcome: ClaudeResult,
    progress: AttemptProgress,
    before: TokenUsage,
    tools: ServerToolTracker,
    started: number,
    signal?: AbortSignal,
  ): AsyncGenerator<string> {
    const { data: events, request_id } = await this.client.messages
      .create({
        model: request.model,
        max_tokens: request.maxTokens,
        system: [{ type: "text", text: request.system, cache_control: { type: "ephemeral" } }],
        messages,
        ...(request.web ? { tools: webTools(request.web.maxUses) } : {}),
        stream: true,
      }, { signal, ...(refersToFiles(messages) ? { headers: FILES_BETA_HEADERS } : {}) })
      .withResponse();
    outcome.requestId = request_id ?? undefined;
    // Usage of this request, added to what earlier (paused) requests of the reply used.
    let usage = emptyUsage();
    progress.finalUsage = false;
    for await (const event of untilAborted(events, signal)) {
      tools.onEvent(event);
      switch (event.type) {
        case "message_start": {
          progress.answered = true;
          const u = event.message.usage;
          usage = {
            inputTokens: u.input_tokens,
            outputTokens: u.output_tokens,
            cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
            cacheReadTokens: u.cache_read_input_tokens ?? 0,
            webSearchRequests: u.server_tool_use?.web_search_requests ?? 0,
          };
          break;
        }
        case "content_block_delta":
          if (event.delta.type === "text_delta" && event.delta.text !== "") {
            if (outcome.ttftMs === undefined) outcome.ttftMs = Math.round(this.now() - started);
            outcome.text += event.delta.text;
            progress.text += event.delta.text;
            yield event.delta.text;
          }
          break;
        case "message_delta": {
          progress.finalUsage = true;
          outcome.stopReason = event.delta.stop_reason ?? undefined;
          // message_delta carries cumulative usage; input fields may be absent (null) there.
          const u = event.usage;
          usage.outputTokens = u.output_tokens;
          if (u.input_tokens != null) usage.inputTokens = u.input_tokens;
          if (u.cache_creation_input_tokens != null) usage.cacheWriteTokens = u.cache_creation_input_tokens;
          if (u.cache_read_input_tokens != null) usage.cacheReadTokens = u.cache_read_input_tokens;
          if (u.server_tool_use != null) usage.webSearchRequests = u.server_tool_use.web_search_requests;
          break;
        }
        default:
          break;
      }
      outcome.usage = addUsage(before, usage);
    }
    if (progress.answered && !progress.finalUsage) {
      // The SDK can end the iteration quietly when the connection drops mid-stream: a message
      // without its message_delta is incomplete, not a success.
      throw new PalaverError("claude_connection", "the stream ended before the message was complete");
    }
  }
}

/**
 * The events of a stream, ending with an AbortError as soon as `signal` aborts. The SDK's own
 * iteration can keep waiting after an abort that lands once the body was fully received, which
 * would leave a reply's request hanging instead of settling.
 */
async function* untilAborted<T>(events: AsyncIterable<T>, signal?: AbortSignal): AsyncGenerator<T> {
  const iterator = events[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new PalaverError("interrupted", "the request was aborted"));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // The SDK's request listens to the same signal, so an abort has released the response too.
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** What one attempt has received so far. */
interface AttemptProgress {
  /** message_start came: the API is processing (and billing) the request. */
  answered: boolean;
  /** message_delta came with the final output count. */
  finalUsage: boolean;
  /** Text of this attempt alone. */
  text: string;
}

/**
 * After a failed or aborted attempt: if the API answered but its final usage never came, the
 * output is at least the text that arrived (message_start reports only ~1 output token).
 */
function settleUsage(outcome: ClaudeResult, progress: AttemptProgress): void {
  if (!progress.answered || progress.finalUsage) return;
  outcome.usage.outputTokens = Math.max(outcome.usage.outputTokens, estimateTextTokens(progress.text));
  outcome.usageEstimated = true;
}
