// Process-level plumbing: the last place unhandled errors end up, and signal handling.
import { createLogger, type Logger } from "./log.ts";
import { describeError, isPalaverError } from "../errors.ts";
import { App, type AppOptions } from "./app.ts";
import { ConfigError, parseConfig, readEnvironment, type Config } from "./config.ts";

/**
 * Read and validate the configuration for an entry point. A bad value prints the one-line
 * message (naming the variable and the fix) and yields undefined: the caller exits 1.
 * `defaults` fill variables the environment leaves unset (e.g. a quieter LOG_LEVEL for chat).
 */
export function loadConfigOrReport(defaults: Record<string, string> = {}): { config: Config; logger: Logger } | undefined {
  const env = readEnvironment();
  let config: Config;
  try {
    config = parseConfig({ ...defaults, ...env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`palaver: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  installCrashHandlers(logger);
  return { config, logger };
}

/** Anything that escapes every other handler is logged here, then the process exits non-zero. */
export function installCrashHandlers(logger: Logger): void {
  process.on("unhandledRejection", (reason) => {
    logger.fatal({ err: describeError(reason) }, "unhandled promise rejection");
    process.exit(70);
  });
  process.on("uncaughtException", (err) => {
    logger.fatal({ err: describeError(err) }, "uncaught exception");
    process.exit(70);
  });
}

/** Run `stop` once on SIGTERM or SIGINT, then exit 0; a second signal exits at once. */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "shutting down");
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal({ err: describeError(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}

/**
 * Open the database and build the app; a database Palaver cannot use (from a newer version, a
 * failed migration, a bad price file) prints its one-line reason and yields undefined.
 */
export async function createAppOrReport(config: Config, logger: Logger, options: AppOptions = {}): Promise<App | undefined> {
  try {
    return await App.create(config, { logger, ...options });
  } catch (err) {
    if (isPalaverError(err)) {
      process.stderr.write(`palaver: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}
