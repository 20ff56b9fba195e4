// Palaver's real App with the real Slack adapter (real Bolt), against the fake Slack and the fake
// Claude, in HTTP mode or Socket Mode.
import assert from "node:assert/strict";
import { App } from "../../src/runtime/app.ts";
import { parseConfig, type Config } from "../../src/runtime/config.ts";
import { createLogger, silentLogger } from "../../src/runtime/log.ts";
import { createSlackAdapter, type SlackAdapter, type SlackAdapterOptions } from "../../adapters/slack/index.ts";
import { startFakeClaude, type FakeClaude } from "../fakes/claude.ts";
import { ALICE, BOT, GENERAL, startFakeSlack, type FakeMessage, type FakeSlack, type FakeSlackOptions } from "../fakes/slack/index.ts";
import { waitFor } from "./core.ts";

export const SIGNING_SECRET = "fake-signing-secret-8f1d";

export interface SlackHarness {
  slack: FakeSlack;
  claude: FakeClaude;
  app: App;
  adapter: SlackAdapter;
  config: Config;
  /** http://127.0.0.1:PORT/slack/events (HTTP mode). */
  eventsUrl?: string;
  close(): Promise<void>;
}

export interface SlackHarnessOptions {
  mode?: "http" | "socket";
  env?: Record<string, string>;
  slack?: FakeSlackOptions;
  adapter?: SlackAdapterOptions;
  claude?: FakeClaude;
}

export async function startSlackHarness(o: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const mode = o.mode ?? "http";
  const claude = o.claude ?? (await startFakeClaude());
  const slack = await startFakeSlack(o.slack);
  const config = parseConfig({
    ANTHROPIC_API_KEY: "sk-test-abcd1234",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_PATH: ":memory:",
    LOG_LEVEL: "silent",
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_API_URL: slack.apiUrl,
    PORT: "0",
    ...(mode === "socket" ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    ...o.env,
  });
  // PALAVER_TEST_LOG=debug shows what the app logs while a test runs.
  const logger = process.env.PALAVER_TEST_LOG ? createLogger(process.env.PALAVER_TEST_LOG) : silentLogger();
  const app = await App.create(config, { logger, retryBaseMs: 10 });
  const adapter = createSlackAdapter(config.slack!, logger, o.adapter);
  await app.start([adapter]);
  let eventsUrl: string | undefined;
  if (mode === "http") {
    eventsUrl = `http://127.0.0.1:${app.httpPort}/slack/events`;
    slack.useHttp(eventsUrl, SIGNING_SECRET);
  }
  return {
    slack,
    claude,
    app,
    adapter,
    config,
    eventsUrl,
    async close() {
      await app.stop();
      await slack.close();
      if (!o.claude) await claude.close();
    },
  };
}

/** `<@U…>` as Slack writes a mention in message text. */
export const mention = (userId: string): string => `<@${userId}>`;

/** What the classic transport shows after a message that is still being written. */
export const INDICATOR = " ▍";

/** Alice mentions Palaver in #general; returns the message's ts (the reply's thread). */
export async function ask(h: SlackHarness, text: string, channel: string = GENERAL.id): Promise<string> {
  const said = await h.slack.userSays({ user: ALICE.id, channel, text: `${mention(BOT.userId)} ${text}` });
  return said.ts;
}

/** Wait until Palaver's reply in a thread is finished (nothing streaming, nothing queued). */
export async function replyIn(h: SlackHarness, threadTs: string, timeoutMs = 10_000, channel: string = GENERAL.id): Promise<FakeMessage[]> {
  await waitFor(
    () => {
      const msgs = h.slack.botMessages(channel, threadTs);
      return msgs.length > 0 && msgs.every((m) => !m.streaming) && h.app.bot.activeConversations === 0;
    },
    timeoutMs,
    "the reply to finish",
  );
  await h.slack.settle();
  return h.slack.botMessages(channel, threadTs);
}

/**
 * A barrier for "nothing happened" assertions: the fake's settle() only waits for deliveries to be
 * acked, and Bolt acks events before its listeners run. Asking a fresh question and waiting for
 * its whole reply (a Claude round trip) gives events delivered earlier time to have done whatever
 * they were going to do. Costs one Claude request and one reply in a new thread of #general.
 */
export async function barrier(h: SlackHarness): Promise<void> {
  h.claude.enqueue({ text: "Barrier reached." });
  const ts = await ask(h, "barrier");
  const [reply] = await replyIn(h, ts);
  assert.equal(reply?.text, "Barrier reached.", "the barrier question got its own answer");
}

/** Every text the message showed was a prefix of its final text (nothing repeated or lost). */
export function assertGrewMonotonically(m: FakeMessage): void {
  const final = m.text;
  for (const v of m.versions) {
    const body = v.endsWith(INDICATOR) ? v.slice(0, -INDICATOR.length) : v;
    assert.ok(final.startsWith(body), `version ${JSON.stringify(v.slice(0, 60))}… is a prefix of the final text`);
  }
}

/** n distinct words, e.g. "alpha0 bravo1 charlie2 …". */
export const words = (n: number): string =>
  Array.from({ length: n }, (_, i) => ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"][i % 6]! + i).join(" ");
