// Configuration fails fast with one line that names the variable and the fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, maskSecret, parseConfig, parseRate, readEnvironment } from "../src/runtime/config.ts";

const base = { ANTHROPIC_API_KEY: "sk-ant-test-9876" };

function errorFor(env: Record<string, string | undefined>): string {
  try {
    parseConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, "config_invalid");
    assert.ok(!err.message.includes("\n"), "one line");
    return err.message;
  }
  assert.fail("expected a ConfigError");
}

test("a missing API key names the variable and says where to put it", () => {
  assert.match(errorFor({}), /^ANTHROPIC_API_KEY is not set: .*\.env/);
  assert.match(errorFor({ ANTHROPIC_API_KEY: "  " }), /^ANTHROPIC_API_KEY is empty/);
});

test("malformed values name their variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PALAVER_MAX_TOKENS: "lots" }, /PALAVER_MAX_TOKENS must be a whole number/],
    [{ PALAVER_MAX_TOKENS: "0" }, /PALAVER_MAX_TOKENS must be at least 1/],
    [{ PORT: "99999" }, /PORT must be a port number/],
    [{ PORT: "http" }, /PORT must be a port number/],
    [{ METRICS_TOKEN: "short" }, /METRICS_TOKEN must be at least 16 characters/],
    [{ METRICS_TOKEN: "a long token with spaces" }, /METRICS_TOKEN must not contain spaces/],
    [{ SLACK_BOT_TOKEN: "abc", SLACK_APP_TOKEN: "xapp-1" }, /SLACK_BOT_TOKEN must be a bot token starting with xoxb-/],
    [{ SLACK_BOT_TOKEN: "xoxb-1" }, /SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN/],
    [{ SLACK_APP_TOKEN: "xapp-1" }, /SLACK_BOT_TOKEN is not set/],
    [{ DISCORD_REPLY_MODE: "dm" }, /DISCORD_REPLY_MODE must be thread or reply/],
    [{ DISCORD_GUILD_ID: "guild" }, /DISCORD_GUILD_ID must be a numeric/],
    [{ PALAVER_BUDGET_DAILY_USD: "-5" }, /PALAVER_BUDGET_DAILY_USD must be a dollar amount/],
    [{ PALAVER_DMS: "maybe" }, /PALAVER_DMS must be true or false/],
    [{ PALAVER_USER_RATE: "lots/hour" }, /PALAVER_USER_RATE must look like 30\/hour/],
    [{ PALAVER_ADMINS: "U123" }, /PALAVER_ADMINS: "U123" must be prefixed by its platform/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    [{ ANTHROPIC_BASE_URL: "not a url" }, /ANTHROPIC_BASE_URL must be a URL/],
    [{ PALAVER_ENV: "prod" }, /^PALAVER_ENV: /],
  ];
  for (const [env, expected] of cases) assert.match(errorFor({ ...base, ...env }), expected);
});

test("platforms are enabled by their credentials; Socket Mode wins when both Slack modes are set", () => {
  const none = parseConfig(base);
  assert.equal(none.slack, undefined);
  assert.equal(none.discord, undefined);
  const both = parseConfig({ ...base, SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1", SLACK_SIGNING_SECRET: "s" });
  assert.equal(both.slack?.mode, "socket");
  const http = parseConfig({ ...base, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", PORT: "8080" });
  assert.deepEqual([http.slack?.mode, http.port], ["http", 8080]);
  const discord = parseConfig({ ...base, DISCORD_BOT_TOKEN: "t", DISCORD_GUILD_ID: "123" });
  assert.deepEqual(discord.discord, { botToken: "t", apiUrl: undefined, guildId: "123", replyMode: "thread" });
});

test("defaults follow design.md", () => {
  const c = parseConfig(base);
  assert.equal(c.databasePath, "./data/palaver.db");
  assert.equal(c.model, "claude-sonnet-4-6");
  assert.equal(c.claudeMaxRetries, 3);
  assert.equal(c.access.dms, true);
  assert.equal(c.port, 3000, "the HTTP server (health, metrics) listens on 3000 unless PORT says otherwise");
  assert.equal(c.metricsToken, undefined);
  assert.equal(parseConfig({ ...base, METRICS_TOKEN: " 0123456789abcdef " }).metricsToken, "0123456789abcdef");
  assert.deepEqual(parseRate("30/hour"), { count: 30, windowMs: 3_600_000 });
});

test(".env.<PALAVER_ENV> overlays .env, and the real environment wins over both", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-env-"));
  fs.writeFileSync(path.join(dir, ".env"), "ANTHROPIC_API_KEY=from-dotenv\nPALAVER_MODEL=claude-haiku-4-5\nPALAVER_ENV=staging\n");
  fs.writeFileSync(path.join(dir, ".env.staging"), "ANTHROPIC_API_KEY=from-staging\n");
  const env = readEnvironment(dir, { PALAVER_MODEL: "claude-opus-5" });
  assert.equal(env.ANTHROPIC_API_KEY, "from-staging");
  assert.equal(env.PALAVER_MODEL, "claude-opus-5");
  const prod = readEnvironment(dir, { PALAVER_ENV: "production" });
  assert.equal(prod.ANTHROPIC_API_KEY, "from-dotenv", "no .env.production: .env applies");
});

test("secrets are shown by their last 4 characters only", () => {
  assert.equal(maskSecret("sk-ant-api03-abcdefWXYZ"), "…WXYZ");
  assert.equal(maskSecret("abc"), "****");
});
