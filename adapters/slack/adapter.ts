// The Slack adapter: real Bolt in Socket Mode or HTTP mode, translating events for the core and
// giving it reply surfaces. Listeners ack at once (Bolt acks Events API deliveries before running
// them; the slash command acks first thing), then do the slow work.
import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, SocketModeReceiver, webApi, type AllMiddlewareArgs } from "@slack/bolt";
import type { SlackConfig } from "../../src/runtime/config.ts";
import { describeError, PalaverError } from "../../src/errors.ts";
import type { Logger } from "../../src/runtime/log.ts";
import type { Adapter, BotApi, HttpEndpoint, RateWindows, ReplySurface } from "../../src/types.ts";
import { boltLogger } from "./bolt-logger.ts";
import { COMMAND_NAME, toCommandRequest, type SlashCommandPayload } from "./command.ts";
import { decodeAddress, type SlackReplyAddress } from "./ids.ts";
import { FORGET_SHORTCUT_ID, forgetRequest, type MessageShortcutPayload } from "./shortcut.ts";
import { fromAppMention, fromMessage, type Inbound } from "./inbound.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";
import { SlackReplySurface, WorkspaceCapabilities } from "./surface.ts";
import type { SlackIdentity } from "./thread.ts";
import { UserDirectory } from "./users.ts";
import { bodyTeam, readMessage } from "./wire.ts";

/** Path Slack posts Events API and slash-command requests to in HTTP mode. */
export const EVENTS_PATH = "/slack/events";

/**
 * Web API retries: a few, quickly. @slack/web-api's default (10 retries over ~30 minutes) suits
 * batch jobs, not a person watching a reply; the core retries failed edits itself. 429s are
 * retried after Slack's Retry-After by the client before this backoff applies.
 */
const WEB_API_RETRY = { retries: 5, factor: 2, minTimeout: 250, maxTimeout: 10_000, randomize: true };
/** One Web API request may take this long before it is abandoned and retried. */
const WEB_API_TIMEOUT_MS = 30_000;

export interface SlackAdapterOptions {
  /** Start replies with native streaming when the workspace has it (default true). */
  nativeStreaming?: boolean;
}

export class SlackAdapter implements Adapter {
  readonly platform = "slack" as const;
  /** Web API client for everything Palaver does (Bolt's own client stays idle). */
  readonly client: webApi.WebClient;
  /**
   * chat.postMessage and chat.startStream only: no client retries. A post that failed after Slack
   * stored it (a 5xx, a reset, a timeout) would come back as a second message; the surface looks
   * for it in the thread instead (lost-posts.ts). A 429 (nothing stored) is handed to the core,
   * whose renderer retries with backoff: @slack/web-api waits out a 429 only by retrying.
   */
  private readonly postClient: webApi.WebClient;
  private botUserId?: string;
  private readonly capabilities: WorkspaceCapabilities;
  /** The core's shared rate windows (from start()): the surfaces' own repairs draw from them. */
  private rates?: RateWindows;
  private readonly users: UserDirectory;
  private app?: App;
  private bot?: BotApi;
  private socket?: SocketModeReceiver;
  /** HTTP mode: Bolt's receiver, mounted on Palaver's own HTTP server (endpoints()). */
  private receiver?: HTTPReceiver;
  /** Socket Mode: true between Slack's `hello` and the socket closing. */
  private socketOpen = false;

