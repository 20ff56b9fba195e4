// What a chat.postMessage / chat.update call puts on screen, read the way Slack reads it.
//   - `blocks`: "Slack will always try to render the message using blocks, and use text only for
//     notifications" (chat.update docs). A `markdown` block carries "the standard
//     markdown-formatted text. The cumulative limit for all markdown blocks in a single payload is
//     12,000 characters" (docs.slack.dev/reference/block-kit/blocks/markdown-block). Above it Slack
//     answers msg_blocks_too_long (seen in the wild: bolt-js#2509; the code is not documented).
//   - `markdown_text`: "Accepts message text formatted in markdown. This argument should not be
//     used in conjunction with blocks or text. Limit this field to 12,000 characters."
//     (chat.postMessage / chat.update docs). The fake refuses the combination (invalid_arguments).
//   - chat.update without `blocks`: "If you don't include this field, the message's previous blocks
//     will be retained. To remove previous blocks, include an empty array for this field."
//     (chat.update docs). So a text-only update of a Markdown message changes only its
//     notification text, not what a person sees.
// The fake shows a message as one document: the Markdown of its markdown blocks when it has any
// (markdown_text and native streams are kept as such blocks too), else its mrkdwn `text`.

/** Markdown blocks per payload and markdown_text per call: 12,000 characters (docs above). */
export const MARKDOWN_LIMIT = 12_000;
/** Block types the fake knows; anything else is refused as Slack refuses unknown blocks. */
const KNOWN_BLOCKS = new Set(["markdown", "section", "rich_text", "divider", "context", "header", "actions", "image"]);

export class ContentError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export interface Block {
  type: string;
  text?: unknown;
}

export interface Content {
  /** What a person sees. */
  shown: string;
  /** "markdown" when shown from markdown blocks or markdown_text; "mrkdwn" for plain `text`. */
  format: "markdown" | "mrkdwn";
  /** The message's `text` field (the notification text when it has blocks). */
  text: string;
  blocks: Block[];
}

/** The blocks of a call: absent (undefined), or a list (Bolt sends them JSON-encoded in forms). */
export function readBlocks(raw: unknown): Block[] | undefined {
  if (raw === undefined) return undefined;
  let value: unknown = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new ContentError("invalid_blocks_format");
    }
  }
  if (!Array.isArray(value)) throw new ContentError("invalid_blocks_format");
  let markdownChars = 0;
  for (const b of value) {
    if (typeof b !== "object" || b === null || typeof (b as Block).type !== "string") throw new ContentError("invalid_blocks");
    const block = b as Block;
    if (!KNOWN_BLOCKS.has(block.type)) throw new ContentError("invalid_blocks");
    if (block.type === "markdown") {
      if (typeof block.text !== "string" || block.text === "") throw new ContentError("invalid_blocks");
      markdownChars += block.text.length;
    }
  }
  if (markdownChars > MARKDOWN_LIMIT) throw new ContentError("msg_blocks_too_long");
  return value as Block[];
}

function markdownOf(blocks: Block[]): string | undefined {
  const texts = blocks.filter((b) => b.type === "markdown").map((b) => b.text as string);
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/**
 * The content after a post (`previous` undefined) or an update of a message that had `previous`.
 * Throws ContentError with Slack's error code for what Slack refuses.
 */
export function readContent(params: Record<string, unknown>, previous?: Content): Content {
  const text = typeof params.text === "string" ? params.text : undefined;
  const markdownText = typeof params.markdown_text === "string" ? params.markdown_text : undefined;
  const blocks = readBlocks(params.blocks);
  if (markdownText !== undefined) {
    if (text !== undefined || blocks !== undefined) throw new ContentError("invalid_arguments");
    if (markdownText.length > MARKDOWN_LIMIT) throw new ContentError("msg_too_long");
    // Slack keeps such a message as blocks it builds from the Markdown, as it does for streams.
    return markdownDocument(markdownText);
  }
  if (text === undefined && (blocks === undefined || blocks.length === 0)) throw new ContentError("no_text");
  const kept = blocks ?? previous?.blocks ?? [];
  const newText = text ?? "";
  const markdown = markdownOf(kept);
  if (markdown !== undefined) return { shown: markdown, format: "markdown", text: newText, blocks: kept };
  return { shown: newText, format: "mrkdwn", text: newText, blocks: kept };
}

/**
 * What a person sees of a message, drawn from what Slack holds of it (its blocks and `text`, not
 * the fake's own `shown` bookkeeping), the way a Slack client draws it:
 *   - a message with blocks is drawn from its blocks: "Slack will always try to render the
 *     message using blocks, and use text only for notifications" (chat.update docs); and blocks
 *     outlive a chat.update that leaves them out: "If you don't include this field, the message's
 *     previous blocks will be retained" (chat.update docs). So after a text-only update a person
 *     still sees the old blocks;
 *   - a `markdown` block shows its "standard markdown-formatted text" (markdown block docs); a
 *     block with a text object (section, header) shows that text;
 *   - a native stream shows the Markdown it was sent: chat.startStream's markdown_text, then each
 *     chat.appendStream's, which "is what will be appended to the message received so far", and
 *     `markdown_text` chunks, "used for streaming text content with markdown formatting support"
 *     (chat.appendStream docs); the fake keeps that as one markdown block (markdownDocument);
 *   - `text` is drawn only when the message has no blocks at all.
 */
export function renderedView(message: { blocks?: Block[]; apiText?: string; text: string }): string {
  const blocks = message.blocks ?? [];
  if (blocks.length === 0) return message.apiText ?? message.text;
  return blocks
    .map((b) => {
      if (b.type === "markdown") return b.text as string;
      const inner = b.text as { text?: unknown } | undefined;
      return typeof inner === "object" && inner !== null && typeof inner.text === "string" ? inner.text : undefined;
    })
    .filter((t): t is string => t !== undefined)
    .join("\n");
}

/** A message made of Markdown (markdown_text, a native stream): Slack keeps it as blocks. */
export function markdownDocument(markdown: string): Content {
  return { shown: markdown, format: "markdown", text: markdown, blocks: [{ type: "markdown", text: markdown }] };
}
