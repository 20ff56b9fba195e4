// The fake Discord's world: users, guilds (roles, members), channels, threads and messages, and
// their JSON shapes as the API sends them (discord.com/developers/docs/resources/*). Only the
// fields discord.js reads to build its structures are filled in.
import { computePermissions, DEFAULT_EVERYONE, type Overwrite } from "./permissions.ts";
import { compareSnowflakes, Snowflakes, snowflakeTime } from "./snowflake.ts";

export const ChannelKind = { GuildText: 0, DM: 1, PublicThread: 11 } as const;
export type ChannelKindValue = (typeof ChannelKind)[keyof typeof ChannelKind];

/** Message types the fake produces: a plain message, a reply, a thread's starter stub. */
export const MessageKind = { Default: 0, Reply: 19, ThreadStarterMessage: 21 } as const;

export type Json = Record<string, unknown>;

export interface FakeUser {
  id: string;
  username: string;
  globalName?: string;
  bot: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
}

export interface FakeMember {
  userId: string;
  roles: string[];
  nick?: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, FakeRole>;
  members: Map<string, FakeMember>;
}

export interface FakeChannel {
  id: string;
  type: ChannelKindValue;
  guildId?: string;
  name?: string;
  /** Threads: the text channel they live in. */
  parentId?: string;
  ownerId?: string;
  overwrites: Overwrite[];
  /** DMs: the other person. */
  recipientId?: string;
  archived: boolean;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  url: string;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  guildId?: string;
  authorId: string;
  content: string;
  type: number;
  createdAt: number;
  editedAt?: number;
  reference?: { messageId: string; channelId: string; guildId?: string };
  mentionUserIds: string[];
  mentionRoleIds: string[];
  attachments: FakeAttachment[];
  /** The thread started from this message, if any (its id equals this message's id). */
  threadId?: string;
  /** Webhook (interaction) messages carry flags, e.g. 64 = ephemeral. */
  flags: number;
  webhookId?: string;
  deleted: boolean;
}

export class DiscordState {
  readonly ids: Snowflakes;
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages = new Map<string, FakeMessage>();
  readonly bot: FakeUser;
  readonly applicationId: string;

  constructor(now: () => number = () => Date.now()) {
    this.ids = new Snowflakes(now);
    this.applicationId = this.ids.next();
    this.bot = { id: this.applicationId, username: "Palaver", bot: true };
    this.users.set(this.bot.id, this.bot);
  }

  addUser(username: string, options: { bot?: boolean; globalName?: string; id?: string } = {}): FakeUser {
    const user: FakeUser = { id: options.id ?? this.ids.next(), username, globalName: options.globalName, bot: options.bot ?? false };
    this.users.set(user.id, user);
    return user;
  }

  /** A guild the bot is a member of, with @everyone allowed `everyone` permissions. */
  addGuild(name: string, options: { everyone?: bigint; ownerId?: string } = {}): FakeGuild {
    const id = this.ids.next();
    const guild: FakeGuild = {
      id,
      name,
      ownerId: options.ownerId ?? this.ids.next(),
      roles: new Map([[id, { id, name: "@everyone", permissions: options.everyone ?? DEFAULT_EVERYONE, position: 0 }]]),
      members: new Map([[this.bot.id, { userId: this.bot.id, roles: [] }]]),
    };
    this.guilds.set(id, guild);
    return guild;
  }

  addRole(guildId: string, name: string, permissions: bigint): FakeRole {
    const guild = this.guild(guildId);
    const role: FakeRole = { id: this.ids.next(), name, permissions, position: guild.roles.size };
    guild.roles.set(role.id, role);
    return role;
  }

  addMember(guildId: string, userId: string, options: { roles?: string[]; nick?: string } = {}): FakeMember {
    const member: FakeMember = { userId, roles: options.roles ?? [], nick: options.nick };
    this.guild(guildId).members.set(userId, member);
    return member;
  }

  addTextChannel(guildId: string, name: string, overwrites: Overwrite[] = []): FakeChannel {
    const channel: FakeChannel = { id: this.ids.next(), type: ChannelKind.GuildText, guildId, name, overwrites, archived: false };
    this.channels.set(channel.id, channel);
    return channel;
  }

