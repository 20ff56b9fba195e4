// The real Anthropic SDK pointed at a fake Claude, for tests of the fake itself.
import Anthropic from "@anthropic-ai/sdk";
import type { FakeClaude } from "../fakes/claude.ts";

export const MODEL = "claude-sonnet-4-6";

export function sdk(fake: FakeClaude, maxRetries = 0): Anthropic {
  return new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries });
}
