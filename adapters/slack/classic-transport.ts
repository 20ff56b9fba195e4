// The classic transport: chat.postMessage, then chat.update with the whole text each time. A full
// replacement is idempotent, so a retried or repeated update neither loses nor repeats text.
import type { webApi } from "@slack/bolt";
import { PalaverError } from "../../src/errors.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";
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
  ) {}

  /** Post a new message in the thread, tagged with its reply part when known; returns its ts. */
  async post(markdown: string, metadata?: PartMetadata): Promise<string> {
    try {
      const res = await this.postClient.chat.postMessage({
        channel: this.channel,
        thread_ts: this.threadTs,
        ...(metadata ? { metadata } : {}),
        text: markdownToMrkdwn(markdown),
        unfurl_links: false,
        unfurl_media: false,
      });
      if (!res.ts) throw new PalaverError("surface_failed", "chat.postMessage returned no ts");
      return res.ts;
    } catch (err) {
      throw surfaceFailure("chat.postMessage", err);
    }
  }

  /** Replace a message's whole text. */
  async update(ts: string, markdown: string): Promise<void> {
    try {
      await this.client.chat.update({ channel: this.channel, ts, text: markdownToMrkdwn(markdown) });
    } catch (err) {
      throw surfaceFailure("chat.update", err);
    }
  }
}
