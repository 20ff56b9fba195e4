// Channel, message, thread and typing routes of the fake Discord
// (discord.com/developers/docs/resources/message, …/resources/channel).
import type { FakeGateway } from "./gateway.ts";
import { checkContent, ErrorCode, formError, record, RestError, type RestRequest, type RestResponse } from "./http.ts";
import { Perm } from "./permissions.ts";
import { compareSnowflakes } from "./snowflake.ts";
import { pingsOf } from "./mentions.ts";
import { ChannelKind, MessageKind, type DiscordState, type FakeChannel, type FakeMessage } from "./state.ts";

/** Thread names are 1–100 characters (discord.com/developers/docs/resources/channel#start-thread-from-message). */
const MAX_THREAD_NAME = 100;
/** Message listing: default 50, at most 100 per page. */
const DEFAULT_PAGE = 50;
const MAX_PAGE = 100;

/**
 * How long a nonce is remembered with enforce_nonce. Discord's Create Message docs: "If true and
 * nonce is present, it will be checked for uniqueness in the past few minutes. If another message
 * was created by the same author with the same nonce, that message will be returned and no new
 * message will be created." "A few minutes": the fake keeps 5.
 */
export const NONCE_WINDOW_MS = 5 * 60_000;
/** "nonce: integer or string … (up to 25 characters)" (Create Message docs). */
const MAX_NONCE_LENGTH = 25;

export interface ChannelRouteContext {
  state: DiscordState;
  /** Messages created with enforce_nonce, by "author:nonce". */
  nonces: Map<string, { messageId: string; at: number }>;
  gateway: FakeGateway;
  /** Typing indicators the bot sent, per channel id (times in ms). */
  typing: Map<string, number[]>;
}

type Route = { method: string; pattern: RegExp; handle: (ctx: ChannelRouteContext, req: RestRequest) => RestResponse };

function channelOr404(ctx: ChannelRouteContext, id: string): FakeChannel {
  const channel = ctx.state.channels.get(id);
  if (!channel) throw new RestError(404, ErrorCode.UnknownChannel, "Unknown Channel");
  return channel;
}

function messageOr404(ctx: ChannelRouteContext, channelId: string, id: string): FakeMessage {
  const message = ctx.state.messages.get(id);
  if (!message || message.deleted || message.channelId !== channelId) {
    throw new RestError(404, ErrorCode.UnknownMessage, "Unknown Message");
  }
  return message;
}

function demand(ctx: ChannelRouteContext, channel: FakeChannel, bits: bigint): void {
  const perms = ctx.state.permissionsIn(channel.id, ctx.state.bot.id);
  if ((perms & bits) !== bits) throw new RestError(403, ErrorCode.MissingPermissions, "Missing Permissions");
}

function sendPermission(channel: FakeChannel): bigint {
  return Perm.ViewChannel | (channel.type === ChannelKind.PublicThread ? Perm.SendMessagesInThreads : Perm.SendMessages);
}

