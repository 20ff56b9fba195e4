// The fake Claude's count_tokens and prompt-cache simulation, and its standalone server,
// exercised through the real @anthropic-ai/sdk client.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import Anthropic from "@anthropic-ai/sdk";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { MODEL, sdk } from "./helpers/anthropic.ts";

void describe("fake Claude: count_tokens and prompt caching", () => {
  let clock = 1_000_000;
  let fake: FakeClaude;
  before(async () => {
    fake = await startFakeClaude({ now: () => clock });
  });
  after(() => fake.close());
  beforeEach(() => fake.resetCache());

  void test("count_tokens uses the same estimate as the usage (images 1,600, documents 3,000)", async () => {
    const result = await sdk(fake).messages.countTokens({
      model: MODEL,
      system: "x".repeat(40),
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "abcd".repeat(5) },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } },
          ],
        },
      ],
    });
    assert.equal(result.input_tokens, 10 + 5 + 1600 + 3000);
    assert.equal(fake.requests.at(-1)?.path, "/v1/messages/count_tokens");
  });

  void test("a request extending a cached prefix reads it; the first one wrote it", async () => {
    const client = sdk(fake);
    const system = "s".repeat(2000); // 500 tokens
    const firstTurn = "u".repeat(3000); // 750 tokens
    const first = await client.messages.create({
      model: MODEL,
      max_tokens: 50,
      system,
      messages: [{ role: "user", content: [{ type: "text", text: firstTurn, cache_control: { type: "ephemeral" } }] }],
    });
    assert.equal(first.usage.cache_creation_input_tokens, 1250);
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.equal(first.usage.input_tokens, 0);

    clock += 60_000;
    const second = await client.messages.stream({
      model: MODEL,
      max_tokens: 50,
      system,
      messages: [
        { role: "user", content: [{ type: "text", text: firstTurn }] },
        { role: "assistant", content: "a".repeat(400) }, // 100 tokens
        { role: "user", content: [{ type: "text", text: "q".repeat(80), cache_control: { type: "ephemeral" } }] }, // 20
        { role: "assistant", content: "b".repeat(40) }, // 10
        { role: "user", content: "tail" }, // 1
      ],
    }).finalMessage();
    assert.equal(second.usage.cache_read_input_tokens, 1250);
    assert.equal(second.usage.cache_creation_input_tokens, 120);
    assert.equal(second.usage.input_tokens, 11);

    // Another model never shares the cache; past the TTL the prefix is gone.
    const other = await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 50,
      system,
      messages: [{ role: "user", content: [{ type: "text", text: firstTurn, cache_control: { type: "ephemeral" } }] }],
    });
    assert.equal(other.usage.cache_read_input_tokens, 0);
    assert.equal(other.usage.cache_creation_input_tokens, 1250);
    clock += 5 * 60_000 + 1;
    const expired = await client.messages.create({
      model: MODEL,
      max_tokens: 50,
      system,
      messages: [{ role: "user", content: [{ type: "text", text: firstTurn, cache_control: { type: "ephemeral", ttl: "1h" } }] }],
    });
    assert.equal(expired.usage.cache_read_input_tokens, 0);
    assert.equal(expired.usage.cache_creation_input_tokens, 1250);
    assert.deepEqual(expired.usage.cache_creation, { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1250 });
  });

  void test("a hit refreshes the TTL", async () => {
    const params = {
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "z".repeat(5000), cache_control: { type: "ephemeral" as const } }] }],
    };
    const client = sdk(fake);
    assert.equal((await client.messages.create(params)).usage.cache_creation_input_tokens, 1250);
    clock += 4 * 60_000;
    assert.equal((await client.messages.create(params)).usage.cache_read_input_tokens, 1250);
    clock += 4 * 60_000; // 8 min after the write, 4 min after the refreshing hit
    const third = await client.messages.create(params);
    assert.equal(third.usage.cache_read_input_tokens, 1250);
    assert.equal(third.usage.cache_creation_input_tokens, 0);
    assert.equal(third.usage.input_tokens, 0);
  });

  void test("a prefix below the minimum is never cached and raises no error", async () => {
    const params = {
      model: MODEL,
      max_tokens: 50,
      system: [{ type: "text" as const, text: "p".repeat(2000), cache_control: { type: "ephemeral" as const } }],
      messages: [{ role: "user" as const, content: "short question" }],
    };
    const client = sdk(fake);
    for (let i = 0; i < 2; i++) {
      const message = await client.messages.create(params);
      assert.equal(message.usage.cache_creation_input_tokens, 0);
      assert.equal(message.usage.cache_read_input_tokens, 0);
      assert.equal(message.usage.input_tokens, 500 + 4);
    }
  });
});

void describe("fake Claude: standalone server", () => {
  void test("prints its URL and streams a canned answer quoting the user", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/fakes/claude-server.ts"], {
      env: { ...process.env, FAKE_CLAUDE_PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`fake-claude exited early with ${code}`)));
      });
      const match = /^fake Claude listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
      assert.ok(match?.[1], first);
      const client = new Anthropic({ apiKey: "test", baseURL: match[1], maxRetries: 0 });
      const stream = client.messages.stream({ model: MODEL, max_tokens: 200, messages: [{ role: "user", content: "Is anyone there?" }] });
      let deltas = 0;
      stream.on("text", () => deltas++);
      const message = await stream.finalMessage();
      const block = message.content[0];
      assert.ok(block?.type === "text");
      assert.match(block.text, /"Is anyone there\?"/);
      assert.ok(deltas > 5);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
