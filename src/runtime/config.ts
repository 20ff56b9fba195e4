// Configuration: the environment (plus .env and an optional .env.<PALAVER_ENV> overlay), validated
// once at start-up. A bad value stops start-up with one line naming the variable and the fix.
import fs from "node:fs";
import path from "node:path";
import dotenv from "dotenv";
import { PalaverError } from "../errors.ts";

import {
  DEFAULT_DATABASE_PATH,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODEL,
  DEFAULT_SYSTEM_PROMPT,
  ENVIRONMENT_VARIABLES,
  MIN_METRICS_TOKEN_LENGTH,
  parseRate,
  schema,
} from "./env-schema.ts";

export { DEFAULT_DATABASE_PATH, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_SYSTEM_PROMPT, ENVIRONMENT_VARIABLES, MIN_METRICS_TOKEN_LENGTH, parseRate };

export interface SlackConfig {
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  apiUrl?: string;
  /** Socket Mode when an app token is set (it wins over the signing secret), HTTP otherwise. */
  mode: "socket" | "http";
  threadFollowups: boolean;
}

export interface DiscordConfig {
  botToken: string;
  apiUrl?: string;
  guildId?: string;
  replyMode: "thread" | "reply";
  /**
   * The gateway shards this instance runs and the total across all instances
   * (discord.com/developers/docs/topics/gateway#sharding); unset: one instance, one shard.
   */
  shards?: { ids: number[]; count: number };
}

export interface Config {
  env: string;
  anthropicApiKey: string;
  anthropicBaseUrl?: string;
  model: string;
  maxTokens: number;
  systemPrompt: string;
  claudeMaxRetries: number;
  countTokens: boolean;
  /** Upload large PDFs and images to Claude's Files API once and refer to them by file_id after that. */
  filesApi: boolean;
  /** Web search and fetch: the default for channels without their own setting, and searches per reply. */
  web: { enabled: boolean; maxUses: number };
  pricesFile?: string;
  databasePath: string;
  /** PostgreSQL (several instances share it); unset: SQLite at databasePath. */
  databaseUrl?: string;
  slack?: SlackConfig;
  discord?: DiscordConfig;
  admins: string[];
  budgets: { workspaceDailyUsd?: number; workspaceMonthlyUsd?: number; userDailyUsd?: number };
  access: {
    allowedChannels: string[];
    allowedUsers: string[];
    dms: boolean;
    userRate?: { count: number; windowMs: number };
  };
  shutdownGraceMs: number;
  logLevel: string;
  /** Palaver's HTTP server: health, metrics and, in Slack HTTP mode, /slack/events. */
  port: number;
  /** Bearer token /metrics asks for; unset leaves /metrics open (bind or firewall it). */
  metricsToken?: string;
}

export class ConfigError extends PalaverError {
  constructor(message: string) {
    super("config_invalid", message);
  }
}

