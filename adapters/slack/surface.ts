// One reply in a Slack thread, on one of two transports behind this one surface:
//   stream   — Slack's native streaming (stream-transport.ts). No streaming indicator is appended:
//              Slack shows its own typing affordance.
//   classic  — chat.postMessage + chat.update with the whole text (classic-transport.ts).
// The core chooses per message (SurfaceLimits.ways): a native stream while the workspace has
// stream starts left (and a stop held for the message), else post + update. So a long reply that
// continues in a new message opens a new stream for it. A failed stream call moves that message
// to classic, and it is repaired with one chat.update carrying the full text: a full replacement
// is idempotent, so text is neither lost nor repeated even when we cannot tell whether the failed
// call reached Slack. Every such repair draws from the workspace's chat.update window.
//
// format() returns Claude's Markdown with mentions defused and the indicator placed outside code
// (markdown.ts). Both transports send that Markdown, so the core's stored text means the same thing
// whichever transport a message ended on, including after a crash (reopen) or a fallback halfway
// through a message.
import type { webApi } from "@slack/bolt";
import { PalaverError } from "../../src/errors.ts";
import type { Logger } from "../../src/runtime/log.ts";
import type { MessageWay, PlatformId, PostKey, RateWindows, ReplySurface, SurfaceLimits } from "../../src/types.ts";
import { decodeMessageId, encodeAddress, isDmChannel, messageId, type SlackReplyAddress } from "./ids.ts";
import {
  appendStreamBudget,
  chatUpdateBudget,
  EDIT_INTERVAL_MS,
  MAX_MESSAGE_CHARS,
  postBudget,
  startStreamBudget,
  stopStreamBudget,
  THINKING_STATUS_REFRESH_MS,
} from "./limits.ts";
import { describeSlackError, slackErrorCode } from "./errors.ts";
import { ClassicTransport } from "./classic-transport.ts";
import { findLostPost, isAmbiguous, partMetadata } from "./lost-posts.ts";
import { appendIndicator } from "../../src/reply/markdown/indicator.ts";
import { SlackFormatter } from "./markdown.ts";
import { StreamTransport, type OpenStream } from "./stream-transport.ts";


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

export interface SurfaceDeps {
  client: webApi.WebClient;
  /** For chat.postMessage and chat.startStream: never retries by itself (lost-posts.ts). */
  postClient: webApi.WebClient;
  /** Palaver's bot user id (auth.test), to recognise its own untagged stream in a thread. */
  botUserId?: string;
  logger: Logger;
  capabilities: WorkspaceCapabilities;
  /** The core's shared rate windows (the same ones the core's budgets draw from). */
  rates: RateWindows;
  now?: () => number;
}

/** MessageWay kinds this surface offers. */
export const STREAM_WAY = "stream";
export const CLASSIC_WAY = "classic";

export class SlackReplySurface implements ReplySurface {
  readonly address: string;
  /** Whether new messages may open native streams (not for a reopened reply). */
  private readonly mayStream: boolean;
  /** Every message this surface sent, by ts; a value means the message is still an open stream. */
  private readonly sent: Map<string, OpenStream | undefined> = new Map();
  /**
   * Messages the core sends as streams that fell back to classic: their edits are chat.updates
   * the core's budgets did not take, so they draw from the chat.update window here.
   */
  private readonly fellBack = new Set<string>();
  private lastStatusAt = -Infinity;
  private lastStatus = "";
  private readonly now: () => number;
  private readonly stream: StreamTransport;
  private readonly classic: ClassicTransport;
  /** Parts whose post failed ambiguously, with when: looked for before posting them again. */
  private readonly uncertain = new Map<string, number>();
  private readonly formatter = new SlackFormatter();

  constructor(
    private readonly where: SlackReplyAddress,
    private readonly deps: SurfaceDeps,
    options: { reopened?: boolean } = {},
  ) {
    this.address = encodeAddress(where);
    this.now = deps.now ?? Date.now;
    const stop = stopStreamBudget(where.team);
    this.stream = new StreamTransport(deps.client, deps.postClient, where, () => deps.rates.acquire([stop], true), deps.logger);
    this.classic = new ClassicTransport(deps.client, deps.postClient, where.channel, where.threadTs, deps.logger);
    // A reopened reply only finishes what a crashed process left: whole-text updates are safest.
    this.mayStream = !options.reopened;
  }

