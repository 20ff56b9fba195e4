// One reply in a Slack thread. Two transports:
//   stream   — Slack's native streaming: chat.startStream (post), chat.appendStream (edits, sending
//              only what is new), chat.stopStream (final edit). Slack renders the Markdown itself
//              and shows its own typing affordance, so no streaming indicator is appended.
//   classic  — chat.postMessage + chat.update with the whole text as a markdown block (markdown.ts).
// A reply starts on the stream transport when the workspace supports it. Any failed stream call
// moves the reply to classic for good, and the message in question is repaired with one
// chat.update carrying the full text: a full replacement is idempotent, so text is neither lost
// nor repeated even when we cannot tell whether the failed call reached Slack.
//
// format() returns Claude's Markdown with mentions defused (and the indicator placed outside code).
// Both transports send that Markdown, so the core's stored text means the same thing
// whichever transport a message ended on, including after a crash (reopen) or a fallback halfway
// through a message.
import { webApi } from "@slack/bolt";
import { PalaverError } from "../../src/errors.ts";
import type { Logger } from "../../src/runtime/log.ts";
import type { PlatformId, ReplySurface, SurfaceLimits } from "../../src/types.ts";
import { decodeMessageId, encodeAddress, isDmChannel, messageId, type SlackReplyAddress } from "./ids.ts";
import {
  appendStreamBudget,
  chatUpdateBudget,
  EDIT_INTERVAL_MS,
  MAX_MESSAGE_CHARS,
  postBudget,
  THINKING_STATUS_REFRESH_MS,
} from "./limits.ts";
import { appendIndicator } from "../../src/reply/markdown/indicator.ts";
import { sendMarkdown, SlackFormatter, type SlackContent } from "./markdown.ts";

/** Shown after the text while a classic (post + update) message is still being written. */
export const CLASSIC_STREAMING_INDICATOR = " ▍";
export const THINKING_STATUS = "is thinking…";

/**
 * Stream errors that mean "this workspace has no native streaming" (GovSlack: unknown_method),
 * so later replies start on the classic transport without trying again.
 */
const STREAMING_UNAVAILABLE = new Set([
  "unknown_method",
  "method_deprecated",
  "not_allowed_token_type",
  "missing_scope",
  "feature_not_enabled",
]);

/** What the adapter learned about the workspace, shared by every surface. */
export class WorkspaceCapabilities {
  nativeStreaming: boolean;
  /** Where Slack refused the "is thinking…" status (DMs and channel threads may differ). */
  readonly statusRefused = new Set<"dm" | "channel">();
  constructor(nativeStreaming: boolean) {
    this.nativeStreaming = nativeStreaming;
  }
}

/** One Slack method's shared rate window (the core's budgets, see src/reply/rate-budgets.ts). */
export interface StreamCallLimiter {
  /** Take a slot if one is free now; never waits. */
  tryAcquire(): boolean;
  /** Wait for a slot. */
  acquire(): Promise<void>;
}

export interface SurfaceDeps {
  client: webApi.WebClient;
  logger: Logger;
  capabilities: WorkspaceCapabilities;
  /** Shared limiters for chat.startStream / chat.stopStream (Tier 2), see adapter.ts. */
  streamStarts: StreamCallLimiter;
  streamStops: StreamCallLimiter;
  now?: () => number;
}

type Transport = "stream" | "classic";

interface SentMessage {
  transport: Transport;
  /** Stream transport: the Markdown Slack has received so far. */
  streamed: string;
}

export function slackErrorCode(err: unknown): string | undefined {
  if (err instanceof Error && "code" in err && err.code === webApi.ErrorCode.PlatformError) {
    const data = (err as webApi.WebAPIPlatformError).data;
    return typeof data.error === "string" ? data.error : "unknown_error";
  }
  return undefined;
}

function describe(err: unknown): string {
  return slackErrorCode(err) ?? (err instanceof Error ? err.message : String(err));
}

export class SlackReplySurface implements ReplySurface {
  readonly address: string;
  private transport: Transport;
  private readonly sent = new Map<string, SentMessage>();
  private lastStatusAt = -Infinity;
  private readonly now: () => number;
  private readonly formatter = new SlackFormatter();

