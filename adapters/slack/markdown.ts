// Claude's Markdown on Slack: sent as Markdown wherever Slack takes it, so a reply looks the same
// whichever transport carried it.
//   - native streams: `markdown_text` (surface.ts);
//   - chat.postMessage / chat.update: a `markdown` block, "the standard markdown-formatted text.
//     The cumulative limit for all markdown blocks in a single payload is 12,000 characters"
//     (docs.slack.dev/reference/block-kit/blocks/markdown-block). Beside it goes `text`, which
//     "will be used as fallback text for notifications only" (docs.slack.dev/reference/methods/
//     chat.update): Slack takes no Markdown there, so it is mrkdwn printed from the same tree.
//     (`markdown_text` on these methods "should not be used in conjunction with blocks or text",
//     which would leave notifications without our text.)
// If Slack refuses the block (a workspace or client without markdown blocks, or Slack's
// undocumented block payload ceiling, bolt-js#2509), the message is sent as mrkdwn `text` alone.
// Mentions in the Markdown are defused (src/reply/markdown/mentions.ts) before anything is sent.
import type { webApi } from "@slack/bolt";
import { appendIndicator } from "../../src/reply/markdown/indicator.ts";
import { defuseMarkdown } from "../../src/reply/markdown/mentions.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";

/** markdown_text per stream call and markdown blocks per payload: 12,000 characters each. */
export const MARKDOWN_MAX_CHARS = 12_000;

/** Errors that mean "Slack will not take this markdown block": send mrkdwn text instead. */
export const MARKDOWN_REFUSED = new Set(["invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long"]);

/** Claude's Markdown as Palaver sends it to Slack: mentions defused, the indicator outside code. */
export function slackMarkdown(markdown: string, indicator = ""): string {
  return appendIndicator(defuseMarkdown(markdown), indicator);
}

export interface SlackContent {
  text: string;
  blocks: webApi.KnownBlock[];
}

/** A message's content: the Markdown in a markdown block, mrkdwn for notifications. */
export function markdownContent(markdown: string): SlackContent {
  return { text: markdownToMrkdwn(markdown), blocks: [{ type: "markdown", text: markdown }] };
}

/**
 * The fallback content: mrkdwn text and no blocks. On chat.update the empty list matters: "If you
 * don't include this field, the message's previous blocks will be retained" (chat.update docs).
 */
export function mrkdwnContent(markdown: string): SlackContent {
  return { text: markdownToMrkdwn(markdown), blocks: [] };
}

/** The Slack error code when `err` says Slack refused a markdown block, else undefined. */
function markdownRefusal(err: unknown): string | undefined {
  const data = typeof err === "object" && err !== null ? (err as { data?: { error?: unknown } }).data : undefined;
  const code = data?.error;
  return typeof code === "string" && MARKDOWN_REFUSED.has(code) ? code : undefined;
}

/**
 * Send `markdown` with `send` as a markdown block; if Slack refuses the block, send it again as
 * mrkdwn text alone (`refused` is told why).
 */
export async function sendMarkdown<T>(
  markdown: string,
  send: (content: SlackContent) => Promise<T>,
  refused: (code: string) => void,
): Promise<T> {
  try {
    return await send(markdownContent(markdown));
  } catch (err) {
    const code = markdownRefusal(err);
    if (code === undefined) throw err;
    refused(code);
    return send(mrkdwnContent(markdown));
  }
}
