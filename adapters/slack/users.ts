// Who a Slack user is: display name and admin role, from users.info, cached. One lookup per user
// at a time (concurrent callers share the promise); a failed lookup falls back to the raw id for a
// shorter while, so a deactivated or Slack Connect user never blocks a reply.
import type { webApi } from "@slack/bolt";
import type { Logger } from "../../src/runtime/log.ts";
import { USER_CACHE_FAILURE_TTL_MS, USER_CACHE_TTL_MS } from "./limits.ts";

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
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<SlackUser> {
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > this.now()) return cached.user;
    const entry: Entry = { user: this.lookup(id, (ttl) => (entry.expiresAt = this.now() + ttl)), expiresAt: Infinity };
    this.cache.set(id, entry);
    return entry.user;
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
