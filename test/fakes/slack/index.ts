// A fake Slack for tests and benchmarks, on 127.0.0.1 (port 0): the Web API under /api/ (point
// Bolt at it with clientOptions.slackApiUrl / SLACK_API_URL), response_url endpoints, and a Socket
// Mode WebSocket. It delivers events to the app the way Slack does — over the socket when the app
// is connected in Socket Mode, otherwise as signed HTTP requests to the app's /slack/events — and
// echoes the app's own posts, edits and deletions back as message events, like Slack.
import { FakeFiles } from "./files.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  eventEnvelope,
  sendSigned,
  slashCommandPayload,
  messageShortcutPayload,
  type EventEnvelope,
} from "./envelopes.ts";
import type { RateRules } from "./rate-limits.ts";
import { FakeSocketMode, SOCKET_PATH, type Ack } from "./socket.ts";
import { BOT, SlackState, TEAM, type FakeChannel, type FakeMessage } from "./state.ts";
import { FakeWebApi } from "./web-api.ts";
import { renderedView } from "./content.ts";

export { BOT, TEAM, SlackState, type FakeMessage, type FakeUser, type FakeChannel } from "./state.ts";
export { SLACK_LIMITS, type RateRules } from "./rate-limits.ts";
export type { ApiCall, ScriptedFailure } from "./web-api.ts";
export { sendSigned, eventEnvelope, signature, type EventEnvelope } from "./envelopes.ts";
export { renderedView } from "./content.ts";

export const ALICE = { id: "U0ALICE", name: "alice", displayName: "Alice", isAdmin: true };
export const BOB = { id: "U0BOB", name: "bob", displayName: "Bob" };
export const CAROL = { id: "U0CAROL", name: "carol", displayName: "Carol" };
export const GENERAL: FakeChannel = { id: "C0GENERAL", name: "general", type: "channel" };
export const PRIVATE: FakeChannel = { id: "G0PRIVATE", name: "secret-plans", type: "group" };
export const DM_ALICE: FakeChannel = { id: "D0ALICE", name: "alice", type: "im" };

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  /** Enforce these rate limits (e.g. SLACK_LIMITS); none by default. */
  rateLimits?: RateRules;
  /** Echo the app's own posts/edits/deletions back as events (default true). */
  echo?: boolean;
}

export interface Delivery {
  eventId: string;
  /** HTTP mode: the status the app answered. */
  status?: number;
  /** Socket Mode: the ack. */
  ack?: Ack;
}

export interface UserMessageOptions {
  user: string;
  channel: string;
  text: string;
  /** Reply in this thread. */
  threadTs?: string;
  /** Files shared with the message (ids from addFile): the message event gets subtype file_share. */
  files?: string[];
  /** Deliver the app_mention for a message that mentions the bot (default true outside DMs). */
  appMention?: boolean;
}

export interface UserMessageResult {
  ts: string;
  envelopes: EventEnvelope[];
  deliveries: Delivery[];
}

export const DEFAULT_BOT_TOKEN = "xoxb-fake-bot-token-0001";
export const DEFAULT_APP_TOKEN = "xapp-1-fake-app-token-0002";

export class FakeSlack {
  readonly state = new SlackState();
  /** Files people shared, served at url_private_download (test/fakes/slack/files.ts). */
  readonly files: FakeFiles;
  readonly api: FakeWebApi;
  readonly socket: FakeSocketMode;
  /** Bodies POSTed to each response_url, by its id. */
  readonly responses = new Map<string, unknown[]>();
  /** Failures delivering echo events (an app that is down is not an error for the fake). */
  readonly deliveryErrors: unknown[] = [];
  readonly botToken: string;
  readonly appToken: string;
  private http?: { urls: string[]; signingSecret: string };
  /** Which events URL the load balancer picks next (round robin). */
  private nextUrl = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly echo: boolean;
  private responseSeq = 0;
  private url = "";

