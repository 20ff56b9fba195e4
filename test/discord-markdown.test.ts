// Claude's Markdown on a real discord.js client against the fake Discord: while a reply with code
// streams, every edit keeps its code blocks closed with the indicator outside them, and no
// message Palaver sends pings anyone, whatever Claude wrote.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { STREAMING_INDICATOR } from "../adapters/discord/limits.ts";
import { openFenceAtEnd } from "../src/reply/markdown/fences.ts";
import { startDiscordHarness, type DiscordHarness } from "./helpers/discord.ts";
import { waitFor } from "./helpers/core.ts";

describe("discord markdown end to end", () => {
  let h: DiscordHarness;
  before(async () => {
    h = await startDiscordHarness({ env: { DISCORD_REPLY_MODE: "reply" } });
  });
  after(async () => {
    await h.close();
  });

  it("streams code with the fence closed and ` …` outside it, and pings nobody", async () => {
    const { discord, world, claude } = h;
    const channel = world.general.id;
    const code = Array.from({ length: 12 }, (_, i) => `    total += item_${i}  # __init__ stays code`).join("\n");
    const text = `Hey @everyone and <@${world.max.id}>, here:\n\n\`\`\`python\ndef run():\n${code}\n\`\`\`\n\nDone.`;
    claude.enqueue({ text, chunkSize: 25, chunkDelayMs: 120 });
    const already = discord.botMessagesIn(channel).length;
    discord.say({ channelId: channel, authorId: world.ada.id, content: `${h.mention} show me code` });
    await waitFor(() => discord.botMessagesIn(channel)[already]?.content.endsWith("Done.") ?? false, 15000, "the final text");
    const reply = discord.botMessagesIn(channel)[already]!;
    const sent = [
      ...discord.callsTo("POST", new RegExp(`/channels/${channel}/messages$`)),
      ...discord.callsTo("PATCH", new RegExp(`/messages/${reply.id}$`)),
    ].filter((c) => c.status === 200);
    const inCode = sent.map((c) => (c.body as { content: string }).content).filter((t) => t.includes("```"));
    assert.ok(inCode.length >= 2, `several edits showed the code while it streamed (${inCode.length})`);
    // An indicator inside the code (after an open fence, or on the closing fence line, which then
    // closes nothing) would leave a fence open: every version reads as closed code.
    for (const t of inCode) assert.equal(openFenceAtEnd(t), undefined, `no code block left open:\n${t}`);
    assert.ok(inCode.some((t) => t.endsWith(`\`\`\`\n${STREAMING_INDICATOR}`)), "an edit that ended in code showed the indicator after it");
    for (const c of sent) {
      assert.deepEqual((c.body as { allowed_mentions?: { parse?: unknown } }).allowed_mentions?.parse, [], "allowed_mentions parses nothing");
    }
    const stored = discord.state.messages.get(reply.id)!;
    assert.deepEqual(stored.mentionUserIds.filter((u) => u !== world.ada.id), [], "only the asker is notified (the reply)");
    assert.deepEqual(stored.mentionRoleIds, []);
    assert.equal(stored.mentionEveryone, false);
  });
});
