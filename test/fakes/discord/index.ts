// A fake Discord on 127.0.0.1: REST under /api/v10 and a gateway WebSocket, enough for the real
// discord.js to log in, receive messages and interactions, and post, edit and thread replies.
// Point discord.js at it with `rest: { api: fake.url }` (DISCORD_API_URL): discord.js discovers the
// gateway through GET /gateway/bot.
//
// Tests drive it like people would: fake.say(...) posts a message as a user (MESSAGE_CREATE),
// fake.command(...) runs /palaver (INTERACTION_CREATE), fake.userEdit / fake.userDelete change
// history. Everything the bot does is recorded (calls) and kept in `state`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_HEARTBEAT_MS, FakeGateway } from "./gateway.ts";
import { RestError, type RestCall, type RestRequest, type RestResponse } from "./http.ts";
import { RateLimiter, type EditLimit } from "./ratelimit.ts";
import { appRoute, EPHEMERAL_FLAG, type FakeInteraction } from "./routes-app.ts";
import { channelRoute } from "./routes-channels.ts";
import { DiscordState, type FakeAttachment, type FakeMessage, type Json } from "./state.ts";

export { ChannelKind, MessageKind, DiscordState } from "./state.ts";
export type { FakeChannel, FakeGuild, FakeMessage, FakeUser, FakeAttachment } from "./state.ts";
export type { FakeInteraction, InteractionMessage } from "./routes-app.ts";
export type { RestCall } from "./http.ts";
export type { EditLimit, ScriptedLimit, RateLimitRecord } from "./ratelimit.ts";
export { Perm, DEFAULT_EVERYONE } from "./permissions.ts";
export { EPHEMERAL_FLAG } from "./routes-app.ts";

const API_PREFIX = "/api/v10";
export const FAKE_DISCORD_TOKEN = "fake-discord-bot-token-0000";

/** Option types of application commands (…/application-commands#application-command-object-application-command-option-type). */
export const OptionType = { Subcommand: 1, SubcommandGroup: 2, String: 3, Integer: 4, User: 6, Number: 10 } as const;

export interface FakeDiscordOptions {
  token?: string;
  heartbeatMs?: number;
  /** Enforce at most `limit` message edits per channel per `windowMs` with 429s. */
  editLimit?: EditLimit;
}

/**
 * A request Discord carries out but whose answer is lost: a 5xx after the write, or the
 * connection dropped before the response (what a client sees on a timeout or a reset). Discord
 * documents 5xx as "The server had an error processing your request (these are rare)"
 * (topics/opcodes-and-status-codes#http), without promising the write did not happen.
 */
export interface AmbiguousFailure {
  method: string;
  path: RegExp;
  /** "500": HTTP 500 after the write; "drop": the socket is destroyed after the write. */
  mode: "500" | "drop";
  /** How many matching requests (default 1). */
  times?: number;
}

export interface CommandOption {
  name: string;
  value: string | number;
  type?: number;
}

export class FakeDiscord {
  readonly state = new DiscordState();
  readonly calls: RestCall[] = [];
  readonly limiter = new RateLimiter(() => Date.now());
  readonly typing = new Map<string, number[]>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly commands = new Map<string, Json[]>();
  readonly attachments = new Map<string, { bytes: Buffer; contentType: string; expires: number; hm: string }>();
  /** Every CDN download: the attachment id and the status served. */
  readonly cdnDownloads: { id: string; status: number }[] = [];
  readonly gateway: FakeGateway;
  readonly token: string;
  /** Messages created with enforce_nonce (see routes-channels.ts). */
  readonly nonces = new Map<string, { messageId: string; at: number }>();
  private readonly afterWrite: AmbiguousFailure[] = [];
  private port = 0;

  constructor(
    private readonly server: Server,
    options: FakeDiscordOptions,
  ) {
    this.token = options.token ?? FAKE_DISCORD_TOKEN;
    this.gateway = new FakeGateway(this.state, () => this.token, () => this.gatewayUrl, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    if (options.editLimit) this.limiter.enforceEditLimit(options.editLimit);
  }

  /** REST base for discord.js (`rest.api`, DISCORD_API_URL). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => {
      this.server.listen(port, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  // ---- driving the fake like people would ----

  /**
   * A person posts a message: kept in state and dispatched as MESSAGE_CREATE. Mentions are read
   * from the content (<@id>, <@!id>, <@&role>); a reply also mentions the replied-to author, as
   * Discord does when the reply pings.
   */
  say(input: {
    channelId: string;
    authorId: string;
    content: string;
    replyTo?: string;
    pingReply?: boolean;
    attachments?: FakeAttachment[];
  }): FakeMessage {
    const mentions = new Set([...input.content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!));
    const roles = [...input.content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]!);
    let reference: FakeMessage["reference"];
    if (input.replyTo) {
      const target = this.state.messages.get(input.replyTo);
      if (!target) throw new Error(`fake discord: no message ${input.replyTo} to reply to`);
      reference = { messageId: target.id, channelId: target.channelId, guildId: target.guildId };
      if (input.pingReply ?? true) mentions.add(target.authorId);
    }
    const message = this.state.addMessage({
      channelId: input.channelId,
      authorId: input.authorId,
      content: input.content,
      reference,
      mentionUserIds: [...mentions],
      mentionRoleIds: roles,
      attachments: input.attachments,
    });
    this.gateway.dispatch("MESSAGE_CREATE", this.state.messageJson(message.id, { gateway: true }));
    return message;
  }

