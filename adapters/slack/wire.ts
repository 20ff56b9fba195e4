// The few fields Palaver reads from Slack's event and message payloads, read defensively from
// whatever Bolt hands us (its types are wide unions; Slack adds fields over time).

import { readFiles, type SlackFile } from "./files.ts";

export interface SlackMessage {
  type?: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  /** Set on messages from Slack Connect users and in some events: the author's own team. */
  user_team?: string;
  team?: string;
  text: string;
  ts: string;
  thread_ts?: string;
  channel?: string;
  channel_type?: string;
  username?: string;
  bot_profile?: { name?: string };
  hidden?: boolean;
  /** message_changed */
  message?: SlackMessage;
  previous_message?: SlackMessage;
  /** message_deleted */
  deleted_ts?: string;
  /** Shared files (app_mention, subtype file_share); Slack Connect sends stubs (files.ts). */
  files?: SlackFile[];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function readMessage(raw: unknown): SlackMessage | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const ts = str(r.ts) ?? str(r.deleted_ts);
  if (ts === undefined) return undefined;
  const profile = typeof r.bot_profile === "object" && r.bot_profile !== null ? (r.bot_profile as Record<string, unknown>) : undefined;
  return {
    type: str(r.type),
    subtype: str(r.subtype),
    user: str(r.user),
    bot_id: str(r.bot_id),
    user_team: str(r.user_team),
    team: str(r.team),
    text: str(r.text) ?? "",
    ts,
    thread_ts: str(r.thread_ts),
    channel: str(r.channel),
    channel_type: str(r.channel_type),
    username: str(r.username),
    bot_profile: profile ? { name: str(profile.name) } : undefined,
    hidden: r.hidden === true,
    message: readMessage(r.message),
    previous_message: readMessage(r.previous_message),
    deleted_ts: str(r.deleted_ts),
    files: readFiles(r.files),
  };
}

/** Team (workspace) that delivered an event: authorizations[0].team_id, else team_id. */
export function bodyTeam(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.authorizations)) {
    const first = b.authorizations[0] as Record<string, unknown> | undefined;
    const team = first ? str(first.team_id) : undefined;
    if (team) return team;
  }
  return str(b.team_id);
}

export function tsToMillis(ts: string): number {
  const [sec, frac = "0"] = ts.split(".");
  return Number(sec) * 1000 + Math.floor(Number(frac.padEnd(6, "0").slice(0, 6)) / 1000);
}

/** Message subtypes that are something a person (or bot) said; everything else is housekeeping. */
export const SPOKEN_SUBTYPES = new Set([undefined, "bot_message", "thread_broadcast", "file_share", "me_message"]);
