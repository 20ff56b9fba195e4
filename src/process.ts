// Process-level plumbing: the last place unhandled errors end up, and signal handling.
import type { Logger } from "./log.ts";
import { describeError } from "./errors.ts";

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