  /** Re-send an existing message's MESSAGE_CREATE (a duplicate delivery). */
  redeliver(messageId: string): void {
    this.gateway.dispatch("MESSAGE_CREATE", this.state.messageJson(messageId, { gateway: true }));
  }

  userEdit(messageId: string, content: string): void {
    const message = this.state.messages.get(messageId);
    if (!message) throw new Error(`fake discord: no message ${messageId}`);
    message.content = content;
    message.editedAt = Date.now();
    this.gateway.dispatch("MESSAGE_UPDATE", this.state.messageJson(messageId, { gateway: true }));
  }

  userDelete(messageId: string): void {
    const message = this.state.messages.get(messageId);
    if (!message) throw new Error(`fake discord: no message ${messageId}`);
    message.deleted = true;
    this.gateway.dispatch("MESSAGE_DELETE", { id: message.id, channel_id: message.channelId, guild_id: message.guildId });
  }

  /**
   * Serve bytes as a message attachment at a CDN path shaped like Discord's:
   * /attachments/{channel_id}/{attachment_id}/{filename}?ex=…&is=…&hm=…. "CDN URLs are signed and
   * expire (ex/is/hm)" (platform-facts-2.md §0.5; Discord's 2024 attachment-URL change): a request
   * without the signature, or after `ex`, gets 404 as Discord's CDN answers it.
   */
  addAttachment(filename: string, contentType: string, bytes: Buffer, channelId = "0"): FakeAttachment {
    const id = this.state.ids.next();
    const issued = Math.floor(Date.now() / 1000);
    const expires = issued + 24 * 60 * 60;
    const hm = `${id}${expires}`.split("").reverse().join("");
    this.attachments.set(id, { bytes, contentType, expires, hm });
    const query = `ex=${expires.toString(16)}&is=${issued.toString(16)}&hm=${hm}`;
    return { id, filename, contentType, size: bytes.length, url: `http://127.0.0.1:${this.port}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}?${query}` };
  }

  /**
   * Someone runs /palaver: an INTERACTION_CREATE for a chat-input command. `permissions` is the
   * member's computed permission bitfield in that channel (ignored in DMs).
   */
  command(input: {
    userId: string;
    channelId: string;
    permissions?: bigint;
    group?: string;
    sub: string;
    options?: CommandOption[];
    name?: string;
  }): FakeInteraction {
    const channel = this.state.channel(input.channelId);
    const id = this.state.ids.next();
    const token = `interaction-token-${id}`;
    const leaf: Json[] = (input.options ?? []).map((o) => ({
      name: o.name,
      type: o.type ?? (typeof o.value === "number" ? OptionType.Number : OptionType.String),
      value: o.value,
    }));
    const sub: Json = { name: input.sub, type: OptionType.Subcommand, options: leaf };
    const options: Json[] = input.group ? [{ name: input.group, type: OptionType.SubcommandGroup, options: [sub] }] : [sub];
    const userIds = (input.options ?? []).filter((o) => o.type === OptionType.User).map((o) => String(o.value));
    const resolvedUsers = Object.fromEntries(userIds.map((u) => [u, this.state.userJson(u)]));
    const interaction: FakeInteraction = {
      id,
      token,
      channelId: channel.id,
      callbacks: [],
      followups: [],
      visible() {
        return [...(this.original ? [this.original.content] : []), ...this.followups.map((f) => f.content)];
      },
    };
    this.interactions.set(token, interaction);
    const guildId = channel.guildId;
    const base: Json = {
      id,
      application_id: this.state.applicationId,
      type: 2,
      token,
      version: 1,
      locale: "en-US",
      channel_id: channel.id,
      channel: this.state.channelJson(channel.id),
      app_permissions: guildId ? this.state.permissionsIn(channel.id, this.state.bot.id).toString() : "0",
      entitlements: [],
      authorizing_integration_owners: { "0": guildId ?? this.state.bot.id },
      context: guildId ? 0 : 1,
      data: {
        id: this.state.ids.next(),
        name: input.name ?? "palaver",
        type: 1,
        options,
        ...(userIds.length > 0 ? { resolved: { users: resolvedUsers } } : {}),
      },
    };
    if (guildId) {
      const member = this.state.memberJson(guildId, input.userId, true) ?? {
        user: this.state.userJson(input.userId),
        roles: [],
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      };
      base.guild_id = guildId;
      base.guild_locale = "en-US";
      base.member = { ...member, permissions: (input.permissions ?? 0n).toString() };
    } else {
      base.user = this.state.userJson(input.userId);
    }
    this.gateway.dispatch("INTERACTION_CREATE", base);
    return interaction;
  }

