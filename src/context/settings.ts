// Per-conversation settings, resolved thread → channel → workspace → environment defaults.
// Stored in the database so admins can change them at run time; every change leaves an audit row.
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import { sql, type Db } from "../store/sql.ts";

export type SettingKey = "system_prompt" | "model" | "max_tokens" | "web";
export type ScopeKind = "thread" | "channel" | "workspace";

export interface Where {
  conversationId?: string;
  channelId: string;
  workspaceId: string;
}

export interface Resolved<T> {
  value: T;
  /** "thread", "channel", "workspace" or "default" (the environment). */
  source: ScopeKind | "default";
  setBy?: string;
  setAt?: number;
}

export interface EffectiveSettings {
  systemPrompt: Resolved<string>;
  model: Resolved<string>;
  maxTokens: Resolved<number>;
  /** Claude's web search and web fetch tools (/palaver web on|off; PALAVER_WEB). */
  web: Resolved<boolean>;
}

export function scopeId(kind: ScopeKind, id: string): string {
  return `${kind}:${id}`;
}

interface SettingRow {
  value: string;
  set_by: string;
  set_at: number;
}

export class Settings {
  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {}

  private row(db: Db, scope: string, key: SettingKey): Promise<SettingRow | undefined> {
    return db.get<SettingRow>(sql`SELECT value, set_by, set_at FROM settings WHERE scope = ${scope} AND key = ${key}`);
  }

  /**
   * Every key's nearest setting along thread → channel → workspace. One query for all of them:
   * resolve() runs before every reply, and on PostgreSQL each query is a round trip.
   */
  private async lookupAll(where: Where): Promise<Map<SettingKey, Resolved<string>>> {
    const chain: [ScopeKind, string][] = [];
    if (where.conversationId) chain.push(["thread", scopeId("thread", where.conversationId)]);
    chain.push(["channel", scopeId("channel", where.channelId)], ["workspace", scopeId("workspace", where.workspaceId)]);
    const rows = await this.db.all<SettingRow & { scope: string; key: SettingKey }>(
      sql`SELECT scope, key, value, set_by, set_at FROM settings WHERE scope IN (${sql.join(chain.map(([, id]) => id))})`,
    );
    const found = new Map<SettingKey, Resolved<string>>();
    // Nearest scope first: a key already found in a nearer one keeps it.
    for (const [kind, id] of chain) {
      for (const row of rows) {
        if (row.scope === id && !found.has(row.key)) found.set(row.key, { value: row.value, source: kind, setBy: row.set_by, setAt: row.set_at });
      }
    }
    return found;
  }

  async resolve(where: Where): Promise<EffectiveSettings> {
    const found = await this.lookupAll(where);
    const prompt = found.get("system_prompt");
    const model = found.get("model");
    const maxTokens = found.get("max_tokens");
    const web = found.get("web");
    return {
      systemPrompt: prompt ?? { value: this.config.systemPrompt, source: "default" },
      model: model ?? { value: this.config.model, source: "default" },
      maxTokens: maxTokens
        ? { ...maxTokens, value: Number(maxTokens.value) }
        : { value: this.config.maxTokens, source: "default" },
      web: web ? { ...web, value: web.value === "on" } : { value: this.config.web.enabled, source: "default" },
    };
  }

  /** Set (value) or clear (null) one setting at one scope, with an audit row, in one transaction. */
  async set(scope: string, key: SettingKey, value: string | null, setBy: string): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const old = (await this.row(tx, scope, key))?.value ?? null;
      if (value === null) await tx.run(sql`DELETE FROM settings WHERE scope = ${scope} AND key = ${key}`);
      else {
        await tx.run(
          sql`INSERT INTO settings (scope, key, value, set_by, set_at) VALUES (${scope}, ${key}, ${value}, ${setBy}, ${now})
              ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at`,
        );
      }
      await tx.run(
        sql`INSERT INTO settings_audit (scope, key, old_value, new_value, set_by, set_at) VALUES (${scope}, ${key}, ${old}, ${value}, ${setBy}, ${now})`,
      );
    });
  }

  history(scope: string, key: SettingKey, limit = 10) {
    return this.db.all<{ old_value: string | null; new_value: string | null; set_by: string; set_at: number }>(
      sql`SELECT old_value, new_value, set_by, set_at FROM settings_audit WHERE scope = ${scope} AND key = ${key} ORDER BY id DESC LIMIT ${limit}`,
    );
  }
}