const routes: Route[] = [
  {
    method: "GET",
    pattern: /^\/channels\/(\d+)$/,
    handle: (ctx, req) => ({ status: 200, body: ctx.state.channelJson(channelOr404(ctx, req.params[0]!).id) }),
  },
  {
    method: "POST",
    pattern: /^\/channels\/(\d+)\/typing$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      demand(ctx, channel, sendPermission(channel));
      const list = ctx.typing.get(channel.id) ?? [];
      list.push(Date.now());
      ctx.typing.set(channel.id, list);
      return { status: 204 };
    },
  },
  {
    method: "GET",
    pattern: /^\/channels\/(\d+)\/messages$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      demand(ctx, channel, Perm.ViewChannel | Perm.ReadMessageHistory);
      const limit = Math.min(MAX_PAGE, Math.max(1, Number(req.query.get("limit") ?? DEFAULT_PAGE)));
      let list = ctx.state.channelMessages(channel.id);
      const before = req.query.get("before");
      const after = req.query.get("after");
      if (before) list = list.filter((m) => compareSnowflakes(m.id, before) < 0);
      if (after) list = list.filter((m) => compareSnowflakes(m.id, after) > 0).slice(0, limit);
      else list = list.slice(-limit);
      return { status: 200, body: list.reverse().map((m) => ctx.state.messageJson(m.id)) };
    },
  },
  {
    method: "GET",
    pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      demand(ctx, channel, Perm.ViewChannel | Perm.ReadMessageHistory);
      return { status: 200, body: ctx.state.messageJson(messageOr404(ctx, channel.id, req.params[1]!).id) };
    },
  },
  {
    method: "POST",
    pattern: /^\/channels\/(\d+)\/messages$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      demand(ctx, channel, sendPermission(channel));
      const body = record(req.body);
      const nonce = body.nonce === undefined ? undefined : String(body.nonce);
      if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) {
        throw formError("nonce", "BASE_TYPE_MAX_LENGTH", `Must be ${MAX_NONCE_LENGTH} or fewer in length.`);
      }
      const nonceKey = nonce !== undefined && body.enforce_nonce === true ? `${ctx.state.bot.id}:${nonce}` : undefined;
      const seen = nonceKey ? ctx.nonces.get(nonceKey) : undefined;
      if (seen && Date.now() - seen.at < NONCE_WINDOW_MS && ctx.state.messages.has(seen.messageId)) {
        // The same message again: returned as it is, nothing created, no MESSAGE_CREATE.
        return { status: 200, body: ctx.state.messageJson(seen.messageId) };
      }
      const content = checkContent(body.content, true)!;
      const ref = record(body.message_reference);
      let reference: FakeMessage["reference"];
      if (typeof ref.message_id === "string") {
        const target = ctx.state.messages.get(ref.message_id);
        if (target && !target.deleted) {
          reference = { messageId: target.id, channelId: target.channelId, guildId: target.guildId };
        } else if (ref.fail_if_not_exists !== false) {
          throw formError("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message");
        }
      }
      if (channel.archived) channel.archived = false; // posting in an archived thread unarchives it
      const repliedAuthor = reference ? ctx.state.messages.get(reference.messageId)?.authorId : undefined;
      const pings = pingsOf(body, repliedAuthor);
      const message = ctx.state.addMessage({
        channelId: channel.id,
        authorId: ctx.state.bot.id,
        content,
        reference,
        mentionUserIds: pings.users,
        mentionRoleIds: pings.roles,
        mentionEveryone: pings.everyone,
        nonce,
      });
      if (nonceKey) ctx.nonces.set(nonceKey, { messageId: message.id, at: Date.now() });
      ctx.gateway.dispatch("MESSAGE_CREATE", ctx.state.messageJson(message.id, { gateway: true }));
      return { status: 200, body: ctx.state.messageJson(message.id) };
    },
  },
  {
    method: "PATCH",
    pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      const message = messageOr404(ctx, channel.id, req.params[1]!);
      if (message.authorId !== ctx.state.bot.id) {
        throw new RestError(403, ErrorCode.CannotEditOtherUsersMessage, "Cannot edit a message authored by another user");
      }
      const body = record(req.body);
      const content = checkContent(body.content, false);
      if (content !== undefined) {
        // An edit notifies nobody new, but the mentions shown follow the new content's rules.
        const pings = pingsOf(body);
        message.content = content;
        message.editedAt = Date.now();
        message.mentionUserIds = pings.users;
        message.mentionRoleIds = pings.roles;
        message.mentionEveryone = pings.everyone;
      }
      ctx.gateway.dispatch("MESSAGE_UPDATE", ctx.state.messageJson(message.id, { gateway: true }));
      return { status: 200, body: ctx.state.messageJson(message.id) };
    },
  },
  {
    method: "DELETE",
    pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      const message = messageOr404(ctx, channel.id, req.params[1]!);
      if (message.authorId !== ctx.state.bot.id) throw new RestError(403, ErrorCode.MissingPermissions, "Missing Permissions");
      message.deleted = true;
      ctx.gateway.dispatch("MESSAGE_DELETE", { id: message.id, channel_id: channel.id, guild_id: channel.guildId });
      return { status: 204 };
    },
  },
  {
    method: "POST",
    pattern: /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/,
    handle: (ctx, req) => {
      const channel = channelOr404(ctx, req.params[0]!);
      if (channel.type !== ChannelKind.GuildText) {
        throw new RestError(400, 50024, "Cannot execute action on this channel type");
      }
      const message = messageOr404(ctx, channel.id, req.params[1]!);
      if (message.threadId) {
        throw new RestError(400, ErrorCode.ThreadAlreadyCreated, "A thread has already been created for this message");
      }
      demand(ctx, channel, Perm.ViewChannel | Perm.CreatePublicThreads);
      const name = record(req.body).name;
      if (typeof name !== "string" || name.length < 1 || name.length > MAX_THREAD_NAME) {
        throw formError("name", "BASE_TYPE_BAD_LENGTH", `Must be between 1 and ${MAX_THREAD_NAME} in length.`);
      }
      // A thread started from a message has that message's id.
      const thread = ctx.state.addThread(channel.id, name, ctx.state.bot.id, message.id);
      message.threadId = thread.id;
      ctx.gateway.dispatch("THREAD_CREATE", { ...ctx.state.channelJson(thread.id), newly_created: true });
      // Discord opens the thread with a system stub pointing at the starter message.
      const stub = ctx.state.addMessage({
        channelId: thread.id,
        authorId: message.authorId,
        content: "",
        type: MessageKind.ThreadStarterMessage,
        reference: { messageId: message.id, channelId: channel.id, guildId: channel.guildId },
      });
      ctx.gateway.dispatch("MESSAGE_CREATE", ctx.state.messageJson(stub.id, { gateway: true }));
      return { status: 201, body: ctx.state.channelJson(thread.id) };
    },
  },
];

export function channelRoute(ctx: ChannelRouteContext, req: RestRequest): RestResponse | undefined {
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const m = route.pattern.exec(req.path);
    if (m) return route.handle(ctx, { ...req, params: m.slice(1) });
  }
  return undefined;
}
