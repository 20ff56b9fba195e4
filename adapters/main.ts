// `npm start`: Palaver on every platform whose credentials are configured.
// The composition root lives beside the adapters, not in src/, so the core never points to a
// platform: src/ knows only the Adapter interface (src/types.ts).
import { createAppOrReport, loadConfigOrReport, onShutdownSignal } from "../src/runtime/process.ts";
import { createPlatformAdapters } from "./index.ts";
import { NO_PLATFORM_MESSAGE } from "../src/reply/notes.ts";
import { isPalaverError } from "../src/errors.ts";

async function main(): Promise<number> {
  const loaded = loadConfigOrReport();
  if (!loaded) return 1;
  const { config, logger } = loaded;
  const adapters = createPlatformAdapters(config, logger);
  if (adapters.length === 0) {
    process.stderr.write(`${NO_PLATFORM_MESSAGE}\n`);
    return 1;
  }
  const app = await createAppOrReport(config, logger);
  if (!app) return 1;
  onShutdownSignal(logger, () => app.stop());
  try {
    await app.start(adapters);
  } catch (err) {
    // A port Palaver cannot listen on is a setting to change (exit 1, like a bad variable); a
    // platform that fails to connect is left to crash (exit 70) so a supervisor retries it.
    if (!(isPalaverError(err) && err.code === "http_failed")) throw err;
    process.stderr.write(`palaver: ${err.message}\n`);
    await app.stop();
    return 1;
  }
  logger.info({ platforms: adapters.map((a) => a.platform) }, "Palaver is running");
  return 0;
}

const code = await main();
if (code !== 0) process.exit(code);
