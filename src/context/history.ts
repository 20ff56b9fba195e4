// From stored messages to what the Messages API accepts.
//
// The API's rules (platform-facts.md, Claude API → Messages): no "system" role in messages; the
// first turn is a user turn; roles alternate; the last turn is the user's (newer models reject an
// assistant prefill); no empty text blocks. On top of that we fit the context window: the oldest
// messages are dropped first, and the caller is told how many so the reply can say so.
import type Anthropic from "@anthropic-ai/sdk";
import type { StoredMessage } from "../store/conversations.ts";
import type { AttachmentRef } from "../store/attachments.ts";
import { chooseFiles, fileTokens, requestLimits } from "./files/request-limits.ts";
import { DEFAULT_CONTEXT_WINDOW_TOKENS } from "../claude/pricing.ts";

export type ContentBlock = Anthropic.TextBlockParam | Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam;

/** Rough guide from the API docs: one token is about 4 characters of English. */
export const CHARS_PER_TOKEN = 4;
/** Room kept free besides max_tokens: our estimate is rough and the API adds framing tokens. */
export const CONTEXT_MARGIN_TOKENS = 2_000;
/** Model assumed for image token estimates when the caller names none. */
const DEFAULT_ESTIMATE_MODEL = "claude-sonnet-4-6";

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
  /** The model: image token costs and per-request file limits depend on it. */
  model?: string;
  contextWindow?: number;
  /** Send no files at all (the fallback after Claude refused a request's files). */
  withoutFiles?: boolean;
}

/** A file block whose bytes are filled in from the attachment store before sending (files/fill.ts). */
export interface PendingFile {
  ref: AttachmentRef;
  /** The message that brought the file. */
  messageId: string;
  block: Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam;
  /** Set when the block refers to an upload (Files API) instead of carrying the bytes. */
  fileId?: string;
}

export interface BuiltHistory {
  messages: ApiMessage[];
  /** Stored messages left out to fit the context window (oldest first). */
  dropped: number;
  /** The new message itself was too long and was cut. */
  truncatedNewMessage: boolean;
  /** Attachments left out (unsupported type or over the API's size limits). */
  skippedAttachments: number;
  /** One line per file left out, naming it and the reason, for the reply's note. */
  fileNotes: string[];
  /** File blocks in `messages`, to fill with their bytes. */
  files: PendingFile[];
  /** The new message has nothing Claude could read (no text, and none of its files can be sent). */
  nothingToAnswer: boolean;
  estimatedTokens: number;
}

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function usableFile(r: AttachmentRef): boolean {
  return r.kind !== "unusable" && r.problem === undefined;
}

function fileBlock(r: AttachmentRef): PendingFile["block"] {
  // Bytes are filled in later (files/fill.ts): history building never reads a file.
  if (r.kind === "image") {
    return { type: "image", source: { type: "base64", media_type: r.mediaType as "image/png", data: "" } };
  }
  if (r.kind === "pdf") return { type: "document", source: { type: "base64", media_type: "application/pdf", data: "" }, title: r.name };
  // A text file is a plain-text document named after the file (PlainTextSource, SDK messages.d.ts).
  return { type: "document", source: { type: "text", media_type: "text/plain", data: "" }, title: r.name };
}

export function fileNote(name: string, reason: string): string {
  return `_(“${name}” ${reason}, so it was left out.)_`;
}

/** Per-message framing the name prefix and the joins add, in tokens. */
const MESSAGE_OVERHEAD_TOKENS = 8;

function messageTokens(m: StoredMessage, model: string, sent: Set<AttachmentRef>): number {
  let t = estimateTextTokens(m.content) + MESSAGE_OVERHEAD_TOKENS;
  for (const a of m.attachments ?? []) if (sent.has(a)) t += fileTokens(a, model);
  return t;
}

