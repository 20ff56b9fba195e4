// PLACEHOLDER written by the lead so src/main.ts type-checks while the Discord adapter is being
// built; the Discord engineer replaces this whole file.
import type { DiscordConfig } from "../../src/config.ts";
import type { Logger } from "../../src/log.ts";
import type { Adapter } from "../../src/types.ts";
import { PalaverError } from "../../src/errors.ts";

export function createDiscordAdapter(_config: DiscordConfig, _logger: Logger): Adapter {
  throw new PalaverError("adapter_failed", "the Discord adapter is not built yet");
}
