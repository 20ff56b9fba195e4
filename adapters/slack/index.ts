// PLACEHOLDER written by the lead so src/main.ts type-checks while the Slack adapter is being
// built; the Slack engineer replaces this whole file.
import type { SlackConfig } from "../../src/config.ts";
import type { Logger } from "../../src/log.ts";
import type { Adapter } from "../../src/types.ts";
import { PalaverError } from "../../src/errors.ts";

export function createSlackAdapter(_config: SlackConfig, _logger: Logger): Adapter {
  throw new PalaverError("adapter_failed", "the Slack adapter is not built yet");
}
