// What Slack sends an app: Events API envelopes, slash-command payloads, and the v0 request
// signature HTTP mode checks (HMAC-SHA256 over "v0:{timestamp}:{body}" with the signing secret).
import { createHmac, randomBytes } from "node:crypto";
import { BOT, TEAM } from "./state.ts";

export interface EventEnvelope {
  token: string;
  team_id: string;
  api_app_id: string;
  event: Record<string, unknown>;
  type: "event_callback";
  event_id: string;
  event_time: number;
  authorizations: Array<Record<string, unknown>>;
  is_ext_shared_channel: boolean;
  event_context: string;
}

let eventSeq = 0;

export function newEventId(): string {
  return `Ev${Date.now().toString(36).toUpperCase()}${(++eventSeq).toString(36).toUpperCase().padStart(4, "0")}`;
}

export function eventEnvelope(event: Record<string, unknown>, eventId: string = newEventId()): EventEnvelope {
  return {
    token: "fake-verification-token",
    team_id: TEAM.id,
    api_app_id: BOT.appId,
    event,
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: TEAM.id, user_id: BOT.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(8).toString("hex")}`,
  };
}

export interface SlashCommandFields {
  user: string;
  userName: string;
  channel: string;
  channelName: string;
  text: string;
  responseUrl: string;
}

export function slashCommandPayload(f: SlashCommandFields): Record<string, string> {
  return {
    token: "fake-verification-token",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: f.channel,
    channel_name: f.channelName,
    user_id: f.user,
    user_name: f.userName,
    command: "/palaver",
    text: f.text,
    api_app_id: BOT.appId,
    is_enterprise_install: "false",
    response_url: f.responseUrl,
    trigger_id: `${Date.now()}.${randomBytes(4).toString("hex")}`,
  };
}

export interface MessageShortcutFields {
  callbackId: string;
  user: { id: string; name: string };
  channel: { id: string; name: string };
  /** The message the shortcut was used on, as Slack stores it. */
  message: { ts: string; user?: string; text: string; threadTs?: string; botId?: string };
  responseUrl: string;
}

/**
 * A message shortcut's interaction payload. Slack docs, "Shortcuts" interaction payloads
 * (api.slack.com/reference/interaction-payloads/shortcuts): `type: "message_action"`, with
 * `callback_id`, `trigger_id`, `team`, `user`, `channel`, `message_ts`, the `message` itself and a
 * `response_url` ("use it to publish messages back into the conversation"). In HTTP mode it is
 * POSTed "as application/x-www-form-urlencoded with a single payload parameter containing JSON"
 * (docs, "Handling user interaction"), signed like every request; in Socket Mode it comes in an
 * envelope of type "interactive".
 */
export function messageShortcutPayload(f: MessageShortcutFields): Record<string, unknown> {
  return {
    type: "message_action",
    token: "fake-verification-token",
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
    team: { id: TEAM.id, domain: TEAM.domain },
    user: { id: f.user.id, username: f.user.name, team_id: TEAM.id, name: f.user.name },
    channel: { id: f.channel.id, name: f.channel.name },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: f.callbackId,
    trigger_id: `${Date.now()}.${randomBytes(4).toString("hex")}`,
    message_ts: f.message.ts,
    message: {
      type: "message",
      text: f.message.text,
      ts: f.message.ts,
      team: TEAM.id,
      ...(f.message.user ? { user: f.message.user } : {}),
      ...(f.message.botId ? { bot_id: f.message.botId } : {}),
      ...(f.message.threadTs ? { thread_ts: f.message.threadTs } : {}),
    },
    response_url: f.responseUrl,
  };
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedRequestOptions {
  /** Sign with this secret instead (a wrong one makes a bad signature). */
  secret: string;
  contentType: "application/json" | "application/x-www-form-urlencoded";
  /** Seconds since the epoch (default now). */
  timestamp?: number;
  retryNum?: number;
  retryReason?: string;
}

/** POST a correctly signed request like Slack does; returns the HTTP status and body. */
export async function sendSigned(url: string, body: string, o: SignedRequestOptions): Promise<{ status: number; body: string }> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": o.contentType,
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signature(o.secret, timestamp, body),
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  if (o.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(o.retryNum);
    headers["x-slack-retry-reason"] = o.retryReason ?? "http_timeout";
  }
  const res = await fetch(url, { method: "POST", headers, body });
  return { status: res.status, body: await res.text() };
}
