// Structured logs (pino) to stderr, so stdout stays free for the console adapter's conversation.
// Secrets are never passed to the logger; the redact list is a second line of defence.
import { pino, type Logger } from "pino";

export type { Logger };

const REDACT = [
  "apiKey",
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "authorization",
  "*.apiKey",
  "*.token",
  "*.botToken",
  "*.appToken",
  "*.signingSecret",
  "*.authorization",
  "headers.authorization",
  'headers["x-api-key"]',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino(
    { level, base: { app: "palaver" }, redact: { paths: REDACT, censor: "[redacted]" } },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and benchmarks that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
