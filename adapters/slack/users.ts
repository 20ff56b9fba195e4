// Who a Slack user is: display name and admin role, from users.info, cached. One lookup per user
// at a time (concurrent callers share the promise); a failed lookup falls back to the raw id for a
// shorter while, so a deactivated or Slack Connect user never blocks a reply.
import type { webApi } from "@slack/bolt";
import type { Logger } from "../../src/runtime/log.ts";
import { USER_CACHE_FAILURE_TTL_MS, USER_CACHE_MAX_ENTRIES, USER_CACHE_TTL_MS } from "./limits.ts";

export interface SlackUser {
  id: string;
  displayName: string;
  isBot: boolean;
  /** Workspace admin, owner or primary owner. */
  isAdmin: boolean;
  /** False when users.info failed: the name is the raw id. */
  known: boolean;
}

interface Entry {
  user: Promise<SlackUser>;
  expiresAt: number;
}

export class UserDirectory {
  /** In insertion order, oldest first (a refreshed entry moves to the end). */
  private readonly cache = new Map<string, Entry>();
  private lastSweep: number;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly maxEntries: number = USER_CACHE_MAX_ENTRIES,
  ) {
    this.lastSweep = now();
  }

  /** Users held now (for tests). */
  get size(): number {
    return this.cache.size;
  }

  get(id: string): Promise<SlackUser> {
    const now = this.now();
    this.sweep(now);
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > now) return cached.user;
    const entry: Entry = { user: this.lookup(id, (ttl) => (entry.expiresAt = this.now() + ttl)), expiresAt: Infinity };
    this.cache.delete(id);
    this.cache.set(id, entry);
    // Bounded even within one TTL (a huge workspace, or a flood of new users): the oldest go.
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return entry.user;
  }

  /** Once per failure TTL, drop expired entries: people who stopped talking are not kept. */
  private sweep(now: number): void {
    if (now - this.lastSweep < USER_CACHE_FAILURE_TTL_MS) return;
    this.lastSweep = now;
    for (const [id, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(id);
  }

  /** Forget a user (e.g. after a user_change event) so the next get() asks Slack again. */
  forget(id: string): void {
    this.cache.delete(id);
  }

  private async lookup(id: string, expireIn: (ttlMs: number) => void): Promise<SlackUser> {
    try {
      const res = await this.client.users.info({ user: id });
      const u = res.user;
      const displayName = u?.profile?.display_name || u?.profile?.real_name || u?.real_name || u?.name || id;
      expireIn(USER_CACHE_TTL_MS);
      return {
        id,
        displayName,
        isBot: Boolean(u?.is_bot),
        isAdmin: Boolean(u?.is_admin || u?.is_owner || u?.is_primary_owner),
        known: true,
      };
    } catch (err) {
      // Deliberate fallback, not a swallowed failure: the id stands in for the name, nobody is
      // treated as an admin, and the entry expires soon so the next message asks again.
      this.logger.warn({ user: id, err: (err as Error).message }, "slack users.info failed; using the user id as name");
      expireIn(USER_CACHE_FAILURE_TTL_MS);
      return { id, displayName: id, isBot: false, isAdmin: false, known: false };
    }
  }
}
