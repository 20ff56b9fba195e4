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

export interface Attachment {
  kind: "image" | "pdf";
  /** image/jpeg, image/png, image/gif, image/webp or application/pdf. */
  mediaType: string;
  /** The file's bytes, base64. Adapters download; the core checks the API's size limits. */
  dataBase64: string;
  name?: string;
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

export interface SurfaceLimits {
  /** Longest text one platform message may hold, measured after format(). */
  maxMessageLength: number;
  /** Minimum gap between the end of one edit of a message and the start of the next. */
  editIntervalMs: number;
  /** Budgets each edit draws from (shared with every other reply using the same keys). */
  editBudgets: RateBudget[];
  /** Budgets each new post draws from. */
  postBudgets: RateBudget[];
  /** Appended to the text while it is still streaming ("" when the platform shows its own). */
  streamingIndicator: string;
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
   */
  post(text: string, final?: boolean): Promise<PlatformId>;
  /** Replace a message's text. `final` is true for the last edit the message will get. */
  edit(messageId: PlatformId, text: string, final: boolean): Promise<void>;
  /**
   * Optional: show that Palaver is working (typing indicator, "is thinking…" status). Called
   * before the first text and again every few seconds until it arrives. When absent, the core
   * posts a placeholder message at once instead.
   */
  showThinking?(): Promise<void>;
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
  | "failed";

/** What the core offers to adapters. */
export interface BotApi {
  /**
   * Answer one inbound message. Dedupes on the message id (a retried or doubled event returns
   * "duplicate" without replying), queues behind any reply already running in the conversation,
   * and resolves when this message's reply is finished and recorded. Never rejects.
   */
  handle(message: InboundMessage, surface: ReplySurface): Promise<HandleOutcome>;
  /** Records an arbitrary event key; false when it was already recorded (for edits, deletes…). */
  claimEvent(key: string): boolean;
  /** True when Palaver has taken part in this conversation (for thread follow-ups). */
  knowsConversation(conversationId: PlatformId): boolean;
  /** Reflect an edit made on the platform in the stored history. */
  messageEdited(messageId: PlatformId, text: string): void;
  /** Reflect a deletion made on the platform in the stored history. */
  messageDeleted(messageId: PlatformId): void;
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
