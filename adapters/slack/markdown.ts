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
import { appendToPrinted, indicatorSuffix } from "../../src/reply/markdown/indicator.ts";
import { defuseMarkdown } from "../../src/reply/markdown/mentions.ts";
import { parseMarkdown } from "../../src/reply/markdown/parse.ts";
import { printMarkdown } from "../../src/reply/markdown/print.ts";
import { markdownToMrkdwn, MRKDWN_DIALECT } from "./mrkdwn.ts";

/** markdown_text per stream call and markdown blocks per payload: 12,000 characters each. */
export const MARKDOWN_MAX_CHARS = 12_000;

/** Errors that mean "Slack will not take this markdown block": send mrkdwn text instead. */
export const MARKDOWN_REFUSED = new Set(["invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long"]);

/** Formatted texts whose mrkdwn is kept, so a send does not parse again (per reply surface). */
const NOTIFICATION_CACHE_SIZE = 8;

export interface SlackText {
  /** Claude's Markdown as Palaver sends it: mentions defused, the indicator outside code. */
  markdown: string;
  /** The same as mrkdwn, for the notification text. */
  mrkdwn: string;
}

/** Both forms from one parse (parsing is the costly part of formatting). */
export function formatSlack(markdown: string, indicator = ""): SlackText {
  const root = parseMarkdown(markdown);
  return {
    markdown: defuseMarkdown(markdown, root) + indicatorSuffix(markdown, indicator, root),
    mrkdwn: appendToPrinted(printMarkdown(root, MRKDWN_DIALECT), root, indicator),
  };
}

export function slackMarkdown(markdown: string, indicator = ""): string {
  return formatSlack(markdown, indicator).markdown;
}

/** Formats for one reply and remembers the mrkdwn of what it formatted, for the sends that follow. */
export class SlackFormatter {
  private readonly notifications = new Map<string, string>();

  format(markdown: string, indicator = ""): string {
    const text = formatSlack(markdown, indicator);
    if (this.notifications.size >= NOTIFICATION_CACHE_SIZE) this.notifications.delete(this.notifications.keys().next().value!);
    this.notifications.set(text.markdown, text.mrkdwn);
    return text.markdown;
  }

  /** The mrkdwn notification text of a formatted text. */
  notification(formatted: string): string {
    return this.notifications.get(formatted) ?? markdownToMrkdwn(formatted);
  }
}

export interface SlackContent {
  text: string;
  blocks: webApi.KnownBlock[];
}

/** A message's content: the Markdown in a markdown block, mrkdwn for notifications. */
export function markdownContent(markdown: string, notification = markdownToMrkdwn(markdown)): SlackContent {
  return { text: notification, blocks: [{ type: "markdown", text: markdown }] };
}

/**
 * The fallback content: mrkdwn text and no blocks. On chat.update the empty list matters: "If you
 * don't include this field, the message's previous blocks will be retained" (chat.update docs).
 */
export function mrkdwnContent(notification: string): SlackContent {
  return { text: notification, blocks: [] };
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
  notification: string,
  send: (content: SlackContent) => Promise<T>,
  refused: (code: string) => void,
): Promise<T> {
  try {
    return await send(markdownContent(markdown, notification));
  } catch (err) {
    const code = markdownRefusal(err);
    if (code === undefined) throw err;
    refused(code);
    return send(mrkdwnContent(notification));
  }
}
