// Builds a real App (real SQLite, real Claude SDK) against the fake Claude, for core tests.
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { App, type AppOptions } from "../../src/runtime/app.ts";
import { parseConfig, type Config } from "../../src/runtime/config.ts";
import { silentLogger } from "../../src/runtime/log.ts";
import type { InboundMessage } from "../../src/types.ts";
import { startFakeClaude, type FakeClaude } from "../fakes/claude.ts";

export interface CoreHarness {
  claude: FakeClaude;
  app: App;
  config: Config;
  close(): Promise<void>;
}

export async function startCore(
  env: Record<string, string> = {},
  options: AppOptions & { claude?: FakeClaude } = {},
): Promise<CoreHarness> {
  const claude = options.claude ?? (await startFakeClaude());
  const config = parseConfig({
    ANTHROPIC_API_KEY: "sk-test-abcd1234",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_PATH: ":memory:",
    PALAVER_CLAUDE_MAX_RETRIES: "3",
    LOG_LEVEL: "silent",
    // Any free port: test files run in parallel, each with its own HTTP server.
    PORT: "0",
    ...env,
  });
  const app = await App.create(config, { logger: silentLogger(), retryBaseMs: 10, ...options });
  return {
    claude,
    app,
    config,
    async close() {
      await app.stop();
      if (!options.claude) await claude.close();
    },
  };
}

let seq = 0;

/** A human message in a test conversation. */
export function inbound(text: string, over: Partial<InboundMessage> = {}): InboundMessage {
  const n = ++seq;
  return {
    id: `test:W:C:${Date.now()}.${n}`,
    platform: "console",
    conversationId: "test:W:C:thread-1",
    workspaceId: "test:W",
    channelId: "test:W:C",
    isDM: false,
    addressedBy: "mention",
    author: { id: "test:U1", displayName: "Ada", isBot: false, isMe: false },
    text,
    createdAt: Date.now() + n / 1000,
    ...over,
  };
}

export function tempDbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-test-"));
  return path.join(dir, "palaver.db");
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
