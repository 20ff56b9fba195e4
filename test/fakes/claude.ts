// A fake Claude Messages API on node:http, used by every test and benchmark and by
// `npm run fake-claude`. Point the real SDK at it: new Anthropic({ apiKey: "test", baseURL: fake.url }).
//
// Routes: POST /v1/messages (JSON or SSE when `stream: true`), POST /v1/messages/count_tokens, and the
// Files API (POST /v1/files, GET/DELETE /v1/files/{id}; claude-uploads.ts).
// Requests are validated like the API does (400 invalid_request_error), recorded either way, and
// answered from the queue of scripts (enqueue) or, when it is empty, by the responder.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PromptCache } from "./claude-cache.ts";
import { checkFiles } from "./claude-files.ts";
import { apiKeyOf, FakeUploads, sendJson, type Answer } from "./claude-uploads.ts";
import { offersWebSearch, type FakeSearch } from "./claude-search.ts";
import { sendError, sendJsonReply, sendStreamReply, type PlannedReply, type StopReason } from "./claude-reply.ts";
import {
  estimateInputTokens,
  lastUserText,
  validateCountTokensBody,
  validateMessagesBody,
  type MessagesBody,
} from "./claude-wire.ts";

export type { MessagesBody, MessageBody, ContentBlockBody, ToolBody, CacheControl } from "./claude-wire.ts";
export type { StopReason } from "./claude-reply.ts";
export type { FakeStoredFile, UploadFailure } from "./claude-uploads.ts";

export interface FakeReplyScript {
  /** Reply text (default "Hello from the fake Claude."). */
  text?: string;
  /** Characters per text_delta (default 8). */
  chunkSize?: number;
  /** Delay between deltas (default 0). */
  chunkDelayMs?: number;
  /** Delay after message_start before the first delta (default 0). */
  firstTokenDelayMs?: number;
  /** Default end_turn, or max_tokens when the text is longer than max_tokens × 4 chars (then truncated). */
  stopReason?: StopReason;
  /** Answer with this HTTP error instead, with the API's JSON error body. */
  status?: number;
  /** retry-after header on error responses. The SDK treats 0 as "no hint" (default backoff ≈ 0.5 s): use e.g. 0.001. */
  retryAfterSeconds?: number;
  /** Overrides the x-should-retry header (default "true" on 408/409/429/5xx, absent otherwise); the SDK obeys it. */
  shouldRetry?: boolean;
  errorMessage?: string;
  /** After HTTP 200 and that many chars of text, send an SSE `event: error` and end the stream (non-streaming requests get HTTP 529 / 500 instead). */
  midStreamError?: { afterChars: number; type?: "overloaded_error" | "api_error" };
  /** Override the output token count (default ceil(text.length / 4)). */
  outputTokens?: number;
  /** Search the web first, streamed as the API does (claude-search.ts); only when the request offers web_search. */
  webSearch?: FakeSearch;
  /** With webSearch: stop with pause_turn after the search, for the client to continue. */
  pauseAfterSearch?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when the body was empty or not JSON). Narrow it, e.g. with asMessagesBody. */
  body: unknown;
  /** Size of the request body as sent, in bytes. */
  bytes: number;
  at: number;
  /** When the answer's last byte was written (for a benchmark's "model time"). */
  endedAt?: number;
}

export interface FakeClaude {
  readonly url: string;
  readonly requests: RecordedRequest[];
  messageRequests(): RecordedRequest[];
  /** POST /v1/files requests (uploads), answered or not. */
  uploadRequests(): RecordedRequest[];
  /** The Files API's storage: what is held, planned upload failures, deletions behind Palaver's back. */
  readonly files: FakeUploads;
  enqueue(...scripts: FakeReplyScript[]): void;
  setResponder(fn: (body: MessagesBody) => FakeReplyScript): void;
  resetCache(): void;
  close(): Promise<void>;
}