/** Validate an environment. Throws ConfigError with one line naming the variable and the fix. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? "configuration");
    const message = issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
    throw new ConfigError(message);
  }
  const e = result.data;
  let slack: SlackConfig | undefined;
  if (e.SLACK_BOT_TOKEN) {
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
      throw new ConfigError(
        "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP) is: set one of them",
      );
    }
    slack = {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      apiUrl: e.SLACK_API_URL,
      mode: e.SLACK_APP_TOKEN ? "socket" : "http",
      threadFollowups: e.SLACK_THREAD_FOLLOWUPS,
    };
  } else if (e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) {
    throw new ConfigError(
      "SLACK_BOT_TOKEN is not set but other SLACK_ variables are: add the bot token (xoxb-…) or remove them",
    );
  }
  const shards = parseShards(e.DISCORD_SHARD_IDS, e.DISCORD_SHARD_COUNT);
  const discord: DiscordConfig | undefined = e.DISCORD_BOT_TOKEN
    ? {
        botToken: e.DISCORD_BOT_TOKEN,
        apiUrl: e.DISCORD_API_URL,
        guildId: e.DISCORD_GUILD_ID,
        replyMode: e.DISCORD_REPLY_MODE,
        ...(shards ? { shards } : {}),
      }
    : undefined;
  for (const admin of e.PALAVER_ADMINS) {
    if (!/^(slack|discord|console):\S+$/.test(admin)) {
      throw new ConfigError(
        `PALAVER_ADMINS: "${admin}" must be prefixed by its platform, e.g. slack:U123ABC or discord:81234`,
      );
    }
  }
  return {
    env: e.PALAVER_ENV,
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    model: e.PALAVER_MODEL,
    maxTokens: e.PALAVER_MAX_TOKENS,
    systemPrompt: e.PALAVER_SYSTEM_PROMPT,
    claudeMaxRetries: e.PALAVER_CLAUDE_MAX_RETRIES,
    countTokens: e.PALAVER_COUNT_TOKENS,
    filesApi: e.PALAVER_FILES_API,
    web: { enabled: e.PALAVER_WEB, maxUses: e.PALAVER_WEB_MAX_USES },
    pricesFile: e.PALAVER_PRICES_FILE,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    slack,
    discord,
    admins: e.PALAVER_ADMINS,
    budgets: {
      workspaceDailyUsd: e.PALAVER_BUDGET_DAILY_USD,
      workspaceMonthlyUsd: e.PALAVER_BUDGET_MONTHLY_USD,
      userDailyUsd: e.PALAVER_USER_DAILY_USD,
    },
    access: {
      allowedChannels: e.PALAVER_ALLOWED_CHANNELS,
      allowedUsers: e.PALAVER_ALLOWED_USERS,
      dms: e.PALAVER_DMS,
      userRate: e.PALAVER_USER_RATE ? parseRate(e.PALAVER_USER_RATE) : undefined,
    },
    shutdownGraceMs: e.PALAVER_SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    metricsToken: e.METRICS_TOKEN,
  };
}

/**
 * A sanity bound, not Discord's: "each shard can only support a maximum of 2500 guilds"
 * (discord.com/developers/docs/topics/gateway#sharding), so 4096 shards is ten million servers;
 * a larger count is a typo.
 */
const MAX_DISCORD_SHARDS = 4096;

/**
 * DISCORD_SHARD_IDS ("0,1") and DISCORD_SHARD_COUNT (the total over every instance): both or
 * neither. Every id must be below the count, as Discord closes the gateway (4010 Invalid shard)
 * otherwise, and each id listed once.
 */
function parseShards(ids: string[], countText: string | undefined): { ids: number[]; count: number } | undefined {
  if (ids.length === 0 && countText === undefined) return undefined;
  if (countText === undefined) {
    throw new ConfigError("DISCORD_SHARD_IDS is set but DISCORD_SHARD_COUNT is not: set the total number of shards over all instances, e.g. 2");
  }
  const count = Number(countText);
  if (!/^\d+$/.test(countText) || count < 1 || count > MAX_DISCORD_SHARDS) {
    throw new ConfigError(`DISCORD_SHARD_COUNT must be a whole number from 1 to ${MAX_DISCORD_SHARDS} (the total number of shards over all instances)`);
  }
  if (ids.length === 0) {
    throw new ConfigError("DISCORD_SHARD_COUNT is set but DISCORD_SHARD_IDS is not: list this instance's shards, e.g. 0,1");
  }
  const parsed = ids.map((id) => (/^\d+$/.test(id) ? Number(id) : Number.NaN));
  const bad = ids.find((_, i) => !(parsed[i]! < count));
  if (bad !== undefined) {
    throw new ConfigError(`DISCORD_SHARD_IDS: "${bad}" must be a shard number from 0 to ${count - 1} (below DISCORD_SHARD_COUNT)`);
  }
  if (new Set(parsed).size !== parsed.length) {
    throw new ConfigError("DISCORD_SHARD_IDS lists a shard twice: list each of this instance's shards once, e.g. 0,1");
  }
  return { ids: parsed, count };
}

/**
 * The environment Palaver runs with: `.env`, then `.env.<PALAVER_ENV>` over it, then the real
 * environment over both (so a deployment's variables always win over files).
 */
export function readEnvironment(
  dir: string = process.cwd(),
  processEnv: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  const read = (file: string) => {
    const full = path.join(dir, file);
    return fs.existsSync(full) ? dotenv.parse(fs.readFileSync(full)) : {};
  };
  const base = read(".env");
  const envName = processEnv.PALAVER_ENV ?? base.PALAVER_ENV;
  const overlay = envName ? read(`.env.${envName}`) : {};
  return { ...base, ...overlay, ...processEnv };
}

/** Only the last 4 characters of a secret ever reach a log. */
export function maskSecret(secret: string): string {
  return secret.length <= 4 ? "****" : `…${secret.slice(-4)}`;
}
