// Where one reply goes on Discord: a thread, a DM, or a channel (as a reply to the message that
// asked). Typing indicator until the first text, then one message posted and edited; a reply past
// 2,000 characters continues in further messages, each a reply to the one before in reply chains
// so that the chain stays walkable. 429s are waited out by discord.js's REST queue; the core
// coalesces stale edits meanwhile (it never starts an edit before the previous one finished).
import {
  Routes,
  type APIMessage,
  type REST,
  type RESTPatchAPIChannelMessageJSONBody,
  type RESTPostAPIChannelMessageJSONBody,
} from "discord.js";
import { createHash, randomUUID } from "node:crypto";
import { PalaverError } from "../../src/errors.ts";
import type { PlatformId, PostKey, ReplySurface, SurfaceLimits } from "../../src/types.ts";
import { formatForDiscord } from "./markdown.ts";
import { decodeMessageId, messageId, surfaceAddress, type SurfaceTarget } from "./ids.ts";
import { surfaceLimits } from "./limits.ts";
import { fromApi, type DiscordMessage } from "./normalize.ts";

/**
 * A new message of a reply. Claude's text never pings anyone: allowed_mentions with an empty
 * `parse` notifies no user, role, @everyone or @here written in the content (the formatter also
 * defuses them, see markdown.ts). The first message of a reply notifies the person it answers.
 */
export function createBody(content: string, replyTo: string | undefined, notifyRepliedUser: boolean): RESTPostAPIChannelMessageJSONBody {
  return {
    content,
    allowed_mentions: { parse: [], replied_user: notifyRepliedUser },
    ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
  };
}

/** An edit of a reply's message: new content, and still no pings. */
export function editBody(content: string): RESTPatchAPIChannelMessageJSONBody {
  return { content, allowed_mentions: { parse: [] } };
}

export interface SurfaceHooks {
  /** A message Palaver just posted (for reply-chain walks). */
  posted?(message: DiscordMessage): void;
}

/** "nonce … (up to 25 characters)" (Discord docs, Create Message). */
const NONCE_LENGTH = 25;

/** A reply part's nonce (the same for every retry of that part); a one-off post gets its own. */
export function nonceFor(key: PostKey | undefined): string {
  const seed = key ? `${key.replyId}:${key.part}` : randomUUID();
  return createHash("sha256").update(seed).digest("hex").slice(0, NONCE_LENGTH);
}

export class DiscordSurface implements ReplySurface {
  readonly address: string;
  readonly limits: SurfaceLimits;
  /** The last message this surface posted: continuations reply to it. */
  private lastPosted: string | undefined;

  constructor(
    private readonly rest: REST,
    private readonly target: SurfaceTarget,
    private readonly hooks: SurfaceHooks = {},
  ) {
    this.address = surfaceAddress(target);
    this.limits = surfaceLimits(target.channelId);
  }

  format(markdown: string, indicator = ""): string {
    return formatForDiscord(markdown, indicator);
  }

  /** Discord's typing indicator lasts 10 s; the core re-sends it every ~4 s until the first text. */
  async showThinking(): Promise<void> {
    try {
      await this.rest.post(Routes.channelTyping(this.target.channelId));
    } catch (err) {
      throw new PalaverError("surface_failed", `discord: typing indicator in ${this.target.channelId} failed`, { cause: err });
    }
  }

  async post(text: string, _final?: boolean, _way?: string, key?: PostKey): Promise<PlatformId> {
    const replyTo = this.lastPosted ?? this.target.replyTo;
    const body: RESTPostAPIChannelMessageJSONBody = {
      ...createBody(text, replyTo, this.lastPosted === undefined),
      // Exactly once: discord.js retries a 5xx, a timeout or a reset connection, and the core
      // posts a part again after a failure; the same nonce with enforce_nonce makes Discord return
      // the message it already created instead of a second one (Create Message docs: "If another
      // message was created by the same author with the same nonce, that message will be
      // returned and no new message will be created").
      nonce: nonceFor(key),
      enforce_nonce: true,
    };
    let d: APIMessage;
    try {
      d = (await this.rest.post(Routes.channelMessages(this.target.channelId), { body })) as APIMessage;
    } catch (err) {
      throw new PalaverError("surface_failed", `discord: posting in ${this.target.channelId} failed`, { cause: err });
    }
    this.lastPosted = d.id;
    const id = messageId({ guildId: this.target.guildId, channelId: d.channel_id, messageId: d.id });
    // A repeated nonce returns the message as it was first created: when the core posts a part
    // again (its first post's answer was lost) with newer text, bring that message up to date.
    if (d.content !== text) await this.edit(id, text, true);
    this.hooks.posted?.(fromApi({ ...d, content: text }, this.target.guildId));
    return id;
  }

  async edit(id: PlatformId, text: string, _final: boolean): Promise<void> {
    const ref = decodeMessageId(id);
    if (!ref) throw new PalaverError("surface_failed", `discord: ${id} is not a Discord message id`);
    try {
      await this.rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), {
        body: editBody(text),
      });
    } catch (err) {
      throw new PalaverError("surface_failed", `discord: editing ${ref.messageId} failed`, { cause: err });
    }
  }
}
