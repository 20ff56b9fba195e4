// The path of one message (design.md): dedupe → gate → sync → history → stream → record.
// Adapters call `handle()`; everything Palaver decides happens here or in the modules it calls.
import { randomUUID } from "node:crypto";
import type { BotApi, CommandRequest, HandleOutcome, InboundMessage, Platform, ReplySurface } from "../types.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import type { Logger } from "../runtime/log.ts";
import type { Db } from "../store/sql.ts";
import { ConversationStore } from "../store/conversations.ts";
import { ReplyStore } from "../store/replies.ts";
import { AttachmentStore } from "../store/attachments.ts";
import { ingestAttachments } from "../context/files/ingest.ts";
import { EventLog } from "../store/events.ts";
import { InboxStore } from "../store/inbox.ts";
import { UsageRecorder } from "../usage/recorder.ts";
import { partHooks } from "./part-hooks.ts";
import { Settings } from "../context/settings.ts";
import { PriceTable } from "../claude/pricing.ts";
import { requestTokens } from "../context/history.ts";
import { messageFileTokens, requestHistory, type RequestHistory, type RequestHistoryDeps } from "./request-history.ts";
import type { ClaudeClient } from "../claude/client.ts";
import { streamReply } from "./stream-reply.ts";
import { Budgets } from "../reply/rate-budgets.ts";
import { ReplyRenderer } from "../reply/renderer.ts";
import { KeyedQueue } from "./queue.ts";
import { ConversationLeases } from "./leases.ts";
import { LeaseStore } from "../store/leases.ts";
import { Gate } from "../admission/gate.ts";
import { describeError, PalaverError } from "../errors.ts";
import * as notes from "../reply/notes.ts";
import { noMetrics, type Metrics } from "../ops/metrics.ts";

/** Runs /palaver commands (src/commands). */
export interface CommandRunner {
  run(request: CommandRequest): Promise<string>;
}

export interface BotDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: Clock;
  claude: ClaudeClient;
  prices: PriceTable;
  gate: Gate;
  commands: CommandRunner;
  settings: Settings;
  budgets?: Budgets;
  /** This process's instance id (src/pipeline/ownership.ts): the owner of its replies. */
  instanceId: string;
  metrics?: Metrics;
}

/** Reply set-ups per event-loop turn: a few ms each (most of it the HTTP request), so a burst holds the loop ~20 ms at a time. */
const SETUPS_PER_LOOP_TURN = 4;

const MS_PER_SECOND = 1000;

export class Bot implements BotApi {
  readonly conversations: ConversationStore;
  readonly replies: ReplyStore;
  readonly events: EventLog;
  readonly inbox: InboxStore;
  readonly usage: UsageRecorder;
  readonly budgets: Budgets;
  readonly blobs: AttachmentStore;
  readonly instanceId: string;
  /** One reply at a time per conversation across instances (this process's queue orders its own). */
  readonly leases: ConversationLeases;
  private readonly requestDeps: RequestHistoryDeps;
  private readonly queue = new KeyedQueue();
  private readonly inFlight = new Map<string, AbortController>();
  private readonly warnedModels = new Set<string>();
  private readonly metrics: Metrics;
  /** Replies past the gate and not yet finished (palaver_replies_in_flight). */
  private replying = 0;
  private closing = false;
  private setupTurn: Promise<void> = Promise.resolve();
  private setupSlots = 0;

  constructor(private readonly deps: BotDeps) {
    this.conversations = new ConversationStore(deps.db);
    this.replies = new ReplyStore(deps.db);
    this.events = new EventLog(deps.db);
    this.inbox = new InboxStore(deps.db);
    this.instanceId = deps.instanceId;
    this.leases = new ConversationLeases(new LeaseStore(deps.db), deps.instanceId, deps.clock);
    this.budgets = deps.budgets ?? new Budgets();
    this.blobs = new AttachmentStore(deps.db);
    this.metrics = deps.metrics ?? noMetrics;
    this.usage = new UsageRecorder(deps.db, deps.prices, deps.clock, deps.logger, this.metrics);
    this.metrics.watch({ repliesInFlight: () => this.replying, queueDepth: () => this.queue.waiting });
    this.requestDeps = {
      fit: { conversations: this.conversations, blobs: this.blobs, claude: deps.claude, logger: deps.logger, countTokens: deps.config.countTokens },
      conversations: this.conversations,
      prices: deps.prices,
      clock: deps.clock,
      logger: deps.logger,
    };
  }

  platformRateLimited(platform: Platform, method: string): void {
    this.metrics.platformRateLimited(platform, method);
  }

  // The four calls below run inside platform event listeners. A database error there (SQLITE_BUSY
  // when another connection holds the lock past the busy timeout, a full disk) is logged and
  // answered with the safe default; it never escapes into the platform library, where it could
  // end the process as an unhandled rejection (issue 9, item 10).

