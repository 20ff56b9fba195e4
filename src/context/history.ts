// From stored messages to what the Messages API accepts.
//
// The API's rules (platform-facts.md, Claude API → Messages): no "system" role in messages; the
// first turn is a user turn; roles alternate; the last turn is the user's (newer models reject an
// assistant prefill); no empty text blocks. On top of that we fit the context window: the oldest
// messages are dropped first, and the caller is told how many so the reply can say so.
import type Anthropic from "@anthropic-ai/sdk";
import type { Attachment } from "../types.ts";
import type { StoredMessage } from "../store/conversations.ts";

export type ContentBlock = Anthropic.TextBlockParam | Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam;

/** Rough guide from the API docs: one token is about 4 characters of English. */
export const CHARS_PER_TOKEN = 4;
/** Room kept free besides max_tokens: our estimate is rough and the API adds framing tokens. */
export const CONTEXT_MARGIN_TOKENS = 2_000;
/** An image costs at most ~1,600 tokens at the API's default resizing. */
const IMAGE_TOKENS = 1_600;
/** A PDF page costs ~1,500–3,000 tokens; without counting pages, charge by size. */
const PDF_TOKENS_PER_KB = 30;
const PDF_MIN_TOKENS = 1_500;
/** API limits on attachments (platform-facts.md): 5 MB per image, 32 MB per PDF. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_PDF_BYTES = 32 * 1024 * 1024;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

export const TRUNCATION_MARK = "\n\n[…the rest of this message was cut: it was too long to fit]";

/** A turn as we send it: always a list of blocks, only the two roles the API alternates. */
export interface ApiMessage {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface HistoryOptions {
  /** Tokens the history may use: context window − max_tokens − margin − system prompt. */
  budgetTokens: number;
  /**
   * Whether speakers are named, when the caller passes only the recent end of a conversation
   * (default: decided from `stored`). Names are used when more than one human, or any other
   * bot, speaks in the conversation.
   */
  named?: boolean;
}

export interface BuiltHistory {
  messages: ApiMessage[];
  /** Stored messages left out to fit the context window (oldest first). */
  dropped: number;
  /** The new message itself was too long and was cut. */
  truncatedNewMessage: boolean;
  /** Attachments left out (unsupported type or over the API's size limits). */
  skippedAttachments: number;
  estimatedTokens: number;
}

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function attachmentBytes(a: Attachment): number {
  return Math.floor((a.dataBase64.length * 3) / 4);
}

function usableAttachment(a: Attachment): boolean {
  if (a.kind === "image") return IMAGE_TYPES.has(a.mediaType) && attachmentBytes(a) <= MAX_IMAGE_BYTES;
  return a.mediaType === "application/pdf" && attachmentBytes(a) <= MAX_PDF_BYTES;
}

function attachmentTokens(a: Attachment): number {
  if (a.kind === "image") return IMAGE_TOKENS;
  return Math.max(PDF_MIN_TOKENS, Math.ceil((attachmentBytes(a) / 1024) * PDF_TOKENS_PER_KB));
}

function attachmentBlock(a: Attachment): ContentBlock {
  if (a.kind === "image") {
    return {
      type: "image",
      source: { type: "base64", media_type: a.mediaType as "image/png", data: a.dataBase64 },
    };
  }
  return { type: "document", source: { type: "base64", media_type: "application/pdf", data: a.dataBase64 } };
}

/** Per-message framing the name prefix and the joins add, in tokens. */
const MESSAGE_OVERHEAD_TOKENS = 8;

function messageTokens(m: StoredMessage): number {
  let t = estimateTextTokens(m.content) + MESSAGE_OVERHEAD_TOKENS;
  for (const a of m.attachments ?? []) if (usableAttachment(a)) t += attachmentTokens(a);
  return t;
}

function isEmpty(m: StoredMessage): boolean {
  const hasAttachments = (m.attachments ?? []).some(usableAttachment);
  return m.content.trim() === "" && !hasAttachments;
}

/**
 * Build the turns for a request answering `newMessageId`. `stored` is the conversation oldest
 * first; anything after the new message is left for its own request.
 */
export function buildHistory(stored: StoredMessage[], newMessageId: string, options: HistoryOptions): BuiltHistory {
  // Everything up to the new message's time (ties included: platforms order messages within a
  // millisecond that we may have stored in another order); later messages get their own request.
  const newMessage = stored.find((m) => m.id === newMessageId);
  const upTo = newMessage ? stored.filter((m) => m.createdAt <= newMessage.createdAt) : stored;
  let skippedAttachments = 0;
  const usable = upTo.filter((m) => {
    if (m.status === "deleted" || m.status === "failed") return false;
    skippedAttachments += (m.attachments ?? []).filter((a) => !usableAttachment(a)).length;
    return !isEmpty(m);
  });

  // Names only help when more than one human (or any other bot) speaks.
  const humans = new Set(usable.filter((m) => m.role === "user").map((m) => m.authorId));
  const named = options.named ?? (humans.size > 1 || usable.some((m) => m.role === "user" && m.authorIsBot));

  // Walk back from the newest message, keeping what fits.
  let budget = Math.max(0, options.budgetTokens);
  let start = usable.length;
  let truncatedNewMessage = false;
  let last = usable[usable.length - 1];
  if (last && last.role === "user") {
    const cost = messageTokens(last);
    if (cost > budget) {
      // The new message alone is over the budget: keep its beginning, say it was cut.
      const keepChars = Math.max(0, (budget - MESSAGE_OVERHEAD_TOKENS - estimateTextTokens(TRUNCATION_MARK)) * CHARS_PER_TOKEN);
      last = { ...last, content: last.content.slice(0, keepChars) + TRUNCATION_MARK, attachments: undefined };
      usable[usable.length - 1] = last;
      truncatedNewMessage = true;
      budget = 0;
      start = usable.length - 1;
    }
  }
  if (!truncatedNewMessage) {
    while (start > 0) {
      const cost = messageTokens(usable[start - 1]!);
      if (cost > budget) break;
      budget -= cost;
      start -= 1;
    }
  }
  const kept = usable.slice(start);
  const dropped = usable.length - kept.length;

  // Group into alternating turns.
  type Turn = { role: "user" | "assistant"; blocks: ContentBlock[] };
  const turns: Turn[] = [];
  const addText = (turn: Turn, text: string) => {
    const prev = turn.blocks[turn.blocks.length - 1];
    if (prev && prev.type === "text") prev.text = `${prev.text}\n\n${text}`;
    else turn.blocks.push({ type: "text", text });
  };
  for (const m of kept) {
    let role = m.role;
    let text = m.content;
    if (role === "user" && named) text = `${m.authorName}${m.authorIsBot ? " (bot)" : ""}: ${text}`;
    if (role === "assistant" && turns.length === 0) {
      // A conversation that opens with Palaver's own message: fold it into the first user turn.
      role = "user";
      text = `(Palaver, earlier:) ${text}`;
    }
    let turn = turns[turns.length - 1];
    if (!turn || turn.role !== role) {
      turn = { role, blocks: [] };
      turns.push(turn);
    }
    if (text.trim() !== "") addText(turn, text);
    for (const a of m.attachments ?? []) if (usableAttachment(a)) turn.blocks.push(attachmentBlock(a));
  }
  // A history must end with the user's turn; a trailing assistant turn (nothing new to answer)
  // is dropped rather than sent as a prefill.
  while (turns.length > 0 && turns[turns.length - 1]!.role === "assistant") turns.pop();

  const messages: ApiMessage[] = turns.map((t) => ({ role: t.role, content: t.blocks }));
  return {
    messages,
    dropped,
    truncatedNewMessage,
    skippedAttachments,
    estimatedTokens: Math.max(0, options.budgetTokens) - budget,
  };
}

/**
 * An image costs at most this many tokens on any current model (Opus 4.7/4.8 take up to 2576 px
 * and 4,784 visual tokens; platform-facts-2.md, "Image limits"): the upper bound for reserving.
 */
const MAX_IMAGE_TOKENS = 4_784;

/**
 * Input tokens of a request as it will be sent: the system prompt and every block of every turn
 * (text at CHARS_PER_TOKEN, images at their upper bound, PDFs by size), plus the per-message
 * framing. What the budget reservation is made from (src/admission/gate.ts).
 */
export function requestTokens(system: string, messages: ApiMessage[]): number {
  let total = estimateTextTokens(system);
  for (const m of messages) {
    total += MESSAGE_OVERHEAD_TOKENS;
    for (const b of m.content) {
      if (b.type === "text") total += estimateTextTokens(b.text);
      else if (b.type === "image") total += MAX_IMAGE_TOKENS;
      else if (b.source.type === "base64") {
        const bytes = Math.floor((b.source.data.length * 3) / 4);
        total += Math.max(PDF_MIN_TOKENS, Math.ceil((bytes / 1024) * PDF_TOKENS_PER_KB));
      } else total += PDF_MIN_TOKENS;
    }
  }
  return total;
}

/**
 * Prompt-cache breakpoints: on the system prompt, on the last user turn of the stable history
 * (what the previous request ended with, so this request reads what it wrote) and on the new
 * last turn (so the next request can read this one). The API allows 4; we use at most 3.
 */
export function withCacheBreakpoints(messages: ApiMessage[]): ApiMessage[] {
  const out: ApiMessage[] = messages.map((m) => ({ role: m.role, content: m.content.map((b) => ({ ...b })) }));
  const userIdx = out.flatMap((m, i) => (m.role === "user" ? [i] : []));
  const marks = userIdx.slice(-2);
  for (const i of marks) {
    const content = out[i]!.content;
    const lastBlock = content[content.length - 1];
    if (lastBlock) lastBlock.cache_control = { type: "ephemeral" };
  }
  return out;
}
