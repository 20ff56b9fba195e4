// The fake Slack Web API: the methods Palaver calls, answered from SlackState the way Slack does
// (HTTP 200 with {ok:false, error} for platform errors; 429 + Retry-After when rate limited).
// Every call is recorded. Failures can be scripted per method, and methods can be switched off
// (unknown_method, as on GovSlack for native streaming).
import type { FakeFiles } from "./files.ts";
import { BOT, TEAM, type FakeMessage, type SlackState } from "./state.ts";
import { FakeRateLimiter } from "./rate-limits.ts";
import { ContentError, markdownDocument, readContent, type Content } from "./content.ts";

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
  status: number;
  ok: boolean;
  error?: string;
}

export interface ScriptedFailure {
  method: string;
  /** Slack error code for {ok:false, error} (default "internal_error"), ignored with status 429. */
  error?: string;
  /** 429 makes a rate-limit answer with Retry-After. */
  status?: 200 | 429;
  retryAfterSeconds?: number;
  /** How many calls fail (default 1). */
  times?: number;
  /** Only calls whose params match. */
  when?: (params: Record<string, unknown>) => boolean;
  /**
   * Carry the call out, then lose the answer: "500" answers HTTP 500 after the write, "drop"
   * closes the connection without an answer (what a client sees on a reset or a timeout). Slack
   * documents neither as "nothing happened": an HTTP 5xx or a lost connection leaves the write's
   * outcome unknown to the caller.
   */
  afterWrite?: "500" | "drop";
}

export interface ApiAnswer {
  /** Close the connection instead of answering. */
  drop?: boolean;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** What bot actions cause that the app hears about (echo events). */
export interface BotActivity {
  posted(m: FakeMessage): void;
  changed(m: FakeMessage, previousText: string): void;
  deleted(m: FakeMessage): void;
}

export interface WebApiOptions {
  botToken: string;
  appToken: string;
  /** ws:// URL apps.connections.open hands out. */
  socketUrl: () => string;
  activity: BotActivity;
  files: () => FakeFiles;
}

const PAGE_DEFAULT = 100;
const PAGE_MAX = 999;

class SlackApiError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function str(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function need(params: Record<string, unknown>, key: string): string {
  const v = str(params, key);
  if (v === undefined) throw new SlackApiError(key === "channel" || key === "channel_id" ? "channel_not_found" : "invalid_arguments");
  return v;
}

/** markdown_text, or the text of markdown_text chunks (the chatStream helper sends chunks). */
function streamText(params: Record<string, unknown>): string | undefined {
  const md = params.markdown_text;
  if (typeof md === "string") return md;
  let chunks = params.chunks;
  if (typeof chunks === "string") chunks = JSON.parse(chunks) as unknown;
  if (!Array.isArray(chunks)) return undefined;
  return chunks
    .filter((c): c is { type: string; text: string } => typeof c === "object" && c !== null && (c as { type?: unknown }).type === "markdown_text")
    .map((c) => c.text)
    .join("");
}

/**
 * Message metadata as posted: {event_type, event_payload} ("Message metadata" docs), sent as a
 * JSON-encoded string in form posts. Anything else is ignored, as the fake cannot tell better.
 */
function readMetadata(raw: unknown): FakeMessage["metadata"] {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new SlackApiError("invalid_metadata_format");
    }
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as { event_type?: unknown; event_payload?: unknown };
  if (typeof v.event_type !== "string" || typeof v.event_payload !== "object" || v.event_payload === null) {
    throw new SlackApiError("invalid_metadata_schema");
  }
  return { event_type: v.event_type, event_payload: v.event_payload as Record<string, unknown> };
}

export class FakeWebApi {
  readonly calls: ApiCall[] = [];
  readonly limiter = new FakeRateLimiter();
  private readonly failures: ScriptedFailure[] = [];
  private readonly disabled = new Set<string>();
  /** Methods to hold until released (to keep a reply mid-stream in tests). */
  private readonly holds = new Map<string, Promise<void>>();