  get limits(): SurfaceLimits {
    const { team, channel } = this.where;
    const update = chatUpdateBudget(team);
    const post = postBudget(team, channel);
    const classic: MessageWay = {
      kind: CLASSIC_WAY,
      open: [],
      post: [post],
      progress: [update],
      final: [update],
      streamingIndicator: CLASSIC_STREAMING_INDICATOR,
    };
    // Stream starts are Tier 2 per workspace, not chat.postMessage's per-channel pace: twenty
    // replies in one channel can all open their streams at once.
    const stream: MessageWay = {
      kind: STREAM_WAY,
      open: [startStreamBudget(team)],
      post: [],
      progress: [appendStreamBudget(team)],
      final: [stopStreamBudget(team)],
      streamingIndicator: "",
    };
    const streaming = this.mayStream && this.deps.capabilities.nativeStreaming;
    return {
      maxMessageLength: MAX_MESSAGE_CHARS,
      editIntervalMs: EDIT_INTERVAL_MS,
      editBudgets: [update],
      postBudgets: [post],
      streamingIndicator: CLASSIC_STREAMING_INDICATOR,
      ways: streaming ? [stream, classic] : [classic],
    };
  }

  format(markdown: string, indicator = ""): string {
    return this.formatter.format(markdown, indicator);
  }

  async showThinking(status?: string): Promise<void> {
    const caps = this.deps.capabilities;
    const kind = isDmChannel(this.where.channel) ? "dm" : "channel";
    const text = status ? `is ${status}` : THINKING_STATUS;
    // A new status is shown at once; the same one is only refreshed before Slack's timeout.
    const fresh = text === this.lastStatus && this.now() - this.lastStatusAt < THINKING_STATUS_REFRESH_MS;
    if (caps.statusRefused.has(kind) || fresh) return;
    try {
      await this.deps.client.assistant.threads.setStatus({
        channel_id: this.where.channel,
        thread_ts: this.where.threadTs,
        status: text,
      });
      this.lastStatusAt = this.now();
      this.lastStatus = text;
    } catch (err) {
      // Slack said no (an old install without the scope, a kind of conversation it does not
      // support): stop asking there. A network failure is retried at the core's next refresh.
      if (slackErrorCode(err) !== undefined) caps.statusRefused.add(kind);
      throw new PalaverError("surface_failed", `Slack assistant.threads.setStatus failed: ${describeSlackError(err)}`, { cause: err });
    }
  }

  async post(text: string, final = false, way?: string, key?: PostKey): Promise<PlatformId> {
    const partKey = key ? `${key.replyId}:${key.part}` : undefined;
    const failedAt = partKey ? this.uncertain.get(partKey) : undefined;
    if (key && failedAt !== undefined) {
      // An earlier try may have landed after all: never post a part twice.
      const found = await this.adoptLost(key, failedAt, false, text, final);
      if (found) return found;
    }
    const startedAt = this.now();
    try {
      return await this.postOnce(text, final, way, key);
    } catch (err) {
      if (!key || !partKey || !isAmbiguous(err)) throw err;
      this.uncertain.set(partKey, startedAt);
      const found = await this.adoptLost(key, startedAt, false, text, final).catch(() => undefined);
      if (found) return found;
      throw err;
    }
  }

  private async postOnce(text: string, final: boolean, way: string | undefined, key: PostKey | undefined): Promise<PlatformId> {
    const metadata = key ? partMetadata(key) : undefined;
    // A message that gets no edit after this post gains nothing from a stream (and a stream
    // nobody stops would look unfinished until Slack expires it): post it plainly.
    if (way === STREAM_WAY && !final) {
      const startedAt = this.now();
      try {
        const ts = await this.stream.start(text);
        this.sent.set(ts, { streamed: text, metadata });
        return this.id(ts);
      } catch (err) {
        this.fallBack("chat.startStream", err);
        if (key && isAmbiguous(err)) {
          // The stream may have started even though the answer was lost: take it over rather
          // than post the text a second time.
          const found = await this.adoptLost(key, startedAt, true, text, final);
          if (found) return found;
        }
        // Nothing is known to be on screen: post the text the classic way instead. The core's
        // text for a stream carries no indicator; a classic message still being written shows one.
        const shown = appendIndicator(text, CLASSIC_STREAMING_INDICATOR);
        const ts = await this.classic.post(shown, this.formatter.notification(shown), metadata);
        this.sent.set(ts, undefined);
        this.fellBack.add(ts);
        return this.id(ts);
      }
    }
    const ts = await this.classic.post(text, this.formatter.notification(text), metadata);
    this.sent.set(ts, undefined);
    return this.id(ts);
  }

