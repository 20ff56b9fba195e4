// Request shapes, validation and token estimates for the fake Claude server (test/fakes/claude.ts).
// Validation mirrors the Messages API rules our history builder must respect (see
// ../shared/docs/platform-facts.md); token counts are the usual rough guide, 1 token ≈ 4 chars.

import { checkSearchBlocks, isPausedTurn } from "./claude-search.ts";

export interface CacheControl {
  type: "ephemeral";
  ttl?: "5m" | "1h";
}

/** One content block as sent by a client; only the fields the fake looks at are named. */
export interface ContentBlockBody {
  type: string;
  text?: string;
  cache_control?: CacheControl | null;
  [key: string]: unknown;
}

export interface MessageBody {
  role: "user" | "assistant";
  content: string | ContentBlockBody[];
}

export interface ToolBody {
  name?: string;
  cache_control?: CacheControl | null;
  [key: string]: unknown;
}

/** A validated POST /v1/messages (or count_tokens) body. */
export interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: MessageBody[];
  system?: string | ContentBlockBody[];
  tools?: ToolBody[];
  stream?: boolean;
  cache_control?: CacheControl | null;
  [key: string]: unknown;
}

export const IMAGE_TOKENS = 1600;
export const DOCUMENT_TOKENS = 3000;
const MAX_BREAKPOINTS = 4;

export type Validation<T> = { ok: true; body: T } | { ok: false; message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkBlocks(blocks: unknown, where: string): string | undefined {
  if (typeof blocks === "string") return blocks.length === 0 ? `${where}: content must be non-empty` : undefined;
  if (!Array.isArray(blocks)) return `${where}: Input should be a valid list`;
  if (blocks.length === 0 && where.startsWith("messages")) return `${where}: content must be non-empty`;
  for (const [i, block] of blocks.entries()) {
    if (!isRecord(block) || typeof block.type !== "string") return `${where}.${i}: Input should be a valid content block`;
    if (block.type === "text") {
      if (typeof block.text !== "string") return `${where}.${i}.text: Field required`;
      if (block.text.length === 0) return `${where}.${i}: text content blocks must be non-empty`;
    }
    if (block.cache_control != null && (!isRecord(block.cache_control) || block.cache_control.type !== "ephemeral")) {
      return `${where}.${i}.cache_control: Input should be {"type": "ephemeral"}`;
    }
  }
  return undefined;
}

/** Shape checks shared by /v1/messages and /v1/messages/count_tokens. */
function checkCommon(raw: Record<string, unknown>, needMaxTokens: boolean): string | undefined {
  if (typeof raw.model !== "string" || raw.model === "") return "model: Field required";
  if (needMaxTokens && (typeof raw.max_tokens !== "number" || !Number.isInteger(raw.max_tokens) || raw.max_tokens < 1)) {
    return raw.max_tokens === undefined ? "max_tokens: Field required" : "max_tokens: Input should be a positive integer";
  }
  if (!Array.isArray(raw.messages)) return "messages: Field required";
  if (raw.messages.length === 0) return "messages: at least one message is required";
  if (raw.system !== undefined) {
    const err = checkBlocks(raw.system, "system");
    if (err) return err;
  }
  if (raw.tools !== undefined && !(Array.isArray(raw.tools) && raw.tools.every(isRecord))) return "tools: Input should be a valid list";
  let previous: string | undefined;
  for (const [i, m] of (raw.messages as unknown[]).entries()) {
    if (!isRecord(m)) return `messages.${i}: Input should be a valid dictionary`;
    if (m.role !== "user" && m.role !== "assistant") {
      return `messages.${i}.role: Input should be 'user' or 'assistant' (use the top-level system parameter)`;
    }
    if (i === 0 && m.role !== "user") return "messages: first message must use the \"user\" role";
    if (m.role === previous) return `messages: roles must alternate between "user" and "assistant" (messages.${i - 1} and messages.${i} are both "${m.role}")`;
    previous = m.role;
    const err = checkBlocks(m.content, `messages.${i}.content`);
    if (err) return err;
  }
  const lastContent = (raw.messages as { content?: unknown }[]).at(-1)?.content;
  if (previous !== "user" && !isPausedTurn(lastContent)) {
    return "messages: the final message must use the \"user\" role (this model does not support assistant prefill)";
  }
  const searchProblem = checkSearchBlocks(raw as MessagesBody);
  if (searchProblem) return searchProblem;
  const breakpoints = cacheBreakpointCount(raw as MessagesBody);
  if (breakpoints > MAX_BREAKPOINTS) {
    return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`;
  }
  return undefined;
}

export function validateMessagesBody(raw: unknown): Validation<MessagesBody> {
  if (!isRecord(raw)) return { ok: false, message: "Request body must be a JSON object" };
  const err = checkCommon(raw, true);
  return err ? { ok: false, message: err } : { ok: true, body: raw as MessagesBody };
}

export function validateCountTokensBody(raw: unknown): Validation<MessagesBody> {
  if (!isRecord(raw)) return { ok: false, message: "Request body must be a JSON object" };
  const err = checkCommon(raw, false);
  return err ? { ok: false, message: err } : { ok: true, body: raw as MessagesBody };
}

function cacheBreakpointCount(body: MessagesBody): number {
  const marked = (x: { cache_control?: CacheControl | null }) => (x.cache_control ? 1 : 0);
  let n = 0;
  for (const t of body.tools ?? []) n += marked(t);
  if (Array.isArray(body.system)) for (const b of body.system) n += marked(b);
  for (const m of body.messages) if (Array.isArray(m.content)) for (const b of m.content) n += marked(b);
  return n;
}

/** Estimated tokens of one content block (or tool definition). */
export function blockTokens(block: ContentBlockBody | ToolBody): number {
  if (block.type === "text" && typeof block.text === "string") return Math.ceil(block.text.length / 4);
  if (block.type === "image") return IMAGE_TOKENS;
  if (block.type === "document") return DOCUMENT_TOKENS;
  const { cache_control: _cc, ...rest } = block;
  return Math.ceil(JSON.stringify(rest).length / 4);
}

export function asBlocks(content: string | ContentBlockBody[]): ContentBlockBody[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** Estimated input tokens of a whole request: tools + system + every message block. */
export function estimateInputTokens(body: MessagesBody): number {
  let total = 0;
  for (const t of body.tools ?? []) total += blockTokens(t);
  if (body.system !== undefined) for (const b of asBlocks(body.system)) total += blockTokens(b);
  for (const m of body.messages) for (const b of asBlocks(m.content)) total += blockTokens(b);
  return total;
}

/** Text of the last user message (text blocks joined by a newline). */
export function lastUserText(body: MessagesBody): string {
  const last = [...body.messages].reverse().find((m) => m.role === "user");
  if (!last) return "";
  return asBlocks(last.content)
    .filter((b) => b.type === "text" && typeof b.text === "string")
    .map((b) => b.text)
    .join("\n");
}
