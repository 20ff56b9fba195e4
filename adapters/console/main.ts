// `npm run chat`: talk to Palaver in the terminal. stdout carries only the conversation; logs go
// to stderr (at "warn" unless LOG_LEVEL says otherwise, so they don't clutter the chat).
import os from "node:os";
import { App } from "../../src/app.ts";
import { ConfigError, parseConfig, readEnvironment } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { installCrashHandlers, onShutdownSignal } from "../../src/process.ts";
import { ConsoleAdapter } from "./index.ts";

async function main(): Promise<number> {
  const env = readEnvironment();
  let config;
  try {
    config = parseConfig({ ...env, LOG_LEVEL: env.LOG_LEVEL ?? "warn" });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`palaver: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  installCrashHandlers(logger);
  const app = await App.create(config, { logger });
  const interactive = Boolean(process.stdin.isTTY);
  const adapter = new ConsoleAdapter({
    input: process.stdin,
    output: process.stdout,
    interactive,
    userName: os.userInfo().username || "you",
  });
  if (interactive) process.stdout.write(`Palaver (${config.model}). Type a message, /palaver help, or /exit.\n`);
  onShutdownSignal(logger, () => app.stop());
  await app.start([adapter]);
  await adapter.finished();
  await app.stop();
  return 0;
}

process.exitCode = await main();