  /**
   * Find the message a failed post or stream start stored after all; if there, bring it up to
   * date with one whole-text update (a lost stream is stopped first) and answer its id.
   */
  private async adoptLost(key: PostKey, sinceMs: number, streamStart: boolean, text: string, final: boolean): Promise<PlatformId | undefined> {
    const found = await findLostPost(this.deps.client, {
      channel: this.where.channel,
      threadTs: this.where.threadTs,
      key,
      sinceMs,
      streamStart,
      known: new Set(this.sent.keys()),
      botUserId: this.deps.botUserId,
    });
    if (!found) return undefined;
    this.deps.logger.info({ channel: this.where.channel, ts: found.ts, part: key.part }, "slack: a post whose answer was lost had landed; continuing it");
    if (found.streaming) await this.stream.stopAbandoned(found.ts);
    this.sent.set(found.ts, undefined);
    // Its later edits are chat.updates whatever the core chose for it.
    this.fellBack.add(found.ts);
    this.uncertain.delete(`${key.replyId}:${key.part}`);
    await this.repair(found.ts, final ? text : appendIndicator(text, CLASSIC_STREAMING_INDICATOR), true);
    return this.id(found.ts);
  }

  async edit(messageId: PlatformId, text: string, final: boolean): Promise<void> {
    const ref = decodeMessageId(messageId);
    if (ref.channel !== this.where.channel || ref.team !== this.where.team) {
      throw new PalaverError("surface_failed", `message ${messageId} is not in this reply's channel`);
    }
    const open = this.sent.get(ref.ts);
    if (open !== undefined) {
      const result = await this.stream.extend(ref.ts, open, text, final);
      if (result.ok) {
        if (final) this.sent.set(ref.ts, undefined);
        return;
      }
      this.fallBack(result.method, result.err);
      // Whatever state the stream is in, end it so the message takes a plain update.
      await this.stream.stopAbandoned(ref.ts);
      this.sent.set(ref.ts, undefined);
      this.fellBack.add(ref.ts);
      await this.repair(ref.ts, final ? text : appendIndicator(text, CLASSIC_STREAMING_INDICATOR), final);
      return;
    }
    if (this.fellBack.has(ref.ts)) {
      await this.repair(ref.ts, final ? text : appendIndicator(text, CLASSIC_STREAMING_INDICATOR), final);
      return;
    }
    if (!this.sent.has(ref.ts)) {
      // A message this process did not send (reopened after a crash): if it is a native stream
      // that was never stopped, stop it so the update below can replace its text.
      await this.stream.stopAbandoned(ref.ts);
    }
    await this.classic.update(ref.ts, text, this.formatter.notification(text));
  }

  /**
   * A chat.update the core's budgets did not pay for (the core took stream budgets for this
   * message): it draws from the workspace's chat.update window. A final repair waits for its
   * slot; an intermediate one is skipped when none is free (the final repair carries the text).
   */
  private async repair(ts: string, text: string, final: boolean): Promise<void> {
    const update = chatUpdateBudget(this.where.team);
    const stamps = this.deps.rates.stamps();
    if (final) await this.deps.rates.acquire([update], true, undefined, stamps);
    else if (!this.deps.rates.tryAcquire(update, stamps)) return;
    try {
      await this.classic.update(ts, text, this.formatter.notification(text));
    } finally {
      stamps.done();
    }
  }

  private fallBack(method: string, err: unknown): void {
    const code = slackErrorCode(err);
    if (code !== undefined && STREAMING_UNAVAILABLE.has(code)) this.deps.capabilities.nativeStreaming = false;
    this.deps.logger.warn(
      { method, error: describeSlackError(err), channel: this.where.channel, thread: this.where.threadTs },
      "slack native streaming failed; this message continues with post + update",
    );
  }

  private id(ts: string): PlatformId {
    return messageId({ team: this.where.team, channel: this.where.channel, ts });
  }
}
