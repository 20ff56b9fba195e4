// Slack's native streaming: chat.startStream opens a message, chat.appendStream adds only what is
// new, chat.stopStream ends it. Slack renders the Markdown itself and shows its own typing
// affordance. Each call reports failure by returning false (or throwing from start) so the
// surface can move the reply to the classic transport.
import type { webApi } from "@slack/bolt";
import { PalaverError } from "../../src/errors.ts";
import type { Logger } from "../../src/runtime/log.ts";
import type { SlackReplyAddress } from "./ids.ts";
import { describeSlackError } from "./errors.ts";
import type { PartMetadata } from "./lost-posts.ts";

/** A message being streamed: the Markdown Slack has received so far. */
export interface OpenStream {
  streamed: string;
  /** Tags the message when the stream stops (chat.startStream takes no metadata; stopStream does). */
  metadata?: PartMetadata;
}

export type StreamEditResult = { ok: true } | { ok: false; method: string; err: unknown };

export class StreamTransport {
  constructor(
    private readonly client: webApi.WebClient,
    /** Never retries by itself: a start retried blindly after a lost answer is a second message. */
    private readonly startClient: webApi.WebClient,
    private readonly where: SlackReplyAddress,
    /** Waits for a chat.stopStream slot for a stop the core's budgets did not take. */
    private readonly stopSlot: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Open a stream with its first text; returns the message ts. Throws on failure. */
  async start(markdown: string): Promise<string> {
    const res = await this.startClient.chat.startStream({
      channel: this.where.channel,
      thread_ts: this.where.threadTs,
      markdown_text: markdown,
      recipient_user_id: this.where.recipientUser,
      recipient_team_id: this.where.recipientTeam,
    });
    if (!res.ts) throw new PalaverError("surface_failed", "chat.startStream returned no ts");
    return res.ts;
  }

  /**
   * Send what `text` adds to the stream (and stop it when final). The core has taken the
   * budget for the call (appendStream, or the stop it held for this message).
   */
  async extend(ts: string, open: OpenStream, text: string, final: boolean): Promise<StreamEditResult> {
    if (!text.startsWith(open.streamed)) {
      return { ok: false, method: "chat.appendStream", err: new Error("the new text does not extend the streamed text") };
    }
    const delta = text.slice(open.streamed.length);
    const channel = this.where.channel;
    try {
      if (final) {
        await this.client.chat.stopStream({
          channel,
          ts,
          ...(delta ? { markdown_text: delta } : {}),
          ...(open.metadata ? { metadata: open.metadata } : {}),
        });
      } else if (delta) {
        await this.client.chat.appendStream({ channel, ts, markdown_text: delta });
      }
      open.streamed = text;
      return { ok: true };
    } catch (err) {
      return { ok: false, method: final ? "chat.stopStream" : "chat.appendStream", err };
    }
  }

  /** End a stream whatever state it is in, so the message takes a plain update. */
  async stopAbandoned(ts: string): Promise<void> {
    await this.stopSlot();
    try {
      await this.client.chat.stopStream({ channel: this.where.channel, ts });
    } catch (err) {
      // Expected for messages that are not (or no longer) streaming; the update that follows sets
      // the whole text either way, so nothing is left half done.
      this.logger.debug({ ts, error: describeSlackError(err) }, "slack stopStream before update");
    }
  }
}
