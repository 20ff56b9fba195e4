// `npm start`: Palaver on every platform whose credentials are configured.
// This file is the composition root: the only file under src/ that knows adapters exist.
import { createAppOrReport, loadConfigOrReport, onShutdownSignal } from "./process.ts";
import { createPlatformAdapters } from "../adapters/index.ts";
import { NO_PLATFORM_MESSAGE } from "./notes.ts";

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
  await app.start(adapters);
  logger.info({ platforms: adapters.map((a) => a.platform) }, "Palaver is running");
  return 0;
}

const code = await main();
if (code !== 0) process.exit(code);
