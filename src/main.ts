// `npm start`: Palaver on every platform whose credentials are configured.
// This file is the composition root: the only file under src/ that knows adapters exist.
import { App } from "./app.ts";
import { ConfigError, parseConfig, readEnvironment } from "./config.ts";
import { createLogger } from "./log.ts";
import { installCrashHandlers, onShutdownSignal } from "./process.ts";
import { createPlatformAdapters } from "../adapters/index.ts";
import { NO_PLATFORM_MESSAGE } from "./notes.ts";

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`palaver: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  installCrashHandlers(logger);
  const adapters = createPlatformAdapters(config, logger);
  if (adapters.length === 0) {
    process.stderr.write(`${NO_PLATFORM_MESSAGE}\n`);
    return 1;
  }
  const app = await App.create(config, { logger });
  onShutdownSignal(logger, () => app.stop());
  await app.start(adapters);
  logger.info({ platforms: adapters.map((a) => a.platform) }, "Palaver is running");
  return 0;
}

const code = await main();
if (code !== 0) process.exit(code);