  constructor(
    private readonly where: SlackReplyAddress,
    private readonly deps: SurfaceDeps,
    options: { reopened?: boolean } = {},
  ) {
    this.address = encodeAddress(where);
    this.now = deps.now ?? Date.now;
    // A reopened reply only finishes what a crashed process left: whole-text updates are safest.
    this.transport = !options.reopened && deps.capabilities.nativeStreaming ? "stream" : "classic";
  }

  get limits(): SurfaceLimits {
    const { team, channel } = this.where;
    if (this.transport === "stream") {
      return {
        maxMessageLength: MAX_MESSAGE_CHARS,
        editIntervalMs: EDIT_INTERVAL_MS,
        editBudgets: [appendStreamBudget(team)],
        // A stream start is also a message in the channel: it shares chat.postMessage's pace.
        postBudgets: [postBudget(team, channel)],
        streamingIndicator: "",
      };
    }
    return {
      maxMessageLength: MAX_MESSAGE_CHARS,
      editIntervalMs: EDIT_INTERVAL_MS,
      editBudgets: [chatUpdateBudget(team)],
      postBudgets: [postBudget(team, channel)],
      streamingIndicator: CLASSIC_STREAMING_INDICATOR,
    };
  }

  format(markdown: string, indicator = ""): string {
    return this.formatter.format(markdown, indicator);
  }

  async showThinking(): Promise<void> {
    const caps = this.deps.capabilities;
    const kind = isDmChannel(this.where.channel) ? "dm" : "channel";
    if (caps.statusRefused.has(kind) || this.now() - this.lastStatusAt < THINKING_STATUS_REFRESH_MS) return;
    try {
      await this.deps.client.assistant.threads.setStatus({
        channel_id: this.where.channel,
        thread_ts: this.where.threadTs,
        status: THINKING_STATUS,
      });
      this.lastStatusAt = this.now();
    } catch (err) {
      // Slack said no (an old install without the scope, a kind of conversation it does not
      // support): stop asking there. A network failure is retried at the core's next refresh.
      if (slackErrorCode(err) !== undefined) caps.statusRefused.add(kind);
      throw new PalaverError("surface_failed", `Slack assistant.threads.setStatus failed: ${describe(err)}`, { cause: err });
    }
  }