  addDM(userId: string): FakeChannel {
    const channel: FakeChannel = { id: this.ids.next(), type: ChannelKind.DM, recipientId: userId, overwrites: [], archived: false };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A thread that exists without a starter message (e.g. made by a person before Palaver came). */
  addThread(parentId: string, name: string, ownerId: string, id: string = this.ids.next()): FakeChannel {
    const parent = this.channel(parentId);
    const thread: FakeChannel = {
      id,
      type: ChannelKind.PublicThread,
      guildId: parent.guildId,
      name,
      parentId,
      ownerId,
      overwrites: [],
      archived: false,
    };
    this.channels.set(thread.id, thread);
    return thread;
  }

  addMessage(input: {
    channelId: string;
    authorId: string;
    content: string;
    type?: number;
    reference?: FakeMessage["reference"];
    mentionUserIds?: string[];
    mentionRoleIds?: string[];
    attachments?: FakeAttachment[];
    flags?: number;
    webhookId?: string;
  }): FakeMessage {
    const channel = this.channel(input.channelId);
    const id = this.ids.next();
    const message: FakeMessage = {
      id,
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: input.authorId,
      content: input.content,
      type: input.type ?? (input.reference ? MessageKind.Reply : MessageKind.Default),
      createdAt: snowflakeTime(id),
      reference: input.reference,
      mentionUserIds: input.mentionUserIds ?? [],
      mentionRoleIds: input.mentionRoleIds ?? [],
      attachments: input.attachments ?? [],
      flags: input.flags ?? 0,
      webhookId: input.webhookId,
      deleted: false,
    };
    this.messages.set(id, message);
    return message;
  }

  guild(id: string): FakeGuild {
    const g = this.guilds.get(id);
    if (!g) throw new Error(`fake discord: no guild ${id}`);
    return g;
  }

  channel(id: string): FakeChannel {
    const c = this.channels.get(id);
    if (!c) throw new Error(`fake discord: no channel ${id}`);
    return c;
  }

  user(id: string): FakeUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`fake discord: no user ${id}`);
    return u;
  }

  /** Live messages of a channel, oldest first. */
  channelMessages(channelId: string): FakeMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.channelId === channelId && !m.deleted)
      .sort((a, b) => compareSnowflakes(a.id, b.id));
  }

  activeThreads(guildId: string): FakeChannel[] {
    return [...this.channels.values()].filter((c) => c.type === ChannelKind.PublicThread && c.guildId === guildId && !c.archived);
  }

  /** The bot's (or anyone's) permissions in a channel; threads inherit their parent's. */
  permissionsIn(channelId: string, userId: string): bigint {
    const channel = this.channel(channelId);
    if (!channel.guildId) return DEFAULT_EVERYONE;
    const base = channel.parentId ? this.channel(channel.parentId) : channel;
    const guild = this.guild(channel.guildId);
    return computePermissions({
      guildId: guild.id,
      ownerId: guild.ownerId,
      userId,
      rolePermissions: new Map([...guild.roles.values()].map((r) => [r.id, r.permissions])),
      memberRoles: guild.members.get(userId)?.roles ?? [],
      overwrites: base.overwrites,
    });
  }

  // ---- JSON, as the API sends it ----

  userJson(id: string): Json {
    const u = this.user(id);
    return {
      id: u.id,
      username: u.username,
      global_name: u.globalName ?? null,
      discriminator: "0",
      avatar: null,
      bot: u.bot || undefined,
      public_flags: 0,
    };
  }

  memberJson(guildId: string, userId: string, withUser: boolean): Json | undefined {
    const m = this.guild(guildId).members.get(userId);
    if (!m) return undefined;
    return {
      ...(withUser ? { user: this.userJson(userId) } : {}),
      roles: m.roles,
      nick: m.nick ?? null,
      avatar: null,
      joined_at: new Date(0).toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  channelJson(id: string): Json {
    const c = this.channel(id);
    const base: Json = { id: c.id, type: c.type, flags: 0 };
    if (c.type === ChannelKind.DM) {
      return { ...base, recipients: [this.userJson(c.recipientId!)], last_message_id: this.lastMessageId(c.id) };
    }
    const common: Json = {
      ...base,
      guild_id: c.guildId,
      name: c.name,
      last_message_id: this.lastMessageId(c.id),
      rate_limit_per_user: 0,
    };
    if (c.type === ChannelKind.PublicThread) {
      return {
        ...common,
        parent_id: c.parentId,
        owner_id: c.ownerId,
        message_count: this.channelMessages(c.id).length,
        member_count: 1,
        total_message_sent: this.channelMessages(c.id).length,
        thread_metadata: {
          archived: c.archived,
          auto_archive_duration: 1440,
          archive_timestamp: new Date(snowflakeTime(c.id)).toISOString(),
          locked: false,
          create_timestamp: new Date(snowflakeTime(c.id)).toISOString(),
        },
      };
    }
    return {
      ...common,
      position: 0,
      parent_id: null,
      topic: null,
      nsfw: false,
      permission_overwrites: c.overwrites.map((o) => ({
        id: o.id,
        type: o.type,
        allow: o.allow.toString(),
        deny: o.deny.toString(),
      })),
    };
  }

  guildJson(id: string): Json {
    const g = this.guild(id);
    return {
      id: g.id,
      name: g.name,
      icon: null,
      owner_id: g.ownerId,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      features: [],
      mfa_level: 0,
      system_channel_flags: 0,
      premium_tier: 0,
      preferred_locale: "en-US",
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      roles: [...g.roles.values()].map((r) => ({
        id: r.id,
        name: r.name,
        color: 0,
        hoist: false,
        position: r.position,
        permissions: r.permissions.toString(),
        managed: false,
        mentionable: false,
        flags: 0,
      })),
      emojis: [],
      stickers: [],
      // GUILD_CREATE-only fields:
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: g.members.size,
      members: [...g.members.keys()].map((uid) => this.memberJson(g.id, uid, true)),
      channels: [...this.channels.values()]
        .filter((c) => c.guildId === g.id && c.type !== ChannelKind.PublicThread)
        .map((c) => this.channelJson(c.id)),
      threads: this.activeThreads(g.id).map((c) => this.channelJson(c.id)),
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** A message object. Gateway events add guild_id, member and channel_type. */
  messageJson(id: string, options: { gateway?: boolean; depth?: number } = {}): Json {
    const m = this.messages.get(id);
    if (!m) throw new Error(`fake discord: no message ${id}`);
    const channel = this.channel(m.channelId);
    const depth = options.depth ?? 0;
    const mentionJson = (uid: string): Json => {
      const member = m.guildId ? this.memberJson(m.guildId, uid, false) : undefined;
      return { ...this.userJson(uid), ...(member ? { member } : {}) };
    };
    const json: Json = {
      id: m.id,
      channel_id: m.channelId,
      type: m.type,
      content: m.content,
      author: this.userJson(m.authorId),
      timestamp: new Date(m.createdAt).toISOString(),
      edited_timestamp: m.editedAt ? new Date(m.editedAt).toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: m.mentionUserIds.filter((u) => this.users.has(u)).map(mentionJson),
      mention_roles: m.mentionRoleIds,
      attachments: m.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        content_type: a.contentType,
        size: a.size,
        url: a.url,
        proxy_url: a.url,
      })),
      embeds: [],
      pinned: false,
      flags: m.flags,
      components: [],
    };
    if (m.webhookId) json.webhook_id = m.webhookId;
    if (m.reference) {
      json.message_reference = {
        type: 0,
        message_id: m.reference.messageId,
        channel_id: m.reference.channelId,
        ...(m.reference.guildId ? { guild_id: m.reference.guildId } : {}),
      };
      if (m.type === MessageKind.Reply && depth === 0) {
        const ref = this.messages.get(m.reference.messageId);
        json.referenced_message = ref && !ref.deleted ? this.messageJson(ref.id, { depth: 1 }) : null;
      }
    }
    if (m.threadId && this.channels.has(m.threadId)) json.thread = this.channelJson(m.threadId);
    if (channel.type === ChannelKind.PublicThread) json.position = this.channelMessages(channel.id).indexOf(m);
    if (options.gateway) {
      json.channel_type = channel.type;
      if (m.guildId) {
        json.guild_id = m.guildId;
        const member = this.memberJson(m.guildId, m.authorId, false);
        if (member) json.member = member;
      }
    }
    return json;
  }

  private lastMessageId(channelId: string): string | null {
    const list = this.channelMessages(channelId);
    return list.length > 0 ? list[list.length - 1]!.id : null;
  }
}