  constructor(
    private readonly server: ReturnType<typeof createServer>,
    options: FakeSlackOptions,
  ) {
    this.botToken = options.botToken ?? DEFAULT_BOT_TOKEN;
    this.appToken = options.appToken ?? DEFAULT_APP_TOKEN;
    this.echo = options.echo ?? true;
    this.files = new FakeFiles(() => this.url, () => this.botToken);
    this.api = new FakeWebApi(this.state, {
      botToken: this.botToken,
      appToken: this.appToken,
      files: () => this.files,
      socketUrl: () => `${this.url.replace(/^http/, "ws")}${SOCKET_PATH}/?ticket=${Date.now().toString(36)}&app_id=${BOT.appId}`,
      activity: {
        posted: (m) => this.echoEvent(() => this.messageEvent(m)),
        changed: (m, previous) => this.echoEvent(() => this.changedEvent(m, previous, m.user ?? BOT.userId)),
        deleted: (m) => this.echoEvent(() => this.deletedEvent(m)),
      },
    });
    if (options.rateLimits) this.api.limiter.setRules(options.rateLimits);
    this.socket = new FakeSocketMode(server);
    for (const u of [ALICE, BOB, CAROL]) this.state.addUser({ ...u });
    for (const c of [GENERAL, PRIVATE, DM_ALICE]) this.state.addChannel({ ...c });
    server.on("request", (req, res) => {
      this.route(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  }

  /** Base URL of the fake (http://127.0.0.1:PORT). */
  get baseUrl(): string {
    return this.url;
  }

  /** SLACK_API_URL / clientOptions.slackApiUrl. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Deliver events over HTTP to an app in HTTP mode (used when no socket is connected). Several
   * URLs stand for several instances behind a load balancer: Slack posts each delivery to the one
   * Request URL, and the balancer may pass any request, a retry included, to any instance; the
   * fake picks them in turn, so the two envelopes of one message and a retry land on different
   * instances.
   */
  useHttp(eventsUrls: string | string[], signingSecret: string): void {
    const urls = typeof eventsUrls === "string" ? [eventsUrls] : eventsUrls;
    if (urls.length === 0) throw new Error("fake slack: useHttp needs at least one events URL");
    this.http = { urls, signingSecret };
  }

  /**
   * Deliver one event to every instance behind the balancer at once: the first delivery, then
   * Slack's retries of it (same event_id, X-Slack-Retry-Num 1, 2…, reason http_timeout), as when
   * the first instance's ack is late. "Your app should respond to the event request with an HTTP
   * 2xx within three seconds. If it does not, we'll consider the event delivery attempt failed"
   * and retry it, up to 3 times (api.slack.com/apis/connections/events-api#retries).
   */
  async deliverToEach(envelope: EventEnvelope): Promise<Delivery[]> {
    const http = this.requireHttp();
    return Promise.all(
      http.urls.map(async (url, i) => {
        const res = await sendSigned(url, JSON.stringify(envelope), {
          secret: http.signingSecret,
          contentType: "application/json",
          retryNum: i === 0 ? undefined : i,
          retryReason: i === 0 ? undefined : "http_timeout",
        });
        return { eventId: envelope.event_id, status: res.status };
      }),
    );
  }

  /** The events URL of the next HTTP delivery (the load balancer's pick). */
  private pickUrl(http: { urls: string[] }): string {
    const url = http.urls[this.nextUrl % http.urls.length]!;
    this.nextUrl += 1;
    return url;
  }

  // ---- people doing things in Slack ----

  async userSays(o: UserMessageOptions): Promise<UserMessageResult> {
    const { ts, envelopes } = this.userMessage(o);
    // Slack sends both deliveries independently; their order is not guaranteed.
    const deliveries = await Promise.all(envelopes.map((e) => this.deliver(e)));
    return { ts, envelopes, deliveries };
  }

  /** As userSays, with each of the message's events delivered to every HTTP instance (deliverToEach). */
  async userSaysToEach(o: UserMessageOptions): Promise<UserMessageResult> {
    const { ts, envelopes } = this.userMessage(o);
    const deliveries = (await Promise.all(envelopes.map((e) => this.deliverToEach(e)))).flat();
    return { ts, envelopes, deliveries };
  }

  /** A person's message in the workspace and the envelopes Slack sends for it. */
  private userMessage(o: UserMessageOptions): { ts: string; envelopes: EventEnvelope[] } {
    const ts = this.state.nextTs();
    const m = this.state.add({ channel: o.channel, ts, threadTs: o.threadTs, user: o.user, text: o.text, origin: "user", ...(o.files ? { files: o.files } : {}) });
    const envelopes = [eventEnvelope(this.messageEvent(m))];
    const mentionsBot = o.text.includes(`<@${BOT.userId}`);
    if (mentionsBot && (o.appMention ?? this.channelType(o.channel) !== "im")) {
      envelopes.push(eventEnvelope(this.appMentionEvent(m)));
    }
    return { ts, envelopes };
  }

  async userEdits(channel: string, ts: string, text: string): Promise<Delivery> {
    const m = this.state.find(channel, ts);
    if (!m || !m.user) throw new Error(`fake slack: no user message ${channel}/${ts}`);
    const previous = m.text;
    this.state.setText(m, text);
    m.edited = { user: m.user, ts: this.state.nextTs() };
    return this.deliver(eventEnvelope(this.changedEvent(m, previous, m.user)));
  }

  async userDeletes(channel: string, ts: string): Promise<Delivery> {
    const m = this.state.find(channel, ts);
    if (!m) throw new Error(`fake slack: no message ${channel}/${ts}`);
    m.deleted = true;
    return this.deliver(eventEnvelope(this.deletedEvent(m)));
  }

  /** Run /palaver; the answer arrives later at responses.get(responseId). */
  async slashCommand(o: { user: string; channel: string; text: string }): Promise<{ responseId: string; status?: number; ack?: Ack }> {
    const responseId = `R${++this.responseSeq}`;
    const user = this.state.users.get(o.user);
    const channel = this.state.channels.get(o.channel);
    const payload = slashCommandPayload({
      user: o.user,
      userName: user?.name ?? o.user,
      channel: o.channel,
      channelName: channel?.type === "im" ? "directmessage" : (channel?.name ?? o.channel),
      text: o.text,
      responseUrl: `${this.url}/response/${responseId}`,
    });
    this.responses.set(responseId, []);
    if (this.socket.connected) {
      return { responseId, ack: await this.socket.send("slash_commands", payload) };
    }
    const http = this.requireHttp();
    const res = await sendSigned(this.pickUrl(http), new URLSearchParams(payload).toString(), {
      secret: http.signingSecret,
      contentType: "application/x-www-form-urlencoded",
    });
    return { responseId, status: res.status };
  }

  /**
   * Use a message shortcut (the "⋯ More actions" menu of a message) on the message `ts`; the
   * answer, if the app sends one through response_url, arrives at responses.get(responseId).
   */
  async messageShortcut(o: { user: string; channel: string; ts: string; callbackId: string }): Promise<{ responseId: string; status?: number; ack?: Ack }> {
    const m = this.state.find(o.channel, o.ts);
    if (!m) throw new Error(`fake slack: no message ${o.channel}/${o.ts}`);
    const responseId = `R${++this.responseSeq}`;
    const user = this.state.users.get(o.user);
    const channel = this.state.channels.get(o.channel);
    const payload = messageShortcutPayload({
      callbackId: o.callbackId,
      user: { id: o.user, name: user?.name ?? o.user },
      channel: { id: o.channel, name: channel?.type === "im" ? "directmessage" : (channel?.name ?? o.channel) },
      message: { ts: m.ts, user: m.user, text: m.text, threadTs: m.threadTs, botId: m.botId },
      responseUrl: `${this.url}/response/${responseId}`,
    });
    this.responses.set(responseId, []);
    if (this.socket.connected) {
      return { responseId, ack: await this.socket.send("interactive", payload) };
    }
    const http = this.requireHttp();
    const res = await sendSigned(this.pickUrl(http), new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
      secret: http.signingSecret,
      contentType: "application/x-www-form-urlencoded",
    });
    return { responseId, status: res.status };
  }

  /** Deliver an event envelope (again, for a redelivery: same event_id, with a retry number). */
  async deliver(envelope: EventEnvelope, retry?: { num: number; reason?: string }): Promise<Delivery> {
    if (this.socket.connected) {
      const ack = await this.socket.send("events_api", envelope, { retryAttempt: retry?.num, retryReason: retry?.reason });
      return { eventId: envelope.event_id, ack };
    }
    const http = this.requireHttp();
    const res = await sendSigned(this.pickUrl(http), JSON.stringify(envelope), {
      secret: http.signingSecret,
      contentType: "application/json",
      retryNum: retry?.num,
      retryReason: retry?.reason,
    });
    return { eventId: envelope.event_id, status: res.status };
  }

  /** Wait until every echo event sent so far was delivered. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // ---- inspecting the workspace ----

  /** The bot's messages in a thread, in order. */
  botMessages(channel: string, threadTs: string): FakeMessage[] {
    return this.state.botMessages(channel, threadTs);
  }

  /**
   * What a person sees of each of the bot's messages in a thread, in order: drawn from their
   * blocks, else their text (renderedView in content.ts, with the Slack docs it follows).
   */
  rendered(channel: string, threadTs: string): string[] {
    return this.state.botMessages(channel, threadTs).map(renderedView);
  }

  /** Status line currently shown in a thread ("" or undefined when none). */
  status(channel: string, threadTs: string): string | undefined {
    return this.state.statuses.get(`${channel}:${threadTs}`);
  }

  async close(): Promise<void> {
    await this.settle();
    await this.socket.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals ----

  private requireHttp(): { urls: string[]; signingSecret: string } {
    if (!this.http) throw new Error("fake slack: no app connected (Socket Mode) and no HTTP events URL (useHttp)");
    return this.http;
  }

  private channelType(channel: string): FakeChannel["type"] {
    return this.state.channels.get(channel)?.type ?? "channel";
  }

  private echoEvent(build: () => Record<string, unknown>): void {
    if (!this.echo || (!this.socket.connected && !this.http)) return;
    const p = this.deliver(eventEnvelope(build())).catch((err: unknown) => this.deliveryErrors.push(err));
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private blocks(text: string): unknown[] {
    const elements = text.split(/(<@[A-Z0-9]+>)/).filter(Boolean).map((part) => {
      const user = /^<@([A-Z0-9]+)>$/.exec(part);
      return user ? { type: "user", user_id: user[1] } : { type: "text", text: part };
    });
    return [{ type: "rich_text", block_id: "b1", elements: [{ type: "rich_text_section", elements }] }];
  }

  private messageEvent(m: FakeMessage): Record<string, unknown> {
    const ev: Record<string, unknown> = {
      ...this.state.toApi(m),
      channel: m.channel,
      channel_type: this.channelType(m.channel),
      event_ts: m.ts,
    };
    if (m.threadTs) {
      ev.thread_ts = m.threadTs;
      ev.parent_user_id = this.state.find(m.channel, m.threadTs)?.user;
    }
    if (m.origin === "user") {
      ev.client_msg_id = `${m.ts}-client`;
      ev.blocks = this.blocks(m.text);
    }
    // "A message was shared with a file" arrives as subtype file_share with `files`
    // (https://docs.slack.dev/reference/events/message/file_share).
    if (m.files && m.files.length > 0) {
      ev.subtype = "file_share";
      ev.upload = false;
      ev.files = m.files.map((id) => this.files.inEvent(id));
    }
    return ev;
  }

  private appMentionEvent(m: FakeMessage): Record<string, unknown> {
    return {
      type: "app_mention",
      user: m.user,
      text: m.text,
      ts: m.ts,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      channel: m.channel,
      team: TEAM.id,
      event_ts: m.ts,
      client_msg_id: `${m.ts}-client`,
      blocks: this.blocks(m.text),
      // app_mention carries the message's files too (@slack/types AppMentionEvent.files).
      ...(m.files && m.files.length > 0 ? { files: m.files.map((id) => this.files.inEvent(id)) } : {}),
    };
  }

  private changedEvent(m: FakeMessage, previousText: string, _editor: string): Record<string, unknown> {
    const eventTs = this.state.nextTs();
    const current = this.state.toApi(m);
    return {
      type: "message",
      subtype: "message_changed",
      hidden: true,
      channel: m.channel,
      channel_type: this.channelType(m.channel),
      ts: eventTs,
      event_ts: eventTs,
      message: current,
      previous_message: { ...current, text: previousText, edited: undefined },
    };
  }

  private deletedEvent(m: FakeMessage): Record<string, unknown> {
    const eventTs = this.state.nextTs();
    return {
      type: "message",
      subtype: "message_deleted",
      hidden: true,
      channel: m.channel,
      channel_type: this.channelType(m.channel),
      ts: eventTs,
      event_ts: eventTs,
      deleted_ts: m.ts,
      previous_message: this.state.toApi(m),
    };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    if (this.files.route(req, res, url)) return;
    const raw = await readBody(req);
    if (req.method === "POST" && url.pathname.startsWith("/api/")) {
      const method = url.pathname.slice("/api/".length);
      const params = parseParams(raw, req.headers["content-type"]);
      const auth = req.headers.authorization;
      const token = auth?.startsWith("Bearer ") ? auth.slice(7) : typeof params.token === "string" ? params.token : undefined;
      const answer = await this.api.handle(method, params, token);
      if (answer.drop) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
      res.end(JSON.stringify(answer.body));
      return;
    }
    const response = /^\/response\/(R\d+)$/.exec(url.pathname);
    if (req.method === "POST" && response) {
      const list = this.responses.get(response[1]!);
      if (!list) {
        res.writeHead(404).end("no such response_url");
        return;
      }
      list.push(parseParams(raw, req.headers["content-type"]));
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    res.writeHead(404).end("not found");
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseParams(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === "") return {};
  if (contentType?.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlack(createServer(), options);
  await fake.listen();
  return fake;
}
