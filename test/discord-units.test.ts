// The Discord adapter's pure parts: id encoding (round trip), Markdown for Discord, mention
// markup, thread names, and the typed /palaver options as the core's grammar.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { commandDefinition, commandText, type TypedCommand } from "../adapters/discord/commands.ts";
import {
  channelId,
  conversationId,
  decodeConversationId,
  decodeMessageId,
  decodeSurfaceAddress,
  decodeUserId,
  messageId,
  surfaceAddress,
  userId,
  workspaceId,
  type Conversation,
} from "../adapters/discord/ids.ts";
import { MAX_THREAD_NAME_LENGTH } from "../adapters/discord/limits.ts";
import { resolveMentions } from "../adapters/discord/mentions.ts";
import { FALLBACK_THREAD_NAME, threadName } from "../adapters/discord/threads.ts";
import { parseCommand } from "../src/commands/grammar.ts";

const snowflake = fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }).map(String);
const guild = fc.option(snowflake, { nil: null });

describe("discord ids", () => {
  it("round-trip: message ids, conversations, surface addresses and users", () => {
    fc.assert(
      fc.property(guild, snowflake, snowflake, (g, c, m) => {
        assert.deepEqual(decodeMessageId(messageId({ guildId: g, channelId: c, messageId: m })), { guildId: g, channelId: c, messageId: m });
        assert.deepEqual(decodeSurfaceAddress(surfaceAddress({ guildId: g, channelId: c })), { guildId: g, channelId: c });
        assert.deepEqual(decodeSurfaceAddress(surfaceAddress({ guildId: g, channelId: c, replyTo: m })), { guildId: g, channelId: c, replyTo: m });
        assert.equal(decodeUserId(userId(m)), m);
        assert.ok(messageId({ guildId: g, channelId: c, messageId: m }).startsWith(`${channelId(g, c)}:`));
        assert.ok(channelId(g, c).startsWith(`${workspaceId(g)}:`));
      }),
    );
    fc.assert(
      fc.property(snowflake, snowflake, snowflake, (g, c, r) => {
        const all: Conversation[] = [
          { kind: "thread", guildId: g, threadId: c },
          { kind: "dm", channelId: c },
          { kind: "chain", guildId: g, channelId: c, rootId: r },
        ];
        for (const conv of all) assert.deepEqual(decodeConversationId(conversationId(conv)), conv);
      }),
    );
  });

  it("carries the platform and refuses other platforms' or malformed ids", () => {
    assert.equal(messageId({ guildId: "1", channelId: "2", messageId: "3" }), "discord:1:2:3");
    assert.equal(conversationId({ kind: "dm", channelId: "9" }), "discord:dm:9");
    for (const bad of ["slack:T1:C1:1700000000.000100", "discord:1:2", "discord:x:2:3", "discord:1:2:3:4", ""]) {
      assert.equal(decodeMessageId(bad), undefined, bad);
    }
    assert.equal(decodeSurfaceAddress("console:local"), undefined);
    assert.equal(decodeConversationId("discord:dm:1:2"), undefined);
  });
});

describe("discord mentions and thread names", () => {
  const names = {
    user: (id: string) => ({ "1": "Ada", "2": "Max" })[id],
    role: (id: string) => ({ "5": "Admins" })[id],
    channel: (id: string) => ({ "7": "general" })[id],
  };

  it("resolves user, nickname, role, channel, command, emoji and timestamp markup", () => {
    assert.equal(
      resolveMentions("<@1> <@!2> <@&5> <#7> </palaver help:99> <:party:123> <a:wave:456> <t:0:R> <@404>", names),
      "@Ada @Max @Admins #general /palaver help :party: :wave: 1970-01-01T00:00:00Z @unknown-user",
    );
  });

  it("names threads after the first words, within 100 characters", () => {
    assert.equal(threadName("  what is   the **capital** of France? "), "what is the capital of France?");
    assert.equal(threadName(""), FALLBACK_THREAD_NAME);
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const name = threadName(s);
        assert.ok(name.length >= 1 && name.length <= MAX_THREAD_NAME_LENGTH);
      }),
    );
    const long = threadName("word ".repeat(60));
    assert.ok(long.endsWith("…") && !long.includes("wor…"), long);
    assert.equal(threadName("🙂".repeat(80)), `${"🙂".repeat(49)}…`, "an emoji is never cut in half");
  });
});

describe("discord /palaver options → grammar", () => {
  const typed = (group: string | undefined, sub: string, o: Record<string, string | number> = {}): TypedCommand => ({
    group,
    sub,
    string: (n) => (typeof o[n] === "string" ? (o[n] as string) : undefined),
    number: (n) => (typeof o[n] === "number" ? (o[n] as number) : undefined),
    user: (n) => (n === "user" && typeof o.user === "string" ? o.user : undefined),
  });
  const knownModels = ["claude-sonnet-4-6", "claude-haiku-4-5"];

  it("writes every subcommand in the text grammar the core parses", () => {
    const cases: [TypedCommand, string, string][] = [
      [typed(undefined, "help"), "help", "help"],
      [typed("prompt", "show"), "prompt", "prompt.show"],
      [typed("prompt", "set", { text: "Be brief." }), "prompt set Be brief.", "prompt.set"],
      [typed("prompt", "clear"), "prompt clear", "prompt.clear"],
      [typed("model", "show"), "model", "model.show"],
      [typed("model", "set", { model: "claude-haiku-4-5" }), "model set claude-haiku-4-5", "model.set"],
      [typed(undefined, "usage"), "usage", "usage"],
      [typed(undefined, "usage", { period: "7d", by: "user" }), "usage 7d by user", "usage"],
      [typed("budget", "show"), "budget", "budget.show"],
      [typed("budget", "set", { scope: "user", period: "daily", usd: 5, user: "81234" }), "budget set user <@discord:81234> daily 5", "budget.set"],
      [typed("budget", "set", { scope: "workspace", period: "monthly", usd: 0.25 }), "budget set workspace monthly 0.25", "budget.set"],
      [typed("budget", "clear", { scope: "channel", period: "daily" }), "budget clear channel daily", "budget.clear"],
      [typed(undefined, "forget"), "forget", "forget"],
    ];
    for (const [input, text, kind] of cases) {
      assert.equal(commandText(input), text);
      const parsed = parseCommand(text, { knownModels });
      assert.ok(parsed.ok, `${text}: ${parsed.ok ? "" : parsed.error}`);
      assert.equal(parsed.command.kind, kind);
    }
  });
});

it("/palaver model set offers the price table as choices, or free text past Discord's 25", () => {
  const modelOption = (models: string[]) => {
    const json = JSON.stringify(commandDefinition(models));
    const def = JSON.parse(json) as { options: { name: string; options?: { name: string; options?: { name: string; choices?: unknown[] }[] }[] }[] };
    const set = def.options.find((o) => o.name === "model")!.options!.find((o) => o.name === "set")!;
    return set.options!.find((o) => o.name === "model")!;
  };
  assert.equal(modelOption(["claude-a", "claude-b"]).choices?.length, 2);
  const many = Array.from({ length: 30 }, (_, i) => `claude-${i}`);
  assert.equal(modelOption(many).choices, undefined, "no silent cut: typed as free text");
});
