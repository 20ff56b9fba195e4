// Application-level routes of the fake Discord: gateway discovery, the bot user, application
// commands, and interaction responses (callback, then webhook edits and follow-ups)
// (discord.com/developers/docs/interactions/receiving-and-responding).
import { checkContent, ErrorCode, record, RestError, type RestRequest, type RestResponse } from "./http.ts";
import type { DiscordState, Json } from "./state.ts";

/** Interaction callback types (…/receiving-and-responding#interaction-response-object-interaction-callback-type). */
export const CallbackType = { ChannelMessageWithSource: 4, DeferredChannelMessageWithSource: 5 } as const;
/** Message flag for "only you can see this". */
export const EPHEMERAL_FLAG = 64;

export interface InteractionMessage {
  id: string;
  content: string;
  flags: number;
}

/** One interaction the fake sent, and everything the bot answered to it. */
export interface FakeInteraction {
  id: string;
  token: string;
  channelId: string;
  /** Raw callback bodies in order (a second one is refused, as Discord does). */
  callbacks: Json[];
  /** The original response once there is one (deferred: content "" until edited). */
  original?: InteractionMessage;
  followups: InteractionMessage[];
  /** Content of the original and every follow-up, in order: what the user sees. */
  visible(): string[];
}

export interface AppRouteContext {
  state: DiscordState;
  token: string;
  gatewayUrl: string;
  interactions: Map<string, FakeInteraction>;
  /** Registered commands: "global" or a guild id → the last bulk-overwrite body (with ids). */
  commands: Map<string, Json[]>;
}

function interactionMessageJson(ctx: AppRouteContext, interaction: FakeInteraction, m: InteractionMessage, type: number): Json {
  return {
    id: m.id,
    channel_id: interaction.channelId,
    type,
    content: m.content,
    author: ctx.state.userJson(ctx.state.bot.id),
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    flags: m.flags,
    components: [],
    webhook_id: ctx.state.applicationId,
    application_id: ctx.state.applicationId,
  };
}

function byToken(ctx: AppRouteContext, appId: string, token: string): FakeInteraction {
  const interaction = ctx.interactions.get(token);
  if (!interaction || appId !== ctx.state.applicationId) throw new RestError(404, ErrorCode.UnknownInteraction, "Unknown interaction");
  return interaction;
}

function registerCommands(ctx: AppRouteContext, scope: string, body: unknown): RestResponse {
  if (!Array.isArray(body)) throw new RestError(400, ErrorCode.InvalidFormBody, "Invalid Form Body");
  const saved = body.map((c) => ({ ...record(c), id: ctx.state.ids.next(), application_id: ctx.state.applicationId, version: "1" }));
  ctx.commands.set(scope, saved);
  return { status: 200, body: saved };
}

type Route = { method: string; pattern: RegExp; auth: boolean; handle: (ctx: AppRouteContext, req: RestRequest) => RestResponse };

const routes: Route[] = [
  {
    method: "GET",
    pattern: /^\/gateway\/bot$/,
    auth: true,
    handle: (ctx) => ({
      status: 200,
      body: {
        url: ctx.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      },
    }),
  },
  {
    method: "GET",
    pattern: /^\/users\/@me$/,
    auth: true,
    handle: (ctx) => ({ status: 200, body: ctx.state.userJson(ctx.state.bot.id) }),
  },
  {
    method: "PUT",
    pattern: /^\/applications\/(\d+)\/commands$/,
    auth: true,
    handle: (ctx, req) => registerCommands(ctx, "global", req.body),
  },
  {
    method: "PUT",
    pattern: /^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/,
    auth: true,
    handle: (ctx, req) => {
      if (!ctx.state.guilds.has(req.params[1]!)) throw new RestError(403, ErrorCode.MissingAccess, "Missing Access");
      return registerCommands(ctx, req.params[1]!, req.body);
    },
  },
  {
    method: "POST",
    pattern: /^\/interactions\/(\d+)\/([^/]+)\/callback$/,
    auth: false,
    handle: (ctx, req) => {
      const interaction = ctx.interactions.get(req.params[1]!);
      if (!interaction || interaction.id !== req.params[0]) throw new RestError(404, ErrorCode.UnknownInteraction, "Unknown interaction");
      if (interaction.callbacks.length > 0) {
        throw new RestError(400, ErrorCode.InteractionAlreadyAcknowledged, "Interaction has already been acknowledged.");
      }
      const body = record(req.body);
      const data = record(body.data);
      interaction.callbacks.push(body);
      const flags = typeof data.flags === "number" ? data.flags : 0;
      if (body.type === CallbackType.ChannelMessageWithSource) {
        interaction.original = { id: ctx.state.ids.next(), content: checkContent(data.content, true)!, flags };
      } else if (body.type === CallbackType.DeferredChannelMessageWithSource) {
        interaction.original = { id: ctx.state.ids.next(), content: "", flags };
      } else {
        throw new RestError(400, ErrorCode.InvalidFormBody, "Invalid Form Body");
      }
      if (req.query.get("with_response") === "true") {
        return {
          status: 200,
          body: {
            interaction: { id: interaction.id, type: 2, activity_instance_id: null, response_message_id: interaction.original.id },
            resource: { type: body.type, message: interactionMessageJson(ctx, interaction, interaction.original, 20) },
          },
        };
      }
      return { status: 204 };
    },
  },
  {
    method: "PATCH",
    pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/,
    auth: false,
    handle: (ctx, req) => {
      const interaction = byToken(ctx, req.params[0]!, req.params[1]!);
      if (!interaction.original) throw new RestError(404, ErrorCode.UnknownMessage, "Unknown Message");
      const content = checkContent(record(req.body).content, false);
      if (content !== undefined) interaction.original.content = content;
      return { status: 200, body: interactionMessageJson(ctx, interaction, interaction.original, 20) };
    },
  },
  {
    method: "GET",
    pattern: /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/,
    auth: false,
    handle: (ctx, req) => {
      const interaction = byToken(ctx, req.params[0]!, req.params[1]!);
      if (!interaction.original) throw new RestError(404, ErrorCode.UnknownMessage, "Unknown Message");
      return { status: 200, body: interactionMessageJson(ctx, interaction, interaction.original, 20) };
    },
  },
  {
    method: "POST",
    pattern: /^\/webhooks\/(\d+)\/([^/]+)$/,
    auth: false,
    handle: (ctx, req) => {
      const interaction = byToken(ctx, req.params[0]!, req.params[1]!);
      if (!interaction.original) throw new RestError(400, ErrorCode.UnknownInteraction, "Unknown interaction");
      const body = record(req.body);
      const message: InteractionMessage = {
        id: ctx.state.ids.next(),
        content: checkContent(body.content, true)!,
        flags: typeof body.flags === "number" ? body.flags : 0,
      };
      interaction.followups.push(message);
      return { status: 200, body: interactionMessageJson(ctx, interaction, message, 0) };
    },
  },
];

export function appRoute(
  ctx: AppRouteContext,
  req: RestRequest,
  authorized: boolean,
): RestResponse | undefined {
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const m = route.pattern.exec(req.path);
    if (!m) continue;
    if (route.auth && !authorized) throw new RestError(401, 0, "401: Unauthorized");
    return route.handle(ctx, { ...req, params: m.slice(1) });
  }
  return undefined;
}
