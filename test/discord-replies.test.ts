// Discord without threads: DISCORD_REPLY_MODE=reply (reply chains), a channel where Palaver may
// not open threads, DMs; and the reply surface under pressure: a reply longer than one message,
// and edits answered with 429.
import { pdf, png } from "./helpers/files.ts";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { conversationId } from "../adapters/discord/ids.ts";
import { MAX_MESSAGE_LENGTH } from "../adapters/discord/limits.ts";
import { asMessagesBody } from "./fakes/claude.ts";
import { Perm } from "./fakes/discord/index.ts";
import { claudeTurns, startDiscordHarness, type DiscordHarness } from "./helpers/discord.ts";
import { waitFor } from "./helpers/core.ts";

const FENCE_LINE = /^```/;
const withoutFences = (t: string) => t.split("\n").filter((l) => !FENCE_LINE.test(l)).join("\n");
const fenceLines = (t: string) => t.split("\n").filter((l) => FENCE_LINE.test(l)).length;
/** What a reader sees, word for word: Discord's backslash escapes undone, whitespace runs as one space. */
const words = (t: string) => withoutFences(t).replace(/\\(.)/g, "$1").replace(/\s+/g, " ").trim();

describe("discord reply mode", () => {
  let h: DiscordHarness;

  before(async () => {
    h = await startDiscordHarness({ env: { DISCORD_REPLY_MODE: "reply" } });
  });
  after(async () => {
    await h.close();
  });

  it("replies to the mention in the channel, and a reply to Palaver continues the chain", async () => {
    const { discord, world, claude, app } = h;
    const channel = world.general.id;
    claude.enqueue({ text: "Tea, mostly." });
    const question = discord.say({ channelId: channel, authorId: world.ada.id, content: `${h.mention} what do the English drink?` });
    await waitFor(() => discord.botMessagesIn(channel)[0]?.content === "Tea, mostly.", 5000, "first reply");
    const answer = discord.botMessagesIn(channel)[0]!;
    assert.equal(answer.reference?.messageId, question.id, "a reply to the question");
    assert.equal(discord.state.messages.get(question.id)!.threadId, undefined, "no thread");
    assert.equal(discord.callsTo("POST", /\/threads$/).length, 0);

    discord.say({ channelId: channel, authorId: world.max.id, content: "unrelated chatter" });
    claude.enqueue({ text: "Earl Grey is popular." });
    const followUp = discord.say({ channelId: channel, authorId: world.max.id, content: "which tea?", replyTo: answer.id, pingReply: false });
    await waitFor(() => discord.botMessagesIn(channel).length === 2, 5000, "second reply");
    const second = discord.botMessagesIn(channel)[1]!;
    await waitFor(() => discord.state.messages.get(second.id)!.content === "Earl Grey is popular.", 5000, "second text");
    assert.equal(second.reference?.messageId, followUp.id);
    const turns = claudeTurns(claude, claude.messageRequests().length - 1);
    assert.deepEqual(
      turns.map((t) => t.role),
      ["user", "assistant", "user"],
    );
    assert.match(turns[0]!.text, /what do the English drink\?/);
    assert.equal(turns[1]!.text, "Tea, mostly.");
    assert.match(turns[2]!.text, /which tea\?/);
    assert.ok(!turns.some((t) => t.text.includes("unrelated chatter")), "other channel messages are not the conversation");
    const chain = conversationId({ kind: "chain", guildId: world.guild.id, channelId: channel, rootId: question.id });
    assert.ok(app.bot.knowsConversation(chain), "the conversation is named by the chain's root");
  });

  it("a first mention in a thread brings the files shared earlier in it, downloaded once", async () => {
    const { discord, world, claude } = h;
    const thread = discord.state.addThread(world.general.id, "minutes", world.ada.id);
    const doc = await pdf(2, "Minutes");
    const file = discord.addAttachment("minutes.pdf", "application/pdf", doc, thread.id);
    discord.say({ channelId: thread.id, authorId: world.ada.id, content: "minutes of the meeting", attachments: [file] });
    const downloads = () => discord.cdnDownloads.filter((d) => d.id === file.id).length;
    claude.enqueue({ text: "Two pages of minutes." });
    discord.say({ channelId: thread.id, authorId: world.max.id, content: `${h.mention} summarise them` });
    await waitFor(() => discord.botMessagesIn(thread.id).at(-1)?.content === "Two pages of minutes.", 5000, "reply");
    const blocks = asMessagesBody(claude.messageRequests().at(-1)!.body).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
    assert.deepEqual(blocks.filter((b) => b.type === "document").map((b) => b.source), [{ type: "base64", media_type: "application/pdf", data: doc.toString("base64") }], "the earlier message's PDF");
    assert.equal(downloads(), 1);
    claude.enqueue({ text: "Still two pages." });
    discord.say({ channelId: thread.id, authorId: world.max.id, content: `${h.mention} and now?` });
    await waitFor(() => discord.botMessagesIn(thread.id).at(-1)?.content === "Still two pages.", 5000, "second reply");
    assert.equal(downloads(), 1, "a held message's files are not downloaded again");
  });

  it("continues a long reply (4,500 characters) in three messages with every word and whole code fences", async () => {
    const { discord, world, claude } = h;
    const prose = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word} ${i}.`).join(" ");
    const code = Array.from({ length: 55 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`).join("\n");
    const text = `${prose(33, "Intro sentence")}\n\n\`\`\`ts\n${code}\n\`\`\`\n\n${prose(90, "Closing remark")}`;
    assert.ok(text.length > 4400 && text.length < 4700, `text is ${text.length} characters`);
    claude.enqueue({ text, chunkSize: 400 });
    const channel = world.general.id;
    const already = discord.botMessagesIn(channel).length;
    discord.say({ channelId: channel, authorId: world.ada.id, content: `${h.mention} write a lot` });
    await waitFor(() => discord.botMessagesIn(channel).length === already + 3, 10000, "three messages");
    const parts = () => discord.botMessagesIn(channel).slice(already).map((m) => m.content);
    await waitFor(() => words(parts().join("\n")) === words(text), 15000, "every word");
    for (const [i, p] of parts().entries()) {
      assert.ok(p.length <= MAX_MESSAGE_LENGTH, `part ${i} has ${p.length} characters`);
      assert.equal(fenceLines(p) % 2, 0, `part ${i} opens and closes its code fences`);
    }
    assert.equal(fenceLines(parts().join("\n")), fenceLines(text) + 2, "one fence closed and reopened at a split");
    // Each part replies to the one before, so the chain stays walkable.
    const ids = discord.botMessagesIn(channel).slice(already);
    assert.equal(ids[1]!.reference?.messageId, ids[0]!.id);
    assert.equal(ids[2]!.reference?.messageId, ids[1]!.id);
  });

  it("waits out edit 429s and still lands the final text", async () => {
    const { discord, world, claude } = h;
    const text = Array.from({ length: 10 }, (_, i) => `Point ${i + 1}: keep going.`).join("\n");
    discord.limiter.script({ method: "PATCH", path: /^\/channels\/\d+\/messages\/\d+$/, times: 2, retryAfterSeconds: 0.4 });
    // Streams for ~12 s: the previous test spent this channel's post budget (5 per 5.5 s), and a
    // reply that ends while waiting for a post slot is posted whole, with no edit to refuse.
    claude.enqueue({ text, chunkSize: 10, chunkDelayMs: 450 });
    const channel = world.general.id;
    const already = discord.botMessagesIn(channel).length;
    const limitedBefore = discord.limiter.limited.length;
    discord.say({ channelId: channel, authorId: world.ada.id, content: `${h.mention} list ten points` });
    await waitFor(() => discord.botMessagesIn(channel)[already]?.content === text, 30000, "final text");
    const reply = discord.botMessagesIn(channel)[already]!;
    const patches = discord.callsTo("PATCH", new RegExp(`/messages/${reply.id}$`));
    assert.equal(discord.limiter.limited.length - limitedBefore, 2, "two edits were refused with 429");
    assert.deepEqual(
      patches.filter((c) => c.status === 429).length,
      2,
    );
    const landed = patches.filter((c) => c.status === 200);
    assert.equal((landed.at(-1)!.body as { content: string }).content, text, "the last edit is the whole text");
    assert.ok(landed.length < Math.ceil(text.length / 10), "stale edits were coalesced, not replayed one by one");
  });

  it("answers every DM, as one running conversation per DM channel", async () => {
    const { discord, world, claude } = h;
    const dm = world.adaDM.id;
    claude.enqueue({ text: "Hello Ada!" });
    discord.say({ channelId: dm, authorId: world.ada.id, content: "hi there" });
    await waitFor(() => discord.botMessagesIn(dm)[0]?.content === "Hello Ada!", 5000, "first DM reply");
    assert.equal(discord.botMessagesIn(dm)[0]!.reference, undefined, "a DM reply is a plain message");
    assert.ok((discord.typing.get(dm) ?? []).length >= 1, "typing shown in the DM");
    claude.enqueue({ text: "You said hi." });
    discord.say({ channelId: dm, authorId: world.ada.id, content: "what did I say?" });
    await waitFor(() => discord.botMessagesIn(dm)[1]?.content === "You said hi.", 5000, "second DM reply");
    const turns = claudeTurns(claude, claude.messageRequests().length - 1);
    assert.deepEqual(
      turns.map((t) => [t.role, t.text]),
      [
        ["user", "hi there"],
        ["assistant", "Hello Ada!"],
        ["user", "what did I say?"],
      ],
    );
  });

  it("reads a DM's messages sent while Palaver was away (no event for them) into the conversation", async () => {
    const { discord, world, claude } = h;
    const s = discord.state;
    const dm = s.addDM(world.max.id).id;
    // Written while Palaver was down: stored by Discord, never delivered as events.
    s.addMessage({ channelId: dm, authorId: world.max.id, content: "My server is called Orion." });
    s.addMessage({ channelId: dm, authorId: world.max.id, content: "It runs Debian." });
    claude.enqueue({ text: "Orion on Debian, noted." });
    discord.say({ channelId: dm, authorId: world.max.id, content: "what do you know about my server?" });
    await waitFor(() => discord.botMessagesIn(dm)[0]?.content === "Orion on Debian, noted.", 5000, "DM reply");
    assert.equal(discord.callsTo("GET", new RegExp(`/channels/${dm}/messages$`)).length, 1, "one bounded read of the DM");
    const turns = claudeTurns(claude, claude.messageRequests().length - 1);
    assert.equal(turns.length, 1);
    assert.match(turns[0]!.text, /My server is called Orion\.[\s\S]*It runs Debian\.[\s\S]*what do you know about my server\?$/);
  });
});