function isEmpty(m: StoredMessage, withFiles: boolean): boolean {
  return m.content.trim() === "" && !(withFiles && (m.attachments ?? []).some(usableFile));
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
  const model = options.model ?? DEFAULT_ESTIMATE_MODEL;
  const withFiles = options.withoutFiles !== true;
  const fileNotes: string[] = [];
  let skippedAttachments = 0;
  const usable = upTo.filter((m) => {
    if (m.status === "deleted" || m.status === "failed") return false;
    for (const a of m.attachments ?? []) {
      if (usableFile(a)) continue;
      skippedAttachments++;
      // A file's own problem is told once, in the reply to the message that brought it.
      if (m.id === newMessageId) fileNotes.push(fileNote(a.name, a.problem ?? "cannot be read"));
    }
    return !isEmpty(m, withFiles);
  });

  // Names only help when more than one human (or any other bot) speaks.
  const humans = new Set(usable.filter((m) => m.role === "user").map((m) => m.authorId));
  const named = options.named ?? (humans.size > 1 || usable.some((m) => m.role === "user" && m.authorIsBot));

  // The API's limits on the whole request come first: newest files first, the rest left out.
  const newestFirst = withFiles ? usable.flatMap((m) => (m.attachments ?? []).filter(usableFile)).reverse() : [];
  const choice = chooseFiles(newestFirst, requestLimits(options.contextWindow ?? DEFAULT_CONTEXT_WINDOW_TOKENS));
  const tokensOf = (m: StoredMessage) => messageTokens(m, model, choice.keep);

  // Walk back from the newest message, keeping what fits.
  let budget = Math.max(0, options.budgetTokens);
  let start = usable.length;
  let truncatedNewMessage = false;
  let last = usable[usable.length - 1];
  if (last && last.role === "user") {
    for (const ref of last.attachments ?? []) {
      // A file that alone cannot fit the context window is left out before any text is cut.
      if (choice.keep.has(ref) && tokensOf(last) > budget) {
        choice.keep.delete(ref);
        choice.leftOut.push({ ref, reason: "is too large for the model's context window" });
      }
    }
    const cost = tokensOf(last);
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
      const cost = tokensOf(usable[start - 1]!);
      if (cost > budget) break;
      budget -= cost;
      start -= 1;
    }
  }
  const kept = usable.slice(start);
  const dropped = usable.length - kept.length;

  // Files left out of the messages that are sent are named (dropped messages have their own note).
  const keptRefs = new Set(kept.flatMap((m) => m.attachments ?? []));
  for (const { ref, reason } of choice.leftOut) {
    if (!keptRefs.has(ref) && !(newMessage?.attachments ?? []).includes(ref)) continue;
    fileNotes.push(fileNote(ref.name, reason));
    skippedAttachments++;
  }
  const files: PendingFile[] = [];
  const nothingToAnswer =
    newMessage !== undefined &&
    newMessage.role === "user" &&
    newMessage.content.trim() === "" &&
    !(newMessage.attachments ?? []).some((r) => choice.keep.has(r));

  // Group into alternating turns.
  type Turn = { role: "user" | "assistant"; blocks: ContentBlock[] };
  const turns: Turn[] = [];
  const addText = (turn: Turn, text: string) => {
    const prev = turn.blocks[turn.blocks.length - 1];
    if (prev && prev.type === "text") prev.text = `${prev.text}\n\n${text}`;
    else turn.blocks.push({ type: "text", text });
  };
  for (const m of kept) {
    // A message whose only files were left out has nothing to send (an empty turn is a 400).
    if (m.content.trim() === "" && !(m.attachments ?? []).some((r) => choice.keep.has(r))) continue;
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
    for (const ref of m.attachments ?? []) {
      if (!choice.keep.has(ref)) continue;
      const block = fileBlock(ref);
      files.push({ ref, messageId: m.id, block });
      turn.blocks.push(block);
    }
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
    fileNotes,
    files,
    nothingToAnswer,
    estimatedTokens: Math.max(0, options.budgetTokens) - budget,
  };
}

/**
 * An image costs at most this many tokens on any current model (Opus 4.7/4.8 take up to 2576 px
 * and 4,784 visual tokens; platform-facts-2.md, "Image limits"): the upper bound for reserving.
 */
const MAX_IMAGE_TOKENS = 4_784;
/** A PDF page costs ~1,500–3,000 tokens (platform-facts-2.md); without pages at hand, charge by size. */
const RESERVE_PDF_TOKENS_PER_KB = 30;
const RESERVE_PDF_MIN_TOKENS = 3_000;

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
        total += Math.max(RESERVE_PDF_MIN_TOKENS, Math.ceil((bytes / 1024) * RESERVE_PDF_TOKENS_PER_KB));
      } else total += RESERVE_PDF_MIN_TOKENS;
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
