// Palaver ids for Slack, and the only place that decodes them (src/types.ts: ids carry their
// platform and are decoded by their adapter). Slack ids (T…, C…/G…/D…, U…) and timestamps
// ("1700000000.000100") never contain ":", so a fixed number of ":"-separated parts is unambiguous.
import { PalaverError } from "../../src/errors.ts";

const PREFIX = "slack";
const SLACK_ID = /^[A-Z0-9]+$/;
const SLACK_TS = /^\d+\.\d+$/;

/** A message, and also a conversation (whose id is its thread root's message id). */
export interface SlackMessageRef {
  team: string;
  channel: string;
  ts: string;
}

/** Everything needed to rebuild a reply surface after a crash. */
export interface SlackReplyAddress {
  team: string;
  channel: string;
  /** The thread the reply goes in. */
  threadTs: string;
  /** The person being answered: native streams in channels need recipient user (and team) ids. */
  recipientUser: string;
  recipientTeam: string;
}

function invalid(kind: string, value: string): PalaverError {
  return new PalaverError("adapter_failed", `not a Slack ${kind} id: ${JSON.stringify(value)}`);
}

function checkIds(kind: string, value: string, ids: string[], tss: string[] = []): void {
  if (!ids.every((id) => SLACK_ID.test(id)) || !tss.every((ts) => SLACK_TS.test(ts))) {
    throw invalid(kind, value);
  }
}

export const workspaceId = (team: string): string => `${PREFIX}:${team}`;
export const channelId = (team: string, channel: string): string => `${PREFIX}:${team}:${channel}`;
export const userId = (user: string): string => `${PREFIX}:${user}`;

export function messageId(ref: SlackMessageRef): string {
  return `${PREFIX}:${ref.team}:${ref.channel}:${ref.ts}`;
}

/** The conversation a message belongs to: its thread root (or itself when it starts one). */
export function conversationId(team: string, channel: string, threadTs: string): string {
  return messageId({ team, channel, ts: threadTs });
}

export function decodeMessageId(id: string): SlackMessageRef {
  const parts = id.split(":");
  if (parts.length !== 4 || parts[0] !== PREFIX) throw invalid("message", id);
  const [, team, channel, ts] = parts as [string, string, string, string];
  checkIds("message", id, [team, channel], [ts]);
  return { team, channel, ts };
}

export function decodeUserId(id: string): string {
  const parts = id.split(":");
  if (parts.length !== 2 || parts[0] !== PREFIX) throw invalid("user", id);
  const user = parts[1]!;
  checkIds("user", id, [user]);
  return user;
}

const ADDRESS_PREFIX = "slack-reply";

export function encodeAddress(a: SlackReplyAddress): string {
  return [ADDRESS_PREFIX, a.team, a.channel, a.threadTs, a.recipientUser, a.recipientTeam].join(":");
}

export function decodeAddress(address: string): SlackReplyAddress {
  const parts = address.split(":");
  if (parts.length !== 6 || parts[0] !== ADDRESS_PREFIX) throw invalid("reply address", address);
  const [, team, channel, threadTs, recipientUser, recipientTeam] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  checkIds("reply address", address, [team, channel, recipientUser, recipientTeam], [threadTs]);
  return { team, channel, threadTs, recipientUser, recipientTeam };
}

/** DM channel ids start with D (Slack's conversation id prefixes: C public, G private/mpim, D im). */
export function isDmChannel(channel: string): boolean {
  return channel.startsWith("D");
}
