// The classic transport: chat.postMessage, then chat.update with the whole text each time. A full
// replacement is idempotent, so a retried or repeated update neither loses nor repeats text.
// The text goes as a markdown block with its mrkdwn beside it for notifications, or as mrkdwn
// alone when Slack refuses the block (markdown.ts).
import type { webApi } from "@slack/bolt";
import { PalaverError } from "../../src/errors.ts";
import type { Logger } from "../../src/runtime/log.ts";
import { sendMarkdown, type SlackContent } from "./markdown.ts";
import { surfaceFailure } from "./errors.ts";
import type { PartMetadata } from "./lost-posts.ts";

export class ClassicTransport {
  /**
   * `postClient` never retries by itself (see lost-posts.ts): a post retried blindly after an
   * answer was lost would be a second message. Updates replace the whole text and are safe to retry.
   */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly postClient: webApi.WebClient,
    private readonly channel: string,
    private readonly threadTs: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Post a new message in the thread, tagged with its reply part when known; returns its ts.
   * `notification`: its mrkdwn.
   */
  async post(markdown: string, notification: string, metadata?: PartMetadata): Promise<string> {
    const post = ({ text, blocks }: SlackContent) =>
      this.postClient.chat.postMessage({
        channel: this.channel,
        thread_ts: this.threadTs,
        ...(metadata ? { metadata } : {}),
        text,
        ...(blocks.length > 0 ? { blocks } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
    try {
      const res = await sendMarkdown(markdown, notification, post, (code) => this.refused("chat.postMessage", code));
      if (!res.ts) throw new PalaverError("surface_failed", "chat.postMessage returned no ts");
      return res.ts;
    } catch (err) {
      throw surfaceFailure("chat.postMessage", err);
    }
  }

  /** Replace a message's whole content. */
  async update(ts: string, markdown: string, notification: string): Promise<void> {
    const update = (content: SlackContent) => this.client.chat.update({ channel: this.channel, ts, ...content });
    try {
      await sendMarkdown(markdown, notification, update, (code) => this.refused("chat.update", code));
    } catch (err) {
      throw surfaceFailure("chat.update", err);
    }
  }

  private refused(method: string, code: string): void {
    this.logger.warn({ method, error: code, channel: this.channel }, "slack refused the markdown block; sending mrkdwn text");
  }
}