  constructor(
    private readonly state: SlackState,
    private readonly options: WebApiOptions,
  ) {}

  fail(f: ScriptedFailure): void {
    this.failures.push({ times: 1, ...f });
  }

  /** Answer unknown_method for these methods (e.g. native streaming on GovSlack). */
  disable(...methods: string[]): void {
    for (const m of methods) this.disabled.add(m);
  }

  enable(...methods: string[]): void {
    for (const m of methods) this.disabled.delete(m);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async handle(method: string, params: Record<string, unknown>, token: string | undefined): Promise<ApiAnswer> {
    const at = Date.now();
    const record = (status: number, body: Record<string, unknown>, retryAfterSeconds?: number): ApiAnswer => {
      this.calls.push({ method, params, at, status, ok: body.ok === true, error: typeof body.error === "string" ? body.error : undefined });
      return { status, headers: retryAfterSeconds !== undefined ? { "retry-after": String(retryAfterSeconds) } : {}, body };
    };
    const hold = this.holds.get(method);
    if (hold) await hold;
    try {
      this.authorize(method, token);
      const scripted = this.takeFailure(method, params);
      if (scripted?.afterWrite) {
        this.run(method, params);
        if (scripted.afterWrite === "drop") return { ...record(0, { ok: false, error: "connection_dropped" }), drop: true };
        return record(500, { ok: false, error: "internal_error" });
      }
      if (scripted) {
        if (scripted.status === 429) {
          const retryAfter = scripted.retryAfterSeconds ?? 1;
          this.limiter.limited.set(method, (this.limiter.limited.get(method) ?? 0) + 1);
          return record(429, { ok: false, error: "ratelimited" }, retryAfter);
        }
        this.scriptedEffect(method, params, scripted.error ?? "internal_error");
        return record(200, { ok: false, error: scripted.error ?? "internal_error" });
      }
      if (this.disabled.has(method)) throw new SlackApiError("unknown_method");
      const channel = str(params, "channel") ?? str(params, "channel_id");
      const retryAfter = this.limiter.check(method, channel, at);
      if (retryAfter !== undefined) return record(429, { ok: false, error: "ratelimited" }, retryAfter);
      return record(200, { ok: true, ...this.run(method, params) });
    } catch (err) {
      if (err instanceof SlackApiError || err instanceof ContentError) return record(200, { ok: false, error: err.code });
      throw err;
    }
  }

  /** Calls to `method` wait until the returned function is called. */
  holdCalls(method: string): () => void {
    let release!: () => void;
    this.holds.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  private authorize(method: string, token: string | undefined): void {
    if (!token) throw new SlackApiError("not_authed");
    if (method === "apps.connections.open") {
      if (!token.startsWith("xapp-")) throw new SlackApiError("not_allowed_token_type");
      if (token !== this.options.appToken) throw new SlackApiError("invalid_auth");
      return;
    }
    if (token.startsWith("xapp-")) throw new SlackApiError("not_allowed_token_type");
    if (token !== this.options.botToken) throw new SlackApiError("invalid_auth");
  }

  private takeFailure(method: string, params: Record<string, unknown>): ScriptedFailure | undefined {
    const i = this.failures.findIndex((f) => f.method === method && (f.when?.(params) ?? true));
    if (i < 0) return undefined;
    const f = this.failures[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.failures.splice(i, 1);
    return f;
  }

  /** A scripted stream expiry leaves the message out of streaming state, as Slack's would. */
  private scriptedEffect(method: string, params: Record<string, unknown>, error: string): void {
    if (error !== "message_not_in_streaming_state") return;
    const m = this.state.find(str(params, "channel") ?? "", str(params, "ts") ?? "");
    if (m) m.streaming = false;
  }

  private run(method: string, p: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        return {
          url: `https://${TEAM.domain}.slack.com/`,
          team: TEAM.name,
          user: BOT.name,
          team_id: TEAM.id,
          user_id: BOT.userId,
          bot_id: BOT.botId,
          is_enterprise_install: false,
        };
      case "apps.connections.open":
        return { url: this.options.socketUrl() };
      case "files.info": {
        // https://docs.slack.dev/reference/methods/files.info: {ok, file}; unknown → file_not_found.
        const f = this.options.files().files.get(need(p, "file"));
        if (!f) throw new SlackApiError("file_not_found");
        return { file: this.options.files().object(f) };
      }
      case "users.info":
        return { user: this.userInfo(need(p, "user")) };
      case "conversations.replies":
        return this.replies(p);
      case "chat.postMessage":
        return this.postMessage(p);
      case "chat.update":
        return this.update(p);
      case "chat.delete":
        return this.delete(p);
      case "chat.startStream":
        return this.startStream(p);
      case "chat.appendStream":
        return this.appendStream(p);
      case "chat.stopStream":
        return this.stopStream(p);
      case "assistant.threads.setStatus": {
        const channel = this.channel(need(p, "channel_id"));
        const threadTs = need(p, "thread_ts");
        if (!this.state.find(channel, threadTs)) throw new SlackApiError("invalid_thread_ts");
        this.state.statuses.set(`${channel}:${threadTs}`, typeof p.status === "string" ? p.status : "");
        return {};
      }
      default:
        throw new SlackApiError("unknown_method");
    }
  }

  private channel(id: string): string {
    if (!this.state.channels.has(id)) throw new SlackApiError("channel_not_found");
    return id;
  }

  private userInfo(id: string): Record<string, unknown> {
    const u = this.state.users.get(id);
    if (!u) throw new SlackApiError("user_not_found");
    return {
      id: u.id,
      team_id: u.team ?? TEAM.id,
      name: u.name,
      real_name: u.realName ?? u.name,
      is_admin: Boolean(u.isAdmin),
      is_owner: Boolean(u.isOwner),
      is_primary_owner: false,
      is_bot: Boolean(u.isBot),
      profile: { display_name: u.displayName ?? "", real_name: u.realName ?? u.name },
    };
  }

  /**
   * A message read back with its files: history methods return full file objects in `files`
   * (https://docs.slack.dev/reference/objects/message-object; only events pushed to an app carry
   * Slack Connect stubs, platform-facts-2.md §2.2), shared with subtype file_share.
   */
  private withFiles(m: { files?: string[] }, api: Record<string, unknown>): Record<string, unknown> {
    if (!m.files || m.files.length === 0) return api;
    const files = this.options.files();
    return { ...api, subtype: "file_share", files: m.files.flatMap((id) => { const f = files.files.get(id); return f ? [files.object(f)] : []; }) };
  }

  private replies(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channel(need(p, "channel"));
    const ts = need(p, "ts");
    const root = this.state.find(channel, ts);
    if (!root) throw new SlackApiError("thread_not_found");
    const rootTs = root.threadTs ?? root.ts;
    const all = this.state.thread(channel, rootTs);
    const limit = Math.min(PAGE_MAX, Math.max(1, Number(p.limit ?? PAGE_DEFAULT) || PAGE_DEFAULT));
    const cursor = str(p, "cursor");
    const offset = cursor ? Number(Buffer.from(cursor, "base64").toString("utf8").replace(/^offset:/, "")) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new SlackApiError("invalid_cursor");
    const page = all.slice(offset, offset + limit);
    // Continuation pages start with the parent again (a shape some clients have seen): callers
    // must not count on either behaviour.
    const messages = offset > 0 && all[0] ? [all[0], ...page] : page;
    const next = offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "";
    // Metadata is returned only on request: "include_all_metadata: Return all metadata
    // associated with this message" (conversations.replies docs; default false).
    const withMetadata = p.include_all_metadata === true || p.include_all_metadata === "true";
    return {
      messages: messages.map((m) => this.withFiles(m, this.state.toApi(m, { metadata: withMetadata }))),
      has_more: next !== "",
      response_metadata: { next_cursor: next },
    };
  }

  private botMessage(channel: string, threadTs: string | undefined, content: Content, origin: FakeMessage["origin"], streaming: boolean): FakeMessage {
    if (threadTs && !this.state.find(channel, threadTs)) throw new SlackApiError("thread_not_found");
    const m = this.state.add({
      channel,
      ts: this.state.nextTs(),
      threadTs,
      user: BOT.userId,
      botId: BOT.botId,
      appId: BOT.appId,
      text: content.shown,
      apiText: content.text,
      blocks: content.blocks,
      format: content.format,
      origin,
      streaming,
    });
    // Slack clears the "is thinking…" status when the app posts in the thread.
    if (threadTs) this.state.statuses.set(`${channel}:${threadTs}`, "");
    this.options.activity.posted(m);
    return m;
  }

  private postMessage(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channel(need(p, "channel"));
    const m = this.botMessage(channel, str(p, "thread_ts"), readContent(p), "chat.postMessage", false);
    m.metadata = readMetadata(p.metadata);
    return { channel, ts: m.ts, message: this.state.toApi(m) };
  }

  private own(p: Record<string, unknown>): FakeMessage {
    const channel = this.channel(need(p, "channel"));
    const m = this.state.find(channel, need(p, "ts"));
    if (!m) throw new SlackApiError("message_not_found");
    if (m.user !== BOT.userId) throw new SlackApiError("cant_update_message");
    return m;
  }

  private update(p: Record<string, unknown>): Record<string, unknown> {
    const m = this.own(p);
    // Modelled conservatively: a message still streaming has to be stopped before an update.
    if (m.streaming) throw new SlackApiError("cant_update_message");
    const content = readContent(p, { shown: m.text, text: m.apiText ?? m.text, blocks: m.blocks ?? [], format: m.format ?? "mrkdwn" });
    const previous = m.text;
    this.setContent(m, content);
    m.edited = { user: BOT.userId, ts: this.state.nextTs() };
    this.options.activity.changed(m, previous);
    return { channel: m.channel, ts: m.ts, text: m.text };
  }

  private setContent(m: FakeMessage, content: Content): void {
    m.apiText = content.text;
    m.blocks = content.blocks;
    m.format = content.format;
    this.state.setText(m, content.shown);
  }

  private delete(p: Record<string, unknown>): Record<string, unknown> {
    const m = this.own(p);
    m.deleted = true;
    this.options.activity.deleted(m);
    return { channel: m.channel, ts: m.ts };
  }

  private startStream(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channel(need(p, "channel"));
    const threadTs = str(p, "thread_ts");
    if (!threadTs) throw new SlackApiError("invalid_arguments");
    if (this.state.channels.get(channel)!.type !== "im") {
      // Required outside DMs (platform-facts.md, "Native streaming").
      if (!str(p, "recipient_team_id")) throw new SlackApiError("missing_recipient_team_id");
      if (!str(p, "recipient_user_id")) throw new SlackApiError("missing_recipient_user_id");
    }
    const m = this.botMessage(channel, threadTs, markdownDocument(streamText(p) ?? ""), "chat.startStream", true);
    return { channel, ts: m.ts };
  }

  private streaming(p: Record<string, unknown>): FakeMessage {
    const m = this.own(p);
    if (!m.streaming) throw new SlackApiError("message_not_in_streaming_state");
    return m;
  }

  private appendStream(p: Record<string, unknown>): Record<string, unknown> {
    const m = this.streaming(p);
    const delta = streamText(p);
    if (!delta) throw new SlackApiError("invalid_arguments");
    this.setContent(m, markdownDocument(m.text + delta));
    return { channel: m.channel, ts: m.ts };
  }

  private stopStream(p: Record<string, unknown>): Record<string, unknown> {
    const m = this.streaming(p);
    const previous = m.text;
    const delta = streamText(p) ?? "";
    if (delta) this.setContent(m, markdownDocument(m.text + delta));
    m.metadata = readMetadata(p.metadata) ?? m.metadata;
    m.streaming = false;
    this.options.activity.changed(m, previous);
    return { channel: m.channel, ts: m.ts, message: this.state.toApi(m) };
  }
}