  constructor(
    private readonly config: SlackConfig,
    private readonly logger: Logger,
    options: SlackAdapterOptions = {},
  ) {
    this.client = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      logger: boltLogger(logger),
      retryConfig: WEB_API_RETRY,
      timeout: WEB_API_TIMEOUT_MS,
    });
    this.postClient = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      logger: boltLogger(logger),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: WEB_API_TIMEOUT_MS,
    });
    this.client.on(webApi.WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, { url }: { url: string }) => {
      this.logger.warn({ url, retryAfterSeconds }, "slack rate limited; waiting as Slack asked");
      this.bot?.platformRateLimited("slack", apiMethodOf(url));
    });
    this.capabilities = new WorkspaceCapabilities(options.nativeStreaming ?? true);
    this.users = new UserDirectory(this.client, logger);
  }

  /**
   * Connected: in Socket Mode while the WebSocket is open (from Slack's `hello` until it closes;
   * the client reconnects by itself); in HTTP mode once started, since Slack calls us.
   */
  connected(): boolean {
    if (!this.app) return false;
    return this.config.mode === "socket" ? this.socketOpen : true;
  }

  /**
   * HTTP mode: /slack/events on Palaver's server. Bolt's HTTPReceiver exposes its request
   * listener for exactly this (docs.slack.dev/tools/bolt-js/reference/classes/HTTPReceiver,
   * "requestListener: RequestListener"). Until start() has built it, Slack gets a 503 and
   * retries the delivery (docs.slack.dev/apis/events-api, "Retries").
   */
  endpoints(): HttpEndpoint[] {
    if (this.config.mode !== "http") return [];
    return [
      {
        path: EVENTS_PATH,
        listener: (req: IncomingMessage, res: ServerResponse) => {
          if (this.receiver && this.app) {
            this.receiver.requestListener(req, res);
            return;
          }
          res.writeHead(503, { "content-type": "text/plain" }).end("Palaver is starting\n");
        },
      },
    ];
  }

  async start(bot: BotApi): Promise<void> {
    this.rates = bot.budgets;
    this.bot = bot;
    const auth = await this.client.auth.test().catch((err: unknown) => {
      throw new PalaverError("adapter_failed", `Slack auth.test failed (check SLACK_BOT_TOKEN): ${describeError(err).message}`, {
        cause: err,
      });
    });
    if (!auth.user_id || !auth.team_id || !auth.bot_id) {
      throw new PalaverError("adapter_failed", "Slack auth.test did not return a bot user: SLACK_BOT_TOKEN must be a bot token (xoxb-…)");
    }
    this.botUserId = auth.user_id;
    const botName = (await this.users.get(auth.user_id)).displayName || auth.user || "Palaver";
    const me: SlackIdentity = {
      client: this.client,
      team: auth.team_id,
      botUserId: auth.user_id,
      botId: auth.bot_id,
      botName,
      users: this.users,
      files: { client: this.client, token: this.config.botToken, apiUrl: this.config.apiUrl ?? "https://slack.com/api/", logger: this.logger },
    };
    const app = this.buildApp(auth.user_id, auth.bot_id);
    this.register(app, bot, me);
    if (this.socket) {
      const client = this.socket.client;
      client.on("connected", () => (this.socketOpen = true));
      client.on("close", () => (this.socketOpen = false));
      client.on("reconnecting", () => this.logger.info("slack: Socket Mode reconnecting"));
      await app.start();
    }
    // HTTP mode: nothing to start; the receiver is served on Palaver's server from now on.
    this.app = app;
    this.logger.info(
      {
        mode: this.config.mode,
        ...(this.config.mode === "http" ? { path: EVENTS_PATH } : {}),
        bot: `@${auth.user} (${auth.user_id})`,
        workspace: `${auth.team} (${auth.team_id})`,
      },
      `slack connected (${this.config.mode === "socket" ? "Socket Mode" : "HTTP"})`,
    );
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    if (!app) return;
    if (this.socket) {
      // Bolt's SocketModeReceiver.stop() does not wait for the socket to close; the client does.
      await this.socket.client.disconnect();
      this.socketOpen = false;
    }
    // HTTP mode: Palaver's server stops taking requests itself, after every adapter stopped.
  }

  reopen(address: string): ReplySurface {
    return this.surface(decodeAddress(address), true);
  }

  private requireRates(): RateWindows {
    if (!this.rates) throw new PalaverError("adapter_failed", "the Slack adapter has not been started");
    return this.rates;
  }

  private surface(address: SlackReplyAddress, reopened: boolean): SlackReplySurface {
    return new SlackReplySurface(
      address,
      {
        client: this.client,
        postClient: this.postClient,
        botUserId: this.botUserId,
        logger: this.logger,
        capabilities: this.capabilities,
        rates: this.requireRates(),
      },
      { reopened },
    );
  }

  private buildApp(botUserId: string, botId: string): App {
    const logger = boltLogger(this.logger);
    const common = {
      token: this.config.botToken,
      botUserId,
      botId,
      // auth.test already ran in start(); Bolt would otherwise call it again from its constructor.
      tokenVerificationEnabled: false,
      logger,
      clientOptions: { slackApiUrl: this.config.apiUrl },
    };
    if (this.config.mode === "socket") {
      if (!this.config.appToken) throw new PalaverError("config_invalid", "Socket Mode needs SLACK_APP_TOKEN");
      this.socket = new SocketModeReceiver({
        appToken: this.config.appToken,
        logger,
        // Socket Mode's apps.connections.open goes through these options too (SLACK_API_URL).
        installerOptions: { clientOptions: { slackApiUrl: this.config.apiUrl } },
      });
      return new App({ ...common, receiver: this.socket });
    }
    if (!this.config.signingSecret) throw new PalaverError("config_invalid", "HTTP mode needs SLACK_SIGNING_SECRET");
    // Never started (it would open its own server): endpoints() mounts its request listener.
    this.receiver = new HTTPReceiver({
      signingSecret: this.config.signingSecret,
      endpoints: EVENTS_PATH,
      logger,
    });
    return new App({ ...common, receiver: this.receiver });
  }

  private register(app: App, bot: BotApi, me: SlackIdentity): void {
    const followups = { enabled: this.config.threadFollowups, knows: (id: string) => bot.knowsConversation(id) };

    app.event("app_mention", async ({ event, body, context }) => {
      const ev = readMessage(event);
      if (!ev) return;
      this.logRetry(context, body);
      await this.dispatch(bot, await fromAppMention(ev, bodyTeam(body) ?? me.team, me), body);
    });

    app.message(async ({ message, body, context }) => {
      const ev = readMessage(message);
      if (!ev) return;
      this.logRetry(context, body);
      await this.dispatch(bot, await fromMessage(ev, bodyTeam(body) ?? me.team, me, followups), body);
    });

    app.command(COMMAND_NAME, async ({ command, ack, respond }) => {
      // Slack wants the ack within 3 s; the answer follows through response_url.
      await ack();
      const request = await toCommandRequest(command as SlashCommandPayload, this.users);
      const answer = await bot.command(request);
      await respond({ response_type: "ephemeral", text: markdownToMrkdwn(answer) });
    });

    // "Forget this conversation" (manifest.yml, features.shortcuts): /palaver forget for the
    // thread of the message it was used on. Acked at once (Slack wants it within 3 s); the answer
    // goes only to the person who used it, through the payload's response_url.
    app.shortcut({ type: "message_action", callback_id: FORGET_SHORTCUT_ID }, async ({ shortcut, ack, respond }) => {
      await ack();
      const request = await forgetRequest(shortcut as unknown as MessageShortcutPayload, {
        client: this.client,
        users: this.users,
        logger: this.logger,
        team: me.team,
      });
      const answer = await bot.command(request);
      await respond({ response_type: "ephemeral", text: markdownToMrkdwn(answer) });
    });

    app.error(async (error) => {
      this.logger.error({ err: describeError(error) }, "slack listener failed");
    });
  }

  private async dispatch(bot: BotApi, inbound: Inbound, body: unknown): Promise<void> {
    switch (inbound.kind) {
      case "reply": {
        const outcome = await bot.handle(inbound.message, this.surface(inbound.address, false));
        this.logger.debug({ id: inbound.message.id, outcome }, "slack message handled");
        return;
      }
      case "edited":
        if (await this.claim(bot, body)) await bot.messageEdited(inbound.id, inbound.text);
        return;
      case "deleted":
        if (await this.claim(bot, body)) await bot.messageDeleted(inbound.id);
        return;
      case "ignore":
        this.logger.trace({ reason: inbound.reason }, "slack event ignored");
        return;
    }
  }

  /** Edits and deletions are applied once per Slack event_id (Slack redelivers on timeouts). */
  private async claim(bot: BotApi, body: unknown): Promise<boolean> {
    const eventId = typeof body === "object" && body !== null ? (body as { event_id?: unknown }).event_id : undefined;
    return typeof eventId !== "string" || (await bot.claimEvent(`slack:event:${eventId}`));
  }

  private logRetry(context: AllMiddlewareArgs["context"], body: unknown): void {
    if (context.retryNum) {
      this.logger.info(
        { retryNum: context.retryNum, retryReason: context.retryReason, eventId: (body as { event_id?: string }).event_id },
        "slack redelivered an event",
      );
    }
  }
}

/** "https://slack.com/api/chat.update" → "chat.update" (a bounded label, never an id). */
export function apiMethodOf(url: string): string {
  const last = url.split("?")[0]!.split("/").filter((p) => p !== "").pop();
  return last && /^[a-z]+(\.[a-zA-Z]+)+$/.test(last) ? last : "unknown";
}
