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

  private async lookup(where: Where, key: SettingKey): Promise<Resolved<string> | undefined> {
    const chain: [ScopeKind, string | undefined][] = [
      ["thread", where.conversationId],
      ["channel", where.channelId],
      ["workspace", where.workspaceId],
    ];
    for (const [kind, id] of chain) {
      if (!id) continue;
      const row = await this.row(this.db, scopeId(kind, id), key);
      if (row) return { value: row.value, source: kind, setBy: row.set_by, setAt: row.set_at };
    }
    return undefined;
  }

  async resolve(where: Where): Promise<EffectiveSettings> {
    const prompt = await this.lookup(where, "system_prompt");
    const model = await this.lookup(where, "model");
    const maxTokens = await this.lookup(where, "max_tokens");
    const web = await this.lookup(where, "web");
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
