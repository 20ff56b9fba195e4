// Which platform adapters run, from the configuration: a platform is enabled when its
// credentials are present (design.md, runtime contract).
import type { Config } from "../src/runtime/config.ts";
import type { Logger } from "../src/runtime/log.ts";
import type { Adapter } from "../src/types.ts";
import { PriceTable } from "../src/claude/pricing.ts";
import { createSlackAdapter } from "./slack/index.ts";
import { createDiscordAdapter } from "./discord/index.ts";

export function createPlatformAdapters(config: Config, logger: Logger): Adapter[] {
  const adapters: Adapter[] = [];
  if (config.slack) {
    if (config.slack.appToken && config.slack.signingSecret) {
      logger.info("both SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are set: using Socket Mode");
    }
    adapters.push(createSlackAdapter(config.slack, logger));
  }
  if (config.discord) {
    // The /palaver model choices offered on Discord: the price table, operator overrides included.
    const models = PriceTable.load(config.pricesFile).models();
    adapters.push(createDiscordAdapter(config.discord, logger, { models }));
  }
  return adapters;
}
