// The fake Discord's world: users, guilds (roles, members), channels, threads and messages, and
// who may do what where. Their JSON shapes, as the API sends them, are in state.ts.
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
  /** The nonce it was created with (Discord echoes it in the create response and MESSAGE_CREATE). */
  nonce?: string;
  /** The message notifies @everyone / @here. */
  mentionEveryone: boolean;
  attachments: FakeAttachment[];
  /** The thread started from this message, if any (its id equals this message's id). */
  threadId?: string;
  /** Webhook (interaction) messages carry flags, e.g. 64 = ephemeral. */
  flags: number;
  webhookId?: string;
  deleted: boolean;
}

export class DiscordWorld {
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
    mentionEveryone?: boolean;
    attachments?: FakeAttachment[];
    flags?: number;
    webhookId?: string;
    nonce?: string;
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
      mentionEveryone: input.mentionEveryone ?? false,
      attachments: input.attachments ?? [],
      flags: input.flags ?? 0,
      webhookId: input.webhookId,
      nonce: input.nonce,
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
}