  claimEvent(key: string): Promise<boolean> {
    // Not claimed: the event is skipped rather than applied without its dedup record.
    return this.guarded("claimEvent", false, () => this.events.claim(key, this.deps.clock.now()));
  }

  knowsConversation(conversationId: string): Promise<boolean> {
    // Not "a message of it is stored": a refused mention is stored too, and a refusal must not
    // enrol Palaver in the thread (issue 9, item 7). Unknown on error: stay quiet.
    return this.guarded("knowsConversation", false, () => this.conversations.engaged(conversationId));
  }

  async messageEdited(messageId: string, text: string): Promise<void> {
    await this.guarded("messageEdited", false, () => this.conversations.edit(messageId, text, this.deps.clock.now()));
  }

  async messageDeleted(messageId: string): Promise<void> {
    await this.guarded("messageDeleted", false, () => this.conversations.markDeleted(messageId, this.deps.clock.now()));
  }

  private async guarded<T>(where: string, fallback: T, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.reportError(err, { where });
      return fallback;
    }
  }

  async command(request: CommandRequest): Promise<string> {
    try {
      return await this.deps.commands.run(request);
    } catch (err) {
      this.reportError(err, { where: "command", user: request.user.id });
      return "Something went wrong running that command; the details are in Palaver's log.";
    }
  }

  /** Conversations with a reply running or queued. */
  get activeConversations(): number {
    return this.queue.active;
  }

  async handle(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome> {
    // Wall time of the whole reply, queue wait included (performance.now: the Clock may be a test's).
    const started = performance.now();
    const outcome = await this.process(message, surface);
    this.metrics.messageHandled(message.platform, outcome, (performance.now() - started) / MS_PER_SECOND);
    return outcome;
  }

  private async process(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome> {
    try {
      if (!(await this.claimEvent(`message:${message.id}`))) return "duplicate";
      const now = this.deps.clock.now();
      // Files are classified and their bytes stored (once per content) before the message row.
      const shared = [...(message.attachments ?? []), ...(message.fetchAttachments ? await message.fetchAttachments() : [])];
      const files = shared.length > 0 ? await ingestAttachments(shared, this.blobs, now) : undefined;
      const empty = message.text.trim() === "" && shared.length === 0;
      // Stored at once, so a reply already running sees nothing of it but the next one does. And
      // kept in the inbox until its reply starts: a crash or a shutdown while it waits in the
      // queue leaves it for the next start (or another instance) to answer, never lost.
      await this.deps.db.transaction(async (tx) => {
        const conversations = new ConversationStore(tx);
        await conversations.ensureConversation(
          {
            id: message.conversationId,
            platform: message.platform,
            workspaceId: message.workspaceId,
            channelId: message.channelId,
            isDM: message.isDM,
          },
          now,
        );
        await conversations.upsert(message.conversationId, message, now, files);
        if (!empty) await new InboxStore(tx).add(message, surface.address, this.deps.instanceId, now);
      });
      if (empty) {
        await this.say(surface, notes.HINT_EMPTY_MESSAGE);
        return "hint";
      }
      return await this.enqueue(message, surface);
    } catch (err) {
      this.reportError(err, { where: "handle", messageId: message.id });
      return "failed";
    }
  }

  /**
   * Answer a message that was accepted (and stored) earlier but never started: one a stopped
   * process left in the inbox (src/pipeline/recovery.ts). Never rejects.
   */
  async resume(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome> {
    try {
      return await this.enqueue(message, surface);
    } catch (err) {
      this.reportError(err, { where: "resume", messageId: message.id });
      return "failed";
    }
  }

  /** Wait for the conversation's queue, then reply; once shutdown began, nothing new starts. */
  private enqueue(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome> {
    if (this.closing) return Promise.resolve("deferred");
    return this.queue.run(message.conversationId, async () => {
      // Left in the inbox for the next start: a reply begun now would be cut by the shutdown.
      if (this.closing) return "deferred";
      // Another instance may be replying in this conversation: wait for its turn to end.
      if (!(await this.leases.take(message.conversationId, () => this.closing))) return "deferred";
      try {
        return await this.reply(message, surface);
      } finally {
        try {
          // Answered, refused or failed: either way not to be replayed (a failure would repeat).
          await this.inbox.remove(message.id);
        } finally {
          // Even when that fails: a lease left behind would be renewed by every heartbeat and keep
          // the conversation from the other instances for as long as this one lives.
          await this.leases.release(message.conversationId);
        }
      }
    });
  }

  /** Post a one-off message (a hint or a refusal), within the surface's post budget. */
  private async say(surface: ReplySurface, markdown: string): Promise<void> {
    const stamps = this.budgets.stamps();
    await this.budgets.acquire(surface.limits.postBudgets, true, undefined, stamps);
    try {
      await surface.post(surface.format(markdown), true);
    } finally {
      stamps.done();
    }
  }

  private async reply(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome> {
    // Reply set-ups (settings, gate, history, request) run at most SETUPS_PER_LOOP_TURN per turn
    // of the event loop: a burst of messages would otherwise run back to back and hold the loop
    // for the whole burst, stalling every reply already streaming (measured: ~200 ms for 500 at
    // once, bench/core.ts). The turns are chained, since immediates queued together all run in
    // one iteration.
    if (this.setupSlots === 0) {
      this.setupTurn = this.setupTurn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      this.setupSlots = SETUPS_PER_LOOP_TURN;
    }
    this.setupSlots--;
    await this.setupTurn;
    const { logger, clock, settings } = this.deps;
    const where = { conversationId: message.conversationId, channelId: message.channelId, workspaceId: message.workspaceId };
    const effective = await settings.resolve(where);
    const model = effective.model.value;
    const maxTokens = effective.maxTokens.value;
    const system = effective.systemPrompt.value;
    const web = effective.web.value ? { maxUses: this.deps.config.web.maxUses } : undefined;

    const screened = await this.deps.gate.screen(message);
    if (!screened.ok) {
      await this.inbox.remove(message.id);
      await this.say(surface, screened.reply);
      return "refused";
    }
    // Until admitted the message stays in the inbox: a crash meanwhile answers it after a restart.
    let history: RequestHistory;
    try {
      history = await requestHistory(this.requestDeps, message, { model, maxTokens, system });
    } catch (err) {
      // Not answered, and not to be tried again and again: handle() reports it.
      await this.inbox.remove(message.id);
      throw err;
    }
    if (!this.deps.prices.has(model) && !this.warnedModels.has(model)) {
      this.warnedModels.add(model);
      const charged = this.deps.prices.mostExpensive().model;
      logger.warn({ model, chargedAs: charged }, "model has no price in the table: its usage is charged at the most expensive model's price");
    }
    const admitted = await this.deps.gate.admit({
      message,
      model,
      maxTokens,
      promptTokens: requestTokens(system, history.first.messages),
      webSearches: web?.maxUses ?? 0,
      fileTokens: await messageFileTokens(this.conversations, message.id, model),
    });
    if (!admitted.ok) {
      await this.inbox.remove(message.id);
      await this.say(surface, admitted.reply);
      return "refused";
    }
    // Recorded as soon as it is admitted: from here on Palaver is part of the conversation
    // (follow-ups are answered), and a crash before the first token is finished with a note.
    // The reply row takes over from the inbox in one step: after a crash the message is either
    // answered again (inbox) or its reply is finished with a note (replies), never both.
    const replyId = randomUUID();
    await this.deps.db.transaction(async (tx) => {
      await new ReplyStore(tx).create(
        {
          id: replyId,
          conversationId: message.conversationId,
          triggerMessageId: message.id,
          platform: message.platform,
          address: surface.address,
          owner: this.deps.instanceId,
        },
        clock.now(),
      );
      await new InboxStore(tx).remove(message.id);
    });
    this.replying++;
    try {
      let note = "";
      const renderer = new ReplyRenderer(surface, {
        budgets: this.budgets,
        replyId,
        hooks: partHooks({ conversations: this.conversations, clock, logger }, message, replyId, () => note),
      });

      try {
        return await streamReply(
          { claude: this.deps.claude, usage: this.usage, logger, blobs: this.blobs, replies: this.replies, clock, inFlight: this.inFlight },
          message,
          renderer,
          { id: replyId, admission: admitted.admission },
          { model, maxTokens, system, web },
          history,
          (n) => (note = n),
        );
      } catch (err) {
        // Nothing may stay half-written: what was shown stays, with a note that something went
        // wrong, and only then is the reply recorded as failed, so no part it posted is left
        // marked streaming. The error itself goes on to handle(), the one place unexpected errors
        // are reported. The stored copy drops the note with the blank line fail() puts before it.
        note = `\n\n${notes.FAILED_NOTE}`;
        await renderer.fail(notes.FAILED_NOTE).catch((failErr: unknown) =>
          logger.warn({ err: describeError(failErr), reply: replyId }, "could not show the failure either"),
        );
        await this.replies.finish(replyId, "failed", clock.now());
        throw err;
      }
    } finally {
      this.replying--;
      await admitted.admission.release();
    }
  }

  /** The one place unexpected errors end up. */
  reportError(err: unknown, context: Record<string, unknown>): void {
    const e = describeError(err);
    this.deps.logger.error({ ...context, code: e.code ?? "internal", err: e.message, cause: err instanceof PalaverError ? describeError(err.cause).message : undefined }, "unexpected error");
  }

  /**
   * Shutdown: start no new reply (messages that arrive or wait in a queue stay in the inbox for the
   * next start), let replies in flight finish for up to `graceMs`, then cut the rest short (they
   * end with the interrupted note and are stored as interrupted).
   */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    const idle = this.queue.idle();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const abort of this.inFlight.values()) abort.abort();
      await idle;
    }
  }
}