export interface FakeClaudeOptions {
  port?: number;
  /** Breakpoint prefixes shorter than this are never cached (default 1024). */
  minCacheTokens?: number;
  /** Lifetime of a default ("5m") cache entry (default 5 min); "1h" entries live one hour. */
  cacheTtlMs?: number;
  now?: () => number;
}

export const DEFAULT_REPLY = "Hello from the fake Claude.";

/** The default responder: deterministic, derived from the last user message. */
export function echoResponder(body: MessagesBody): FakeReplyScript {
  const text = lastUserText(body).trim();
  return { text: `Echo: ${text || "(no text)"}` };
}

/**
 * A recorded body as a MessagesBody. Checks only the outline (an object with a `messages` array), so
 * bodies the fake rejected with 400 can be inspected too; throws for anything else.
 */
export function asMessagesBody(body: unknown): MessagesBody {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { messages?: unknown }).messages)) {
    throw new Error(`not a messages body: ${JSON.stringify(body)?.slice(0, 200)}`);
  }
  return body as MessagesBody;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function plan(script: FakeReplyScript, body: MessagesBody, n: number, usage: PlannedReply["usage"]): PlannedReply {
  let text = script.text ?? DEFAULT_REPLY;
  let stopReason = script.stopReason;
  const maxChars = body.max_tokens * 4;
  if (text.length > maxChars && (stopReason === undefined || stopReason === "max_tokens")) {
    text = text.slice(0, maxChars);
    stopReason = "max_tokens";
  }
  return {
    id: `msg_fake_${n}`,
    requestId: `req_fake_${n}`,
    model: body.model,
    text,
    stopReason: stopReason ?? "end_turn",
    outputTokens: script.outputTokens ?? Math.ceil(text.length / 4),
    usage,
    chunkSize: Math.max(1, script.chunkSize ?? 8),
    chunkDelayMs: script.chunkDelayMs ?? 0,
    firstTokenDelayMs: script.firstTokenDelayMs ?? 0,
    ...(script.webSearch && offersWebSearch(body) ? { search: script.webSearch, pauseAfterSearch: script.pauseAfterSearch === true } : {}),
    ...(script.midStreamError
      ? { midStreamError: { afterChars: script.midStreamError.afterChars, type: script.midStreamError.type ?? "overloaded_error" } }
      : {}),
  };
}