describe("discord attachments", () => {
  let h: DiscordHarness;

  before(async () => {
    h = await startDiscordHarness();
  });
  after(async () => {
    await h.close();
  });

  it("downloads an image attached to the message and hands it to Claude", async () => {
    const { discord, world, claude } = h;
    const bytes = png(64, 48);
    const image = discord.addAttachment("chart.png", "image/png", bytes);
    const notes = discord.addAttachment("notes.txt", "text/plain", Buffer.from("the text file's words"));
    claude.enqueue({ text: "A chart." });
    discord.say({ channelId: world.adaDM.id, authorId: world.ada.id, content: "what is this?", attachments: [image, notes] });
    await waitFor(() => discord.botMessagesIn(world.adaDM.id)[0]?.content === "A chart.", 5000, "reply");
    const body = asMessagesBody(claude.messageRequests().at(-1)!.body);
    const blocks = body.messages.at(-1)!.content;
    assert.ok(Array.isArray(blocks));
    const images = blocks.filter((b) => b.type === "image");
    assert.equal(images.length, 1, "the image");
    assert.deepEqual(images[0]!.source, { type: "base64", media_type: "image/png", data: bytes.toString("base64") });
    const docs = blocks.filter((b) => b.type === "document");
    assert.deepEqual(
      docs.map((d) => [d.title, d.source]),
      [["notes.txt", { type: "text", media_type: "text/plain", data: "the text file's words" }]],
      "the text file as a plain-text document named after it",
    );
  });

  it("a PDF is a document; a link the CDN refuses and an unreadable type are named in notes", async () => {
    const { discord, world, claude } = h;
    const doc = await pdf(3);
    const report = discord.addAttachment("report.pdf", "application/pdf", doc, world.adaDM.id);
    const stale = discord.addAttachment("old.png", "image/png", png(10, 10), world.adaDM.id);
    const unsigned = { ...stale, url: stale.url.replace(/\?.*$/, "") };
    const archive = discord.addAttachment("logs.tar.gz", "application/gzip", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), world.adaDM.id);
    claude.enqueue({ text: "A three-page report." });
    discord.say({ channelId: world.adaDM.id, authorId: world.ada.id, content: "and these?", attachments: [report, unsigned, archive] });
    await waitFor(() => (discord.botMessagesIn(world.adaDM.id).at(-1)?.content ?? "").startsWith("A three-page report."), 5000, "reply");
    const blocks = asMessagesBody(claude.messageRequests().at(-1)!.body).messages.at(-1)!.content;
    assert.ok(Array.isArray(blocks));
    assert.deepEqual(blocks.filter((b) => b.type === "document").map((b) => b.source), [{ type: "base64", media_type: "application/pdf", data: doc.toString("base64") }]);
    const shown = discord.botMessagesIn(world.adaDM.id).at(-1)!.content;
    assert.match(shown, /“old\.png” could not be downloaded from Discord/);
    assert.match(shown, /“logs\.tar\.gz” is a type of file Palaver cannot read/);
    assert.ok(discord.cdnDownloads.some((d) => d.id === stale.id && d.status === 404));
  });
});

