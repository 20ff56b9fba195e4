// Palaver's Slack adapter. Only adapters/slack/ imports @slack/bolt.
import type { SlackConfig } from "../../src/runtime/config.ts";
import type { Logger } from "../../src/runtime/log.ts";
import { SlackAdapter, type SlackAdapterOptions } from "./adapter.ts";

export { SlackAdapter, EVENTS_PATH, type SlackAdapterOptions } from "./adapter.ts";

export function createSlackAdapter(config: SlackConfig, logger: Logger, options?: SlackAdapterOptions): SlackAdapter {
  return new SlackAdapter(config, logger, options);
}