export async function startFakeClaude(options: FakeClaudeOptions = {}): Promise<FakeClaude> {
  const now = options.now ?? (() => Date.now());
  const cache = new PromptCache({
    minCacheTokens: options.minCacheTokens ?? 1024,
    cacheTtlMs: options.cacheTtlMs ?? 5 * 60 * 1000,
    now,
  });
  const requests: RecordedRequest[] = [];
  const queue: FakeReplyScript[] = [];
  let responder: (body: MessagesBody) => FakeReplyScript = echoResponder;
  let counter = 0;
  const closing = new AbortController();
  const files = new FakeUploads();

  /** The Files API routes; false when the path is not one of them. */
  async function filesRoute(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer, requestId: string): Promise<boolean> {
    const key = apiKeyOf(req.headers);
    const reply = (a: Answer) => (a.status === 200 ? sendJson(res, requestId, a.body) : sendError(res, a.status, requestId, { message: a.message }));
    const one = /^\/v1\/files\/([^/]+)$/.exec(path);
    if (req.method === "POST" && path === "/v1/files") {
      const failure = files.nextFailure();
      if (failure?.hang) {
        await new Promise<void>((resolve) => {
          res.once("close", resolve);
          closing.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        return true;
      }
      if (failure) sendError(res, failure.status ?? 500, requestId, {});
      else reply(await files.upload(req.headers, raw, key));
      return true;
    }
    if (one && req.method === "DELETE") return reply(files.delete(decodeURIComponent(one[1]!), key)), true;
    if (one && req.method === "GET") return reply(files.get(decodeURIComponent(one[1]!), key)), true;
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++counter;
    const requestId = `req_fake_${n}`;
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const rawBytes = await readBody(req);
    const raw = rawBytes.toString("utf8");
    const body = parseJson(raw);
    const record: RecordedRequest = { method: req.method ?? "GET", path, headers: { ...req.headers }, body, bytes: rawBytes.length, at: now() };
    requests.push(record);

    const route = `${req.method ?? ""} ${path}`;
    const isFiles = path === "/v1/files" || path.startsWith("/v1/files/");
    if (route !== "POST /v1/messages" && route !== "POST /v1/messages/count_tokens" && !isFiles) {
      sendError(res, 404, requestId, { message: `Not found: ${route}` });
      return;
    }
    if (!req.headers["x-api-key"] && !req.headers.authorization) {
      sendError(res, 401, requestId, { message: "x-api-key header is required" });
      return;
    }
    if (isFiles) {
      if (!(await filesRoute(req, res, path, rawBytes, requestId))) sendError(res, 404, requestId, { message: `Not found: ${route}` });
      record.endedAt = now();
      return;
    }
    if (path === "/v1/messages/count_tokens") {
      const check = validateCountTokensBody(body);
      if (!check.ok) return sendError(res, 400, requestId, { message: check.message });
      const resolved = files.resolve(check.body, apiKeyOf(req.headers));
      if ("problem" in resolved) return sendError(res, resolved.problem.status, requestId, { message: resolved.problem.message });
      res.writeHead(200, { "content-type": "application/json", "request-id": requestId });
      res.end(JSON.stringify({ input_tokens: estimateInputTokens(resolved.body) }));
      return;
    }
    const check = validateMessagesBody(body);
    if (!check.ok) return sendError(res, 400, requestId, { message: check.message });
    // A file_id stands for the uploaded bytes: the same checks apply as if they were sent inline.
    const resolved = files.resolve(check.body, apiKeyOf(req.headers));
    if ("problem" in resolved) return sendError(res, resolved.problem.status, requestId, { message: resolved.problem.message });
    const fileProblem = await checkFiles(resolved.body, rawBytes.length);
    if (fileProblem) return sendError(res, fileProblem.status, requestId, { message: fileProblem.message });

    const script = queue.shift() ?? responder(check.body);
    if (script.status !== undefined && script.status !== 200) {
      sendError(res, script.status, requestId, {
        ...(script.errorMessage !== undefined ? { message: script.errorMessage } : {}),
        ...(script.retryAfterSeconds !== undefined ? { retryAfterSeconds: script.retryAfterSeconds } : {}),
        ...(script.shouldRetry !== undefined ? { shouldRetry: script.shouldRetry } : {}),
      });
      return;
    }
    if (script.midStreamError && check.body.stream !== true) {
      // Without streaming there is no "after HTTP 200": the same failure arrives as an HTTP error.
      const status = script.midStreamError.type === "api_error" ? 500 : 529;
      sendError(res, status, requestId, { ...(script.errorMessage !== undefined ? { message: script.errorMessage } : {}) });
      return;
    }
    const reply = plan(script, check.body, n, cache.process(check.body));
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    const signal = AbortSignal.any([gone.signal, closing.signal]);
    if (check.body.stream === true) await sendStreamReply(res, reply, signal);
    else await sendJsonReply(res, reply, signal);
    record.endedAt = now();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `req_fake_err`, { message: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messageRequests: () => requests.filter((r) => r.method === "POST" && r.path === "/v1/messages"),
    uploadRequests: () => requests.filter((r) => r.method === "POST" && r.path === "/v1/files"),
    files,
    enqueue: (...scripts) => void queue.push(...scripts),
    setResponder: (fn) => {
      responder = fn;
    },
    resetCache: () => cache.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** For a fake running as its own process: close it, then exit (1 if closing failed). */
export function closeAndExit(fake: FakeClaude): () => void {
  return () => {
    fake.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
}
