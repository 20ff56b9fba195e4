// Per-conversation settings, resolved thread → channel → workspace → environment defaults.
// Stored in SQLite so admins can change them at run time; every change leaves an audit row.
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import type { Db } from "../store/db.ts";

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

export class Settings {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly auditStmt;
  private readonly historyStmt;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {
    this.getStmt = db.prepare<[string, string], { value: string; set_by: string; set_at: number }>(
      "SELECT value, set_by, set_at FROM settings WHERE scope = ? AND key = ?",
    );
    this.upsertStmt = db.prepare(
      `INSERT INTO settings (scope, key, value, set_by, set_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at`,
    );
    this.deleteStmt = db.prepare("DELETE FROM settings WHERE scope = ? AND key = ?");
    this.auditStmt = db.prepare(
      "INSERT INTO settings_audit (scope, key, old_value, new_value, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.historyStmt = db.prepare<
      [string, string, number],
      { old_value: string | null; new_value: string | null; set_by: string; set_at: number }
    >(
      "SELECT old_value, new_value, set_by, set_at FROM settings_audit WHERE scope = ? AND key = ? ORDER BY id DESC LIMIT ?",
    );
  }

  private lookup(where: Where, key: SettingKey): Resolved<string> | undefined {
    const chain: [ScopeKind, string | undefined][] = [
      ["thread", where.conversationId],
      ["channel", where.channelId],
      ["workspace", where.workspaceId],
    ];
    for (const [kind, id] of chain) {
      if (!id) continue;
      const row = this.getStmt.get(scopeId(kind, id), key);
      if (row) return { value: row.value, source: kind, setBy: row.set_by, setAt: row.set_at };
    }
    return undefined;
  }

  resolve(where: Where): EffectiveSettings {
    const prompt = this.lookup(where, "system_prompt");
    const model = this.lookup(where, "model");
    const maxTokens = this.lookup(where, "max_tokens");
    const web = this.lookup(where, "web");
    return {
      systemPrompt: prompt ?? { value: this.config.systemPrompt, source: "default" },
      model: model ?? { value: this.config.model, source: "default" },
      maxTokens: maxTokens
        ? { ...maxTokens, value: Number(maxTokens.value) }
        : { value: this.config.maxTokens, source: "default" },
      web: web ? { ...web, value: web.value === "on" } : { value: this.config.web.enabled, source: "default" },
    };
  }

  /** Set (value) or clear (null) one setting at one scope, with an audit row. */
  set(scope: string, key: SettingKey, value: string | null, setBy: string): void {
    const now = this.clock.now();
    this.db.transaction(() => {
      const old = this.getStmt.get(scope, key)?.value ?? null;
      if (value === null) this.deleteStmt.run(scope, key);
      else this.upsertStmt.run(scope, key, value, setBy, now);
      this.auditStmt.run(scope, key, old, value, setBy, now);
    })();
  }

  history(scope: string, key: SettingKey, limit = 10) {
    return this.historyStmt.all(scope, key, limit);
  }
}
