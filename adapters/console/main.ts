// `npm run chat`: talk to Palaver in the terminal. stdout carries only the conversation; logs go
// to stderr (at "warn" unless LOG_LEVEL says otherwise, so they don't clutter the chat).
import os from "node:os";
import { createAppOrReport, loadConfigOrReport, onShutdownSignal } from "../../src/runtime/process.ts";
import { ConsoleAdapter } from "./index.ts";

async function main(): Promise<number> {
  const loaded = loadConfigOrReport({ LOG_LEVEL: "warn" });
  if (!loaded) return 1;
  const { config, logger } = loaded;
  // No HTTP server: a terminal chat is not a deployment, and it may run beside `npm start`.
  const app = await createAppOrReport(config, logger, { http: false });
  if (!app) return 1;
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
