// The seam between Palaver's core and its platform adapters.
//
// Adapters translate: they turn platform events into InboundMessage, and expose a ReplySurface the
// core can post to and edit. The core decides everything else (threading policy, limits, wording).
// Nothing in this file, or anywhere under src/, may import a platform SDK; test/architecture.test.ts
// reads the sources to enforce that.
import type { IncomingMessage, ServerResponse } from "node:http";

export type Platform = "slack" | "discord" | "console";

/**
 * Ids carry their platform and are only decoded by their adapter:
 *   users         "slack:U123", "discord:81234", "console:you"
 *   messages      "slack:T1:C1:1700000000.000100", "discord:g1:c1:m1"
 *   conversations "slack:T1:C1:1700000000.000100" (thread root), "discord:g1:c1:t1", "console:local"
 *   workspaces    "slack:T1", "discord:g1", "console"
 *   channels      "slack:T1:C1", "discord:g1:c1", "console:local"
 */
export type PlatformId = string;

export interface Author {
  id: PlatformId;
  displayName: string;
  isBot: boolean;
  /** True for Palaver's own messages: they become assistant turns. */
  isMe: boolean;
}

/**
 * A file attached to a message, as the adapter got it. The core decides what it is from its bytes
 * (image, PDF, text, or a type Palaver cannot read), checks it against the API's limits, and stores
 * the bytes once (src/context/files).
 */
export interface Attachment {
  /** The file's name as shared: notes name it, and a text file reaches Claude under it. */
  name: string;
  /** The type the platform declared, if any. */
  mediaType?: string;
  /** The file's bytes; absent when the adapter could not get them (`problem` says why). */
  data?: Buffer;
  /** Why the adapter could not get the file, worded for a note, e.g. "could not be downloaded". */
  problem?: string;
}

/** One message of a conversation as the platform has it. */
export interface ThreadMessage {
  id: PlatformId;
  author: Author;
  /** Text with mention markup already resolved to display names. */
  text: string;
  /** Milliseconds since the epoch; orders the conversation. */
  createdAt: number;
  attachments?: Attachment[];
  /**
   * The message's files, downloaded. Called once by the core, after it has deduplicated the
   * message (a mention Slack delivers twice is downloaded once); for an earlier message of a
   * thread, only when the core does not hold that message yet. Never rejects: a file that cannot
   * be had comes back with a `problem`.
   */
  fetchAttachments?: () => Promise<Attachment[]>;
}

/** Why a message is addressed to the bot. */
export type AddressedBy = "mention" | "dm" | "thread" | "reply" | "console";

export interface InboundMessage extends ThreadMessage {
  platform: Platform;
  /** One thread, DM or reply chain. Encoded by the adapter, opaque to the core. */
  conversationId: PlatformId;
  workspaceId: PlatformId;
  channelId: PlatformId;
  isDM: boolean;
  addressedBy: AddressedBy;
  /**
   * The whole conversation as the platform has it now, oldest first (may include this message).
   * The core calls it inside the conversation's queue and upserts the result before building the
   * history, so edits, deletions and messages the bot never saw are reflected.
   */
  fetchThread?: () => Promise<ThreadMessage[]>;
}

