// Issue 9, item 2: exactly one message per reply part, even when a platform call fails
// ambiguously (the platform stored the message but the answer was lost: a 5xx after the write,
// a dropped connection). Real discord.js / Bolt against the fakes, which can store and then fail.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startDiscordHarness, type DiscordHarness } from "./helpers/discord.ts";
import { ask, replyIn, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { GENERAL } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";

const POST_MESSAGE = /^\/channels\/\d+\/messages$/;

describe("discord: nonce with enforce_nonce on every message create", () => {
  let h: DiscordHarness;
  before(async () => {
    h = await startDiscordHarness({ env: { DISCORD_REPLY_MODE: "reply" } });
  });
  after(async () => {
    await h.close();
  });

  async function askAndWait(text: string, reply: string): Promise<void> {
    const { discord, world, claude } = h;
    claude.enqueue({ text: reply });
    discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} ${text}` });
    await waitFor(() => discord.botMessagesIn(world.general.id).some((m) => m.content === reply), 10_000, "the reply");
    await waitFor(() => h.app.bot.activeConversations === 0, 10_000, "the reply to finish");
  }

  it("the fake returns the existing message for a repeated nonce from the same author, as Discord documents", async () => {
    const { discord, world } = h;
    const post = (nonce: string) =>
      fetch(`${discord.url}/v10/channels/${world.general.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bot ${discord.token}`, "content-type": "application/json" },
        body: JSON.stringify({ content: "once", nonce, enforce_nonce: true }),
      }).then((r) => r.json() as Promise<{ id: string; nonce?: string }>);
    const first = await post("fake-nonce-1");
    const again = await post("fake-nonce-1");
    assert.equal(again.id, first.id);
    assert.equal(first.nonce, "fake-nonce-1");
    assert.equal(discord.botMessagesIn(world.general.id).filter((m) => m.content === "once").length, 1);
    const other = await post("fake-nonce-2");
    assert.notEqual(other.id, first.id);
  });

  it("a post Discord stored but answered with a 500 comes back as the same message, not a second one", async () => {
    const { discord, world } = h;
    const before = discord.botMessagesIn(world.general.id).length;
    discord.failAfterWrite({ method: "POST", path: POST_MESSAGE, mode: "500" });
    await askAndWait("first question", "One answer, once.");
    const mine = discord.botMessagesIn(world.general.id).slice(before);
    assert.deepEqual(mine.map((m) => m.content), ["One answer, once."]);
    const posts = discord.callsTo("POST", POST_MESSAGE).slice(-2);
    assert.equal(posts.length, 2, "discord.js retried the 500");
    const nonces = posts.map((c) => (c.body as { nonce?: string; enforce_nonce?: boolean }).nonce);
    assert.ok(nonces[0] && nonces[0] === nonces[1], "the retry carried the same nonce");
    assert.equal((posts[0]!.body as { enforce_nonce?: boolean }).enforce_nonce, true);
  });

  it("a post Discord stored whose connection dropped is posted again by the core with the same nonce: one message", async () => {
    const { discord, world } = h;
    const before = discord.botMessagesIn(world.general.id).length;
    const callsBefore = discord.callsTo("POST", POST_MESSAGE).length;
    discord.failAfterWrite({ method: "POST", path: POST_MESSAGE, mode: "drop" });
    await askAndWait("second question", "Still just one answer.");
    const mine = discord.botMessagesIn(world.general.id).slice(before);
    assert.deepEqual(mine.map((m) => m.content), ["Still just one answer."]);
    assert.ok(discord.callsTo("POST", POST_MESSAGE).length - callsBefore >= 2, "the post was tried again");
  });
});

describe("slack: no blind retries of posts; a lost answer is looked up by the message's metadata", () => {
  const harnesses: SlackHarness[] = [];
  after(async () => {
    for (const h of harnesses) await h.close();
  });
  async function slack(nativeStreaming: boolean): Promise<SlackHarness> {
    const h = await startSlackHarness({ adapter: { nativeStreaming } });
    harnesses.push(h);
    return h;
  }

  it("the fake returns message metadata only with include_all_metadata, as Slack documents", async () => {
    const h = await slack(false);
    h.claude.enqueue({ text: "Tagged." });
    const ts = await ask(h, "tag me");
    await replyIn(h, ts);
    const call = (extra: Record<string, unknown>) =>
      fetch(`${h.slack.apiUrl}conversations.replies`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.slack.botToken}`, "content-type": "application/json" },
        body: JSON.stringify({ channel: GENERAL.id, ts, ...extra }),
      }).then((r) => r.json() as Promise<{ messages: { metadata?: { event_type: string } }[] }>);
    assert.ok((await call({})).messages.every((m) => m.metadata === undefined));
    const tagged = (await call({ include_all_metadata: true })).messages.filter((m) => m.metadata);
    assert.deepEqual(tagged.map((m) => m.metadata!.event_type), ["palaver_reply_part"]);
  });

  for (const afterWrite of ["500", "drop"] as const) {
    it(`chat.postMessage stored but answered ${afterWrite === "500" ? "with HTTP 500" : "by a dropped connection"}: one message`, async () => {
      const h = await slack(false);
      h.slack.api.fail({ method: "chat.postMessage", afterWrite });
      h.claude.enqueue({ text: "Exactly one of me.", chunkSize: 4, chunkDelayMs: 5 });
      const ts = await ask(h, "how many?");
      const msgs = await replyIn(h, ts);
      assert.deepEqual(msgs.map((m) => m.text), ["Exactly one of me."]);
      assert.equal(h.slack.api.callsTo("chat.postMessage").length, 1, "never posted again: the stored message was found");
      const lookups = h.slack.api.callsTo("conversations.replies").filter((c) => c.params.include_all_metadata !== undefined);
      assert.ok(lookups.length >= 1, "looked for its own message with include_all_metadata");
    });
  }

  it("chat.startStream stored but its connection dropped: the stream is taken over, one message", async () => {
    const h = await slack(true);
    h.slack.api.fail({ method: "chat.startStream", afterWrite: "drop" });
    h.claude.enqueue({ text: "Streamed once, shown once.", chunkSize: 4, chunkDelayMs: 5 });
    const ts = await ask(h, "stream it");
    const msgs = await replyIn(h, ts);
    assert.deepEqual(msgs.map((m) => m.text), ["Streamed once, shown once."]);
    assert.equal(h.slack.api.callsTo("chat.startStream").length, 1, "no blind retry of the start");
    assert.equal(h.slack.api.callsTo("chat.postMessage").length, 0, "not posted a second time the classic way");
  });
});