describe("discord thread mode where threads are not allowed", () => {
  let h: DiscordHarness;
  let locked = "";

  before(async () => {
    h = await startDiscordHarness({
      setup(discord, world) {
        // #no-threads: @everyone may talk but not open threads.
        locked = discord.state.addTextChannel(world.guild.id, "no-threads", [
          { id: world.guild.id, type: 0, allow: 0n, deny: Perm.CreatePublicThreads },
        ]).id;
      },
    });
  });
  after(async () => {
    await h.close();
  });

  it("replies to the message instead, and the reply chain continues", async () => {
    const { discord, world, claude } = h;
    claude.enqueue({ text: "No thread here, replying inline." });
    const question = discord.say({ channelId: locked, authorId: world.ada.id, content: `${h.mention} can you hear me?` });
    await waitFor(() => discord.botMessagesIn(locked)[0]?.content === "No thread here, replying inline.", 5000, "reply");
    assert.equal(discord.botMessagesIn(locked)[0]!.reference?.messageId, question.id);
    assert.equal(discord.callsTo("POST", /\/threads$/).length, 0, "discord.js's permission check spared a 403");
    claude.enqueue({ text: "Still here." });
    discord.say({ channelId: locked, authorId: world.ada.id, content: "still there?", replyTo: discord.botMessagesIn(locked)[0]!.id });
    await waitFor(() => discord.botMessagesIn(locked)[1]?.content === "Still here.", 5000, "chain reply");
  });

  it("falls back the same way when Discord refuses the thread (50013)", async () => {
    const { discord, world, claude } = h;
    // Permissions changed after discord.js cached the channel: only Discord knows.
    discord.state.channel(world.general.id).overwrites.push({ id: world.guild.id, type: 0, allow: 0n, deny: Perm.CreatePublicThreads });
    claude.enqueue({ text: "Inline after a 403." });
    const question = discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} try a thread` });
    await waitFor(() => discord.botMessagesIn(world.general.id)[0]?.content === "Inline after a 403.", 5000, "reply");
    assert.deepEqual(
      discord.callsTo("POST", /\/threads$/).map((c) => c.status),
      [403],
    );
    assert.equal(discord.botMessagesIn(world.general.id)[0]!.reference?.messageId, question.id);
  });
});