  // ---- looking at what the bot did ----

  /** Live messages in a channel or thread, oldest first. */
  messagesIn(channelId: string): FakeMessage[] {
    return this.state.channelMessages(channelId);
  }

  /** The bot's live messages in a channel or thread, oldest first. */
  botMessagesIn(channelId: string): FakeMessage[] {
    return this.messagesIn(channelId).filter((m) => m.authorId === this.state.bot.id);
  }

  /** The next matching requests are carried out, then answered ambiguously (see AmbiguousFailure). */
  failAfterWrite(failure: AmbiguousFailure): void {
    this.afterWrite.push({ times: 1, ...failure });
  }

  callsTo(method: string, path: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  isEphemeral(flags: number): boolean {
    return (flags & EPHEMERAL_FLAG) !== 0;
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP ----

  handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      if (url.pathname.startsWith("/attachments/")) {
        const id = url.pathname.split("/")[3] ?? "";
        const file = this.attachments.get(id);
        const signed = file !== undefined && url.searchParams.get("hm") === file.hm && Date.now() / 1000 < file.expires;
        this.cdnDownloads.push({ id, status: signed ? 200 : 404 });
        res.writeHead(signed ? 200 : 404, { "content-type": signed ? file.contentType : "text/plain" });
        res.end(signed ? file.bytes : "This content is no longer available.");
        return;
      }
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = raw === "" ? undefined : (JSON.parse(raw) as unknown);
      } catch {
        body = raw;
      }
      const method = req.method ?? "GET";
      const pathname = decodeURIComponent(url.pathname);
      const path = pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : pathname;
      const out = this.route({ method, path, params: [], query: url.searchParams, body }, req.headers.authorization);
      const ambiguous = out.status < 300 ? this.takeAmbiguous(method, path) : undefined;
      this.calls.push({ at: Date.now(), method, path, query: url.search, body, status: ambiguous === "drop" ? 0 : ambiguous ? 500 : out.status });
      if (ambiguous === "drop") {
        res.socket?.destroy();
        return;
      }
      if (ambiguous) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "500: Internal Server Error", code: 0 }));
        return;
      }
      const headers: Record<string, string> = { ...out.headers };
      if (out.body !== undefined) headers["content-type"] = "application/json";
      res.writeHead(out.status, headers);
      res.end(out.body === undefined ? undefined : JSON.stringify(out.body));
    });
  }

  private takeAmbiguous(method: string, path: string): AmbiguousFailure["mode"] | undefined {
    const i = this.afterWrite.findIndex((f) => f.method === method && f.path.test(path));
    if (i < 0) return undefined;
    const f = this.afterWrite[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.afterWrite.splice(i, 1);
    return f.mode;
  }

  private route(req: RestRequest, authorization: string | undefined): RestResponse {
    const authorized = authorization === `Bot ${this.token}`;
    try {
      const limit = this.limiter.check(req.method, req.path);
      if (limit) {
        return {
          status: 429,
          headers: {
            "retry-after": String(limit.retryAfterSeconds),
            "x-ratelimit-scope": "user",
            ...(limit.global
              ? { "x-ratelimit-global": "true" }
              : {
                  "x-ratelimit-limit": String(limit.limit),
                  "x-ratelimit-remaining": "0",
                  "x-ratelimit-reset-after": String(limit.retryAfterSeconds),
                }),
          },
          body: { message: "You are being rate limited.", retry_after: limit.retryAfterSeconds, global: limit.global },
        };
      }
      const app = appRoute(
        { state: this.state, token: this.token, gatewayUrl: this.gatewayUrl, interactions: this.interactions, commands: this.commands },
        req,
        authorized,
      );
      if (app) return app;
      if (!authorized) throw new RestError(401, 0, "401: Unauthorized");
      const channel = channelRoute({ state: this.state, gateway: this.gateway, typing: this.typing, nonces: this.nonces }, req);
      if (channel) return channel;
      throw new RestError(404, 0, "404: Not Found");
    } catch (err) {
      if (err instanceof RestError) {
        return { status: err.status, body: { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) } };
      }
      return { status: 500, body: { message: String(err), code: 0 } };
    }
  }
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const server = createServer();
  const fake = new FakeDiscord(server, options);
  server.on("request", (req, res) => fake.handle(req, res));
  server.on("upgrade", (req, socket, head: Buffer) => fake.gateway.handleUpgrade(req, socket, head));
  await fake.listen(0);
  return fake;
}