/** A shared request budget: every surface naming the same key draws from one bucket. */
export interface RateBudget {
  /** e.g. "slack:T1:chat.update" (per workspace) or "discord:c1:edit" (per channel). */
  key: string;
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

/**
 * One way of sending a message that is edited while the reply streams (Slack: a native stream,
 * or post + chat.update), with what each step costs. See src/reply/rate-budgets.ts.
 */
export interface MessageWay {
  /** Passed back to ReplySurface.post(). */
  kind: string;
  /** Taken without waiting when the message is posted; when one is full, this way is skipped. */
  open: RateBudget[];
  /** Waited for when the message is posted. */
  post: RateBudget[];
  /** Each intermediate edit (taken only when the window can spare it; never waited for). */
  progress: RateBudget[];
  /** The message's final edit: one slot is held from the moment the message is posted. */
  final: RateBudget[];
  /** Appended to the text while it is still streaming ("" when the platform shows its own). */
  streamingIndicator: string;
}

export interface SurfaceLimits {
  /** Longest text one platform message may hold, measured after format(). */
  maxMessageLength: number;
  /** Minimum gap between the end of one edit of a message and the start of the next. */
  editIntervalMs: number;
  /**
   * Budgets each edit draws from (shared with every other reply using the same keys): a
   * message's progress and final edits unless `ways` says otherwise, and crash-recovery edits.
   */
  editBudgets: RateBudget[];
  /** Budgets each new post draws from (and every post made with its final text). */
  postBudgets: RateBudget[];
  /** Appended to the text while it is still streaming ("" when the platform shows its own). */
  streamingIndicator: string;
  /**
   * Ways to send a message that will be edited, best first. Absent: one way, posting with
   * `postBudgets` and editing with `editBudgets`.
   */
  ways?: MessageWay[];
}

/** The grants paying for one platform call, counted again once it finished (rate-budgets.ts). */
export interface CallStamps {
  done(): void;
}

/** The shared platform rate windows, as adapters use them for calls of their own. */
export interface RateWindows {
  /** Wait for one slot of each budget (urgent: before ordinary waiters). */
  acquire(budgets: readonly RateBudget[], urgent?: boolean, signal?: AbortSignal, stamps?: CallStamps): Promise<void>;
  /** Take one slot of each budget if all are free now; never waits. */
  tryAcquire(budgets: RateBudget | readonly RateBudget[], stamps?: CallStamps): boolean;
  /** A collector for the grants of one call (call done() on it when the call has finished). */
  stamps(): CallStamps;
}

/**
 * Names one message of a reply: the same key is sent again when a post is retried after a
 * failure whose outcome is unknown (a timeout, a 5xx, a reset connection), so the adapter can
 * return the message the platform already stored instead of posting a second one.
 */
export interface PostKey {
  replyId: string;
  part: number;
}

/** Where one reply goes. Created by the adapter for each inbound message (or reopened). */
export interface ReplySurface {
  /**
   * Adapter-encoded address of this reply (a string the adapter can decode), stored with the
   * reply so that Adapter.reopen() can rebuild the surface after a crash.
   */
  readonly address: string;
  readonly limits: SurfaceLimits;
  /**
   * Convert Claude's Markdown to the platform's format (must keep code blocks intact). While the
   * message is still being written, `indicator` (limits.streamingIndicator) is added after the
   * text, outside any code block: a fence still open is closed first.
   */
  format(markdown: string, indicator?: string): string;
  /**
   * Post a new message in the reply's place; returns its platform id. `final` is true when the
   * message will get no edit after this post (a one-off note, or a part posted with its final
   * text): Slack uses it to post plainly instead of opening a native stream nobody would close.
   * `way` is the MessageWay.kind the core chose for a message that will be edited. `key` names
   * the reply part (see PostKey).
   */
  post(text: string, final?: boolean, way?: string, key?: PostKey): Promise<PlatformId>;
  /** Replace a message's text. `final` is true for the last edit the message will get. */
  edit(messageId: PlatformId, text: string, final: boolean): Promise<void>;
  /**
   * Optional: show that Palaver is working (typing indicator, "is thinking…" status). Called
   * before the first text and again every few seconds until it arrives. When absent, the core
   * posts a placeholder message at once instead. `status` says what Palaver is doing when it is
   * more than thinking ("searching the web…"); surfaces that can show words show it.
   */
  showThinking?(status?: string): Promise<void>;
}

/** A /palaver command as the adapter received it. */
export interface CommandRequest {
  platform: Platform;
  workspaceId: PlatformId;
  channelId: PlatformId;
  /** The conversation the command was run in, when there is one (DM, thread). */
  conversationId?: PlatformId;
  isDM: boolean;
  user: {
    id: PlatformId;
    displayName: string;
    /** Platform role says admin (Slack admin/owner, Discord Manage Server, the console user). */
    isPlatformAdmin: boolean;
    /**
     * The platform says this user wrote the conversation's first message (a Slack thread's root):
     * they may make Palaver forget that conversation.
     */
    startedConversation?: boolean;
  };
  /**
   * The text after "/palaver", e.g. "budget set user <@slack:U2> daily 5". User mentions are
   * written <@platform-prefixed-id>; adapters translate typed options (Discord) into this text.
   */
  text: string;
}

export type HandleOutcome =
  | "replied"
  | "duplicate"
  | "ignored"
  | "refused"
  | "hint"
  | "failed"
  /** Accepted during shutdown: stored and left for the next start (or another instance). */
  | "deferred";

/** What the core offers to adapters. */
export interface BotApi {
  /** The platform rate windows every reply draws from (adapters take repairs from them too). */
  readonly budgets: RateWindows;
  /**
   * Answer one inbound message. Dedupes on the message id (a retried or doubled event returns
   * "duplicate" without replying), queues behind any reply already running in the conversation,
   * and resolves when this message's reply is finished and recorded. Never rejects.
   */
  handle(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome>;
  /**
   * Records an arbitrary event key; false when it was already recorded (for edits, deletes…).
   * This and the three methods below never throw: a database error is logged and the safe
   * default returned, so they are safe to call from any event listener.
   */
  claimEvent(key: string): Promise<boolean>;
  /** True when Palaver has taken part in this conversation (for thread follow-ups). */
  knowsConversation(conversationId: PlatformId): Promise<boolean>;
  /** Reflect an edit made on the platform in the stored history. */
  messageEdited(messageId: PlatformId, text: string): Promise<void>;
  /** Reflect a deletion made on the platform in the stored history. */
  messageDeleted(messageId: PlatformId): Promise<void>;
  /** Run a /palaver command; resolves to Markdown to show only to the user who ran it. */
  command(request: CommandRequest): Promise<string>;
  /**
   * The platform made the adapter wait (HTTP 429, or its client holding a request for a
   * rate-limit bucket). `method` is the API method or route, never an id of a user or channel.
   */
  platformRateLimited(platform: Platform, method: string): void;
}

/** A path an adapter serves on Palaver's HTTP server (PORT), e.g. Slack's /slack/events. */
export interface HttpEndpoint {
  path: string;
  listener(req: IncomingMessage, res: ServerResponse): void;
}

export interface Adapter {
  readonly platform: Platform;
  /** Connect and start delivering messages to the bot. Resolves once connected. */
  start(bot: BotApi): Promise<void>;
  /** Stop receiving; resolve once disconnected. */
  stop(): Promise<void>;
  /** Rebuild a reply surface from its stored address (crash recovery). */
  reopen(address: string): ReplySurface;
  /** True while the platform connection is up (GET /readyz). */
  connected(): boolean;
  /** Endpoints to serve on Palaver's HTTP server; asked for per request. */
  endpoints?(): HttpEndpoint[];
}
