// The fake Slack workspace: one team, its users and channels, and every message with its thread,
// edit history and streaming state. The Web API reads and writes it; tests inspect it.
import type { Block } from "./content.ts";

export interface FakeUser {
  id: string;
  name: string;
  displayName?: string;
  realName?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  /** Home team (differs from the workspace for Slack Connect users). */
  team?: string;
}

export type ChannelType = "channel" | "group" | "im";

export interface FakeChannel {
  id: string;
  name: string;
  type: ChannelType;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  user?: string;
  botId?: string;
  appId?: string;
  /** What a person sees (see content.ts): the Markdown of its blocks, else its mrkdwn text. */
  text: string;
  /** The message's `text` field as the API returns it (its notification text when it has blocks). */
  apiText?: string;
  /** Blocks as sent (markdown blocks; streams and markdown_text are kept as markdown blocks). */
  blocks?: Block[];
  /** How `text` is written: Markdown (blocks, streams) or mrkdwn (plain `text`). */
  format?: "markdown" | "mrkdwn";
  /** Every text this message has shown, oldest first (the last is the current one). */
  versions: string[];
  /** When each version appeared (ms since the epoch), parallel to versions. */
  versionAt: number[];
  /** A native stream that was started and not stopped yet. */
  streaming: boolean;
  /** How the message came to be (post, stream, user). */
  origin: "user" | "chat.postMessage" | "chat.startStream";
  edited?: { user: string; ts: string };
  deleted: boolean;
  /** Message metadata the app attached ({event_type, event_payload}). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** Ids of files shared with the message (FakeFiles). */
  files?: string[];
}

export const TEAM = { id: "T0FAKE", name: "Fake Workspace", domain: "fake-workspace" };
export const BOT = { userId: "U0PALAVER", botId: "B0PALAVER", appId: "A0PALAVER", name: "palaver", displayName: "Palaver" };

export class SlackState {
  readonly team = TEAM;
  readonly bot = BOT;
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  private readonly messages = new Map<string, FakeMessage[]>();
  private lastTsMicros = 0;
  /** Thread statuses set with assistant.threads.setStatus ("" when cleared). */
  readonly statuses = new Map<string, string>();

  constructor() {
    this.addUser({ id: BOT.userId, name: BOT.name, displayName: BOT.displayName, isBot: true });
  }

  addUser(user: FakeUser): FakeUser {
    this.users.set(user.id, user);
    return user;
  }

  addChannel(channel: FakeChannel): FakeChannel {
    this.channels.set(channel.id, channel);
    this.messages.set(channel.id, []);
    return channel;
  }

  /** A fresh, strictly increasing ts; consecutive ones are at least 1 ms apart (they order history). */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTsMicros + 1000);
    this.lastTsMicros = micros;
    const sec = Math.floor(micros / 1_000_000);
    return `${sec}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  add(message: Omit<FakeMessage, "versions" | "versionAt" | "deleted" | "streaming"> & { streaming?: boolean }): FakeMessage {
    const list = this.messages.get(message.channel);
    if (!list) throw new Error(`fake slack: no channel ${message.channel}`);
    const m: FakeMessage = {
      ...message,
      streaming: message.streaming ?? false,
      versions: [message.text],
      versionAt: [Date.now()],
      deleted: false,
    };
    list.push(m);
    return m;
  }

  find(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts && !m.deleted);
  }

  setText(m: FakeMessage, text: string): void {
    m.text = text;
    m.versions.push(text);
    m.versionAt.push(Date.now());
  }

  /** Thread root first, then its replies in order (deleted ones left out). */
  thread(channel: string, rootTs: string): FakeMessage[] {
    const list = this.messages.get(channel) ?? [];
    return list.filter((m) => !m.deleted && (m.ts === rootTs || m.threadTs === rootTs));
  }

  /** Every message of a channel (deleted ones too), in order. */
  all(channel: string): FakeMessage[] {
    return [...(this.messages.get(channel) ?? [])];
  }

  /** Messages the bot posted in a thread, in order. */
  botMessages(channel: string, rootTs: string): FakeMessage[] {
    return this.thread(channel, rootTs).filter((m) => m.user === BOT.userId);
  }

  /** As Slack's API returns a message. */
  toApi(m: FakeMessage, options: { metadata?: boolean } = {}): Record<string, unknown> {
    const out: Record<string, unknown> = { type: "message", text: m.apiText ?? m.text, ts: m.ts };
    if (m.blocks && m.blocks.length > 0) out.blocks = m.blocks;
    if (options.metadata && m.metadata) out.metadata = m.metadata;
    if (m.user) out.user = m.user;
    if (m.botId) {
      out.bot_id = m.botId;
      out.app_id = m.appId;
      out.bot_profile = { id: m.botId, app_id: m.appId, name: BOT.name, team_id: TEAM.id };
    }
    if (m.threadTs) out.thread_ts = m.threadTs;
    if (m.edited) out.edited = m.edited;
    const root = !m.threadTs || m.threadTs === m.ts;
    if (root) {
      const replies = this.thread(m.channel, m.ts).filter((r) => r.ts !== m.ts);
      if (replies.length > 0) {
        out.thread_ts = m.ts;
        out.reply_count = replies.length;
        out.latest_reply = replies[replies.length - 1]!.ts;
      }
    }
    const u = m.user ? this.users.get(m.user) : undefined;
    if (u?.team && u.team !== TEAM.id) out.user_team = u.team;
    out.team = u?.team ?? TEAM.id;
    return out;
  }
}