  async post(text: string, final = false): Promise<PlatformId> {
    // A message that gets no edit after this post gains nothing from a stream (and a stream
    // nobody stops would look unfinished until Slack expires it): post it plainly.
    let fellBack = false;
    if (this.transport === "stream" && !final && !this.deps.streamStarts.tryAcquire()) {
      // The workspace has started all the streams Slack allows this minute: this reply is
      // posted and updated the classic way rather than waiting for a start.
      this.deps.logger.debug({ channel: this.where.channel }, "slack stream starts used up; posting classic");
      this.transport = "classic";
      fellBack = true;
    }
    if (this.transport === "stream" && !final) {
      try {
        const res = await this.deps.client.chat.startStream({
          channel: this.where.channel,
          thread_ts: this.where.threadTs,
          markdown_text: text,
          recipient_user_id: this.where.recipientUser,
          recipient_team_id: this.where.recipientTeam,
        });
        if (!res.ts) throw new PalaverError("surface_failed", "chat.startStream returned no ts");
        this.sent.set(res.ts, { transport: "stream", streamed: text });
        return this.id(res.ts);
      } catch (err) {
        // Nothing is known to be on screen: post the text the classic way instead.
        this.fallBack("chat.startStream", err);
        fellBack = true;
      }
    }
    // Text meant for a stream carries no indicator; on the classic transport a message that is
    // still being written shows one.
    const shown = fellBack && !final ? appendIndicator(text, CLASSIC_STREAMING_INDICATOR) : text;
    const post = ({ text: notification, blocks }: SlackContent) =>
      this.deps.client.chat.postMessage({
        channel: this.where.channel,
        thread_ts: this.where.threadTs,
        text: notification,
        ...(blocks.length > 0 ? { blocks } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
    try {
      const res = await sendMarkdown(shown, this.formatter.notification(shown), post, (code) => this.markdownRefused("chat.postMessage", code));
      if (!res.ts) throw new PalaverError("surface_failed", "chat.postMessage returned no ts");
      this.sent.set(res.ts, { transport: "classic", streamed: "" });
      return this.id(res.ts);
    } catch (err) {
      throw this.failure("chat.postMessage", err);
    }
  }

  async edit(messageId: PlatformId, text: string, final: boolean): Promise<void> {
    const ref = decodeMessageId(messageId);
    if (ref.channel !== this.where.channel || ref.team !== this.where.team) {
      throw new PalaverError("surface_failed", `message ${messageId} is not in this reply's channel`);
    }
    const sent = this.sent.get(ref.ts);
    if (sent?.transport === "stream") {
      if (await this.editStream(ref.ts, sent, text, final)) return;
      await this.update(ref.ts, final ? text : appendIndicator(text, CLASSIC_STREAMING_INDICATOR));
      return;
    } else if (sent === undefined) {
      // A message this process did not send (reopened after a crash): if it is a native stream
      // that was never stopped, stop it so the update below can replace its text.
      await this.stopAbandonedStream(ref.ts);
    }
    await this.update(ref.ts, text);
  }

  /** True when the stream took the edit; false when the caller must update the whole text. */
  private async editStream(ts: string, sent: SentMessage, text: string, final: boolean): Promise<boolean> {
    const client = this.deps.client;
    const channel = this.where.channel;
    if (text.startsWith(sent.streamed)) {
      const delta = text.slice(sent.streamed.length);
      try {
        if (final) {
          await this.deps.streamStops.acquire();
          await client.chat.stopStream({ channel, ts, ...(delta ? { markdown_text: delta } : {}) });
          sent.transport = "classic";
        } else if (delta) {
          await client.chat.appendStream({ channel, ts, markdown_text: delta });
        }
        sent.streamed = text;
        return true;
      } catch (err) {
        this.fallBack(final ? "chat.stopStream" : "chat.appendStream", err);
      }
    } else {
      this.fallBack("chat.appendStream", new Error("the new text does not extend the streamed text"));
    }
    // Whatever state the stream is in, end it so the message takes a plain update.
    await this.stopAbandonedStream(ts);
    sent.transport = "classic";
    return false;
  }

  private async stopAbandonedStream(ts: string): Promise<void> {
    await this.deps.streamStops.acquire();
    try {
      await this.deps.client.chat.stopStream({ channel: this.where.channel, ts });
    } catch (err) {
      // Expected for messages that are not (or no longer) streaming; the update that follows sets
      // the whole text either way, so nothing is left half done.
      this.deps.logger.debug({ ts, error: describe(err) }, "slack stopStream before update");
    }
  }

  private async update(ts: string, text: string): Promise<void> {
    try {
      const update = (content: SlackContent) => this.deps.client.chat.update({ channel: this.where.channel, ts, ...content });
      await sendMarkdown(text, this.formatter.notification(text), update, (code) => this.markdownRefused("chat.update", code));
    } catch (err) {
      throw this.failure("chat.update", err);
    }
  }

  private markdownRefused(method: string, code: string): void {
    this.deps.logger.warn({ method, error: code, channel: this.where.channel }, "slack refused the markdown block; sending mrkdwn text");
  }

  private fallBack(method: string, err: unknown): void {
    const code = slackErrorCode(err);
    if (code !== undefined && STREAMING_UNAVAILABLE.has(code)) this.deps.capabilities.nativeStreaming = false;
    this.deps.logger.warn(
      { method, error: describe(err), channel: this.where.channel, thread: this.where.threadTs },
      "slack native streaming failed; this reply continues with post + update",
    );
    this.transport = "classic";
  }

  private failure(method: string, err: unknown): PalaverError {
    if (err instanceof PalaverError) return err;
    return new PalaverError("surface_failed", `Slack ${method} failed: ${describe(err)}`, { cause: err });
  }

  private id(ts: string): PlatformId {
    return messageId({ team: this.where.team, channel: this.where.channel, ts });
  }
}
