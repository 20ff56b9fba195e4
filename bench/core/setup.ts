// One real App for a benchmark: a real SQLite file in a temp dir (or a fresh database on the
// bench's embedded PostgreSQL), the real Claude SDK pointed at the fake Claude, logs silenced.
import { App } from "../../src/runtime/app.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { silentLogger } from "../../src/runtime/log.ts";
import type { InboundMessage } from "../../src/types.ts";
import type { Db } from "../../src/store/sql.ts";
import { benchStore, type Engine } from "../engines.ts";

export interface BenchApp {
  app: App;
  close(): Promise<void>;
}

/** `seed` fills the store (opened and migrated) before the App opens it. */
export async function startApp(claudeUrl: string, env: Record<string, string> = {}, seed?: (db: Db) => Promise<void>, engine: Engine = "sqlite"): Promise<BenchApp> {
  const store = await benchStore(engine);
  if (seed) {
    const db = await store.open();
    try {
      await seed(db);
    } finally {
      await db.close();
    }
  }
  const config = parseConfig({
    ANTHROPIC_API_KEY: "sk-bench-0000",
    ANTHROPIC_BASE_URL: claudeUrl,
    ...store.env,
    LOG_LEVEL: "silent",
    PORT: "0",
    ...env,
  });
  const app = await App.create(config, { logger: silentLogger() });
  return {
    app,
    async close() {
      await app.stop();
      await store.cleanup();
    },
  };
}

let seq = 0;

/** A human message in conversation `conversation`; `text` should carry the bench marker when one is needed. */
export function humanMessage(conversation: string, text: string, author = { id: "console:ada", displayName: "Ada" }): InboundMessage {
  const n = ++seq;
  return {
    id: `console:bench:${conversation}:${n}`,
    platform: "console",
    conversationId: `console:bench:${conversation}`,
    workspaceId: "console:bench",
    channelId: "console:bench:general",
    isDM: false,
    addressedBy: "mention",
    author: { ...author, isBot: false, isMe: false },
    text,
    createdAt: Date.now(),
  };
}
