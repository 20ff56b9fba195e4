// The environment variables Palaver reads and how each is checked (zod): defaults, parsing, and the
// message that names the variable and the fix when a value is wrong. src/runtime/config.ts turns the
// checked values into a Config.
import { z } from "zod";

export const DEFAULT_MODEL = "claude-sonnet-4-6";
export const DEFAULT_MAX_TOKENS = 2048;
export const DEFAULT_SYSTEM_PROMPT =
  "You are Palaver, a helpful assistant in a team chat. Answer concisely. Several people may " +
  "speak in one conversation; their names prefix their lines.";
export const DEFAULT_DATABASE_PATH = "./data/palaver.db";
/** A bearer token short enough to guess would protect nothing; 16 characters is 64+ bits as hex. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

const bool = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ["true", "false", "1", "0", "on", "off", "yes", "no"].includes(v), {
      message: `${name} must be true or false`,
    })
    .transform((v) => ["true", "1", "on", "yes"].includes(v));

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const usd = (name: string) =>
  z
    .string()
    .trim()
    .transform((v) => (v === "" ? undefined : Number(v)))
    .refine((v) => v === undefined || (Number.isFinite(v) && v >= 0 && v <= 1_000_000), {
      message: `${name} must be a dollar amount between 0 and 1000000, e.g. 25 or 2.50`,
    })
    .optional();

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );

/** "30/hour", "5/minute", "100/day" → count per window. */
export function parseRate(text: string): { count: number; windowMs: number } | undefined {
  const m = /^\s*(\d+)\s*\/\s*(second|sec|s|minute|min|m|hour|h|day|d)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const windowMs = unit.startsWith("s")
    ? 1000
    : unit.startsWith("m")
      ? 60_000
      : unit.startsWith("h")
        ? 3_600_000
        : 86_400_000;
  const count = Number(m[1]);
  return count > 0 ? { count, windowMs } : undefined;
}

export const schema = z.object({
  PALAVER_ENV: z.enum(["development", "staging", "production", "test"]).default("development"),
  ANTHROPIC_API_KEY: z
    .string({ message: "ANTHROPIC_API_KEY is not set: put your Claude API key (sk-ant-…) in .env" })
    .trim()
    .min(1, "ANTHROPIC_API_KEY is empty: put your Claude API key (sk-ant-…) in .env"),
  ANTHROPIC_BASE_URL: optionalString.pipe(
    z.url({ message: "ANTHROPIC_BASE_URL must be a URL such as http://127.0.0.1:8787" }).optional(),
  ),
  PALAVER_MODEL: z.string().trim().min(1).default(DEFAULT_MODEL),
  PALAVER_MAX_TOKENS: z.coerce
    .number({ message: "PALAVER_MAX_TOKENS must be a whole number such as 2048" })
    .int("PALAVER_MAX_TOKENS must be a whole number such as 2048")
    .min(1, "PALAVER_MAX_TOKENS must be at least 1")
    .max(128_000, "PALAVER_MAX_TOKENS must be at most 128000")
    .default(DEFAULT_MAX_TOKENS),
  PALAVER_SYSTEM_PROMPT: z.string().default(DEFAULT_SYSTEM_PROMPT),
  PALAVER_CLAUDE_MAX_RETRIES: z.coerce
    .number({ message: "PALAVER_CLAUDE_MAX_RETRIES must be a whole number from 0 to 10" })
    .int()
    .min(0)
    .max(10, "PALAVER_CLAUDE_MAX_RETRIES must be a whole number from 0 to 10")
    .default(3),
  PALAVER_COUNT_TOKENS: bool("PALAVER_COUNT_TOKENS").default(false),
  PALAVER_FILES_API: bool("PALAVER_FILES_API").default(true),
  PALAVER_WEB: bool("PALAVER_WEB").default(false),
  PALAVER_WEB_MAX_USES: z.coerce
    .number({ message: "PALAVER_WEB_MAX_USES must be a whole number from 1 to 20, such as 5" })
    .int("PALAVER_WEB_MAX_USES must be a whole number from 1 to 20, such as 5")
    .min(1, "PALAVER_WEB_MAX_USES must be a whole number from 1 to 20, such as 5")
    .max(20, "PALAVER_WEB_MAX_USES must be a whole number from 1 to 20, such as 5")
    .default(5),
  PALAVER_PRICES_FILE: optionalString,
  DATABASE_PATH: z.string().trim().min(1).default(DEFAULT_DATABASE_PATH),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a PostgreSQL URL such as postgres://palaver:secret@db:5432/palaver (unset it to use SQLite at DATABASE_PATH)")
      .optional(),
  ),
  SLACK_BOT_TOKEN: optionalString.pipe(
    z.string().startsWith("xoxb-", "SLACK_BOT_TOKEN must be a bot token starting with xoxb-").optional(),
  ),
  SLACK_APP_TOKEN: optionalString.pipe(
    z.string().startsWith("xapp-", "SLACK_APP_TOKEN must be an app-level token starting with xapp-").optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_API_URL: optionalString.pipe(
    z.url({ message: "SLACK_API_URL must be a URL such as https://slack.com/api/" }).optional(),
  ),
  SLACK_THREAD_FOLLOWUPS: bool("SLACK_THREAD_FOLLOWUPS").default(true),
  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_API_URL: optionalString.pipe(
    z.url({ message: "DISCORD_API_URL must be a URL such as https://discord.com/api" }).optional(),
  ),
  DISCORD_GUILD_ID: optionalString.pipe(
    z.string().regex(/^\d+$/, "DISCORD_GUILD_ID must be a numeric guild (server) id").optional(),
  ),
  DISCORD_SHARD_IDS: list,
  DISCORD_SHARD_COUNT: optionalString,
  DISCORD_REPLY_MODE: z
    .enum(["thread", "reply"], { message: "DISCORD_REPLY_MODE must be thread or reply" })
    .default("thread"),
  PORT: z.coerce
    .number({ message: "PORT must be a port number such as 3000" })
    .int()
    .min(0)
    .max(65535, "PORT must be a port number such as 3000")
    .default(3000),
  METRICS_TOKEN: optionalString.pipe(
    z
      .string()
      .min(MIN_METRICS_TOKEN_LENGTH, `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. the output of: openssl rand -hex 32)`)
      .regex(/^\S+$/, "METRICS_TOKEN must not contain spaces (it is sent as Authorization: Bearer <token>)")
      .optional(),
  ),
  PALAVER_ADMINS: list,
  PALAVER_BUDGET_DAILY_USD: usd("PALAVER_BUDGET_DAILY_USD"),
  PALAVER_BUDGET_MONTHLY_USD: usd("PALAVER_BUDGET_MONTHLY_USD"),
  PALAVER_USER_DAILY_USD: usd("PALAVER_USER_DAILY_USD"),
  PALAVER_ALLOWED_CHANNELS: list,
  PALAVER_ALLOWED_USERS: list,
  PALAVER_DMS: bool("PALAVER_DMS").default(true),
  PALAVER_USER_RATE: optionalString.refine((v) => v === undefined || parseRate(v) !== undefined, {
    message: "PALAVER_USER_RATE must look like 30/hour (or N/minute, N/day)",
  }),
  PALAVER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
});

/** Every environment variable Palaver reads (the deployment files may name no other). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(schema.shape);

