// Reading conversations back from Discord over REST: a thread's messages (plus the message it
// was started from), and a reply chain walked up from its newest message to its root.
import { DiscordAPIError, makeURLSearchParams, RESTJSONErrorCodes, Routes, type APIMessage, type REST } from "discord.js";
import { PalaverError } from "../../src/errors.ts";
import type { GuildKey } from "./ids.ts";
import { FETCH_PAGE_SIZE, MAX_CHAIN_LENGTH, MAX_DM_MESSAGES, MAX_THREAD_MESSAGES } from "./limits.ts";
import { fromApi, isConversational, type DiscordMessage } from "./normalize.ts";

/** Messages kept for chain walks; edits and deletions update or drop them. */
const CACHE_SIZE = 2_000;

function isGone(err: unknown): boolean {
  return (
    err instanceof DiscordAPIError &&
    (err.code === RESTJSONErrorCodes.UnknownMessage || err.code === RESTJSONErrorCodes.UnknownChannel)
  );
}

export class DiscordHistory {
  private readonly cache = new Map<string, DiscordMessage>();

  constructor(
    private readonly rest: REST,
    private readonly me: () => string,
  ) {}

  remember(m: DiscordMessage): void {
    this.cache.delete(m.id);
    this.cache.set(m.id, m);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
  }

  edited(id: string, content: string): void {
    const m = this.cache.get(id);
    if (m) m.content = content;
  }

  deleted(id: string): void {
    this.cache.delete(id);
  }

  /** One message, or undefined when it no longer exists. */
  async message(guildId: GuildKey, channelId: string, id: string): Promise<DiscordMessage | undefined> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    try {
      const d = (await this.rest.get(Routes.channelMessage(channelId, id))) as APIMessage;
      const m = fromApi(d, guildId);
      this.remember(m);
      return m;
    } catch (err) {
      if (isGone(err)) return undefined;
      throw new PalaverError("adapter_failed", `discord: could not read message ${id}`, { cause: err });
    }
  }

  /**
   * A thread's conversation, oldest first: the message it was started from (when there is one)
   * and its messages, system messages left out.
   */
  async thread(guildId: string, threadId: string, parentId: string | undefined): Promise<DiscordMessage[]> {
    const out: DiscordMessage[] = [];
    let before: string | undefined;
    try {
      while (out.length < MAX_THREAD_MESSAGES) {
        const page = (await this.rest.get(Routes.channelMessages(threadId), {
          query: makeURLSearchParams({ limit: FETCH_PAGE_SIZE, before }),
        })) as APIMessage[];
        for (const d of page) out.push(fromApi(d, guildId));
        if (page.length < FETCH_PAGE_SIZE) break;
        before = page[page.length - 1]!.id;
      }
    } catch (err) {
      throw new PalaverError("adapter_failed", `discord: could not read thread ${threadId}`, { cause: err });
    }
    // A thread started from a message has that message's id; the message lives in the parent.
    if (parentId) {
      const starter = await this.message(guildId, parentId, threadId);
      if (starter) out.push(starter);
    }
    return out.filter((m) => isConversational(m.type)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /**
   * A DM's recent end, oldest first (MAX_DM_MESSAGES, system messages left out). The core syncs
   * only the time range it covers, so older stored turns of the running conversation stay.
   */
  async dm(channelId: string): Promise<DiscordMessage[]> {
    let page: APIMessage[];
    try {
      page = (await this.rest.get(Routes.channelMessages(channelId), {
        query: makeURLSearchParams({ limit: MAX_DM_MESSAGES }),
      })) as APIMessage[];
    } catch (err) {
      throw new PalaverError("adapter_failed", `discord: could not read DM ${channelId}`, { cause: err });
    }
    return page
      .map((d) => fromApi(d, null))
      .filter((m) => isConversational(m.type))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /**
   * Walk a reply chain up from `start` to its root. Palaver's messages lead to what they answer;
   * a person's message leads further up only when it replies to one of Palaver's. The root is the
   * message that started the conversation.
   */
  async chainRoot(start: DiscordMessage): Promise<string> {
    const me = this.me();
    let current = start;
    for (let hops = 0; hops < MAX_CHAIN_LENGTH && current.referenceId; hops++) {
      const next = await this.message(current.guildId, current.channelId, current.referenceId);
      if (!next) break;
      if (current.author.id !== me && next.author.id !== me) break;
      current = next;
    }
    return current.id;
  }

  /**
   * Every message of the reply chain rooted at `rootId`, oldest first: the root, and each later
   * message in the channel that belongs by the chainRoot rule (a reply to a member, where either
   * side is Palaver's). Several people replying to Palaver form branches of one conversation, and
   * every part of a long reply belongs, so the stored conversation and this list agree.
   */
  async chain(guildId: string, channelId: string, rootId: string): Promise<DiscordMessage[]> {
    const me = this.me();
    const root = await this.message(guildId, channelId, rootId);
    if (!root) return [];
    const members = new Map<string, DiscordMessage>([[root.id, root]]);
    let after = rootId;
    let scanned = 0;
    try {
      while (scanned < MAX_THREAD_MESSAGES) {
        const page = (await this.rest.get(Routes.channelMessages(channelId), {
          query: makeURLSearchParams({ limit: FETCH_PAGE_SIZE, after }),
        })) as APIMessage[];
        const ascending = page.map((d) => fromApi(d, guildId)).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        for (const m of ascending) {
          this.remember(m);
          const parent = m.referenceId ? members.get(m.referenceId) : undefined;
          if (parent && (m.author.id === me || parent.author.id === me)) members.set(m.id, m);
        }
        scanned += page.length;
        if (page.length < FETCH_PAGE_SIZE) break;
        after = ascending[ascending.length - 1]!.id;
      }
    } catch (err) {
      throw new PalaverError("adapter_failed", `discord: could not read the reply chain ${rootId}`, { cause: err });
    }
    return [...members.values()].filter((m) => isConversational(m.type));
  }
}
