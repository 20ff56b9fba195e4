// The fake Discord's world as the API sends it (discord.com/developers/docs/resources/*): the
// JSON shapes of users, members, channels, guilds and messages. Only the fields discord.js reads
// to build its structures are filled in. The world itself (what exists, who may do what) is in
// world.ts; this file adds only the wire shapes.
import { snowflakeTime } from "./snowflake.ts";
import { ChannelKind, DiscordWorld, MessageKind, type Json } from "./world.ts";

export * from "./world.ts";

export class DiscordState extends DiscordWorld {
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
      mention_everyone: m.mentionEveryone,
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
      ...(m.nonce !== undefined ? { nonce: m.nonce } : {}),
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
