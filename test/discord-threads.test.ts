// Discord, thread mode (the default), through the real discord.js against the fake Discord and
// the fake Claude: a mention opens a thread and streams the reply into it; the thread continues
// without mentions; a mention inside someone else's thread reads the thread; a replayed event
// never gets a second reply; names, edits and deletions reach the stored history.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { conversationId, messageId } from "../adapters/discord/ids.ts";
import { STREAMING_INDICATOR } from "../adapters/discord/limits.ts";
import { claudeTurns, startDiscordHarness, type DiscordHarness } from "./helpers/discord.ts";
import { waitFor } from "./helpers/core.ts";

const LONG_ANSWER = Array.from({ length: 12 }, (_, i) => `Line ${i + 1}: Paris is the capital of France.`).join("\n");

describe("discord threads", () => {
  let h: DiscordHarness;

  before(async () => {
    h = await startDiscordHarness();
  });
  after(async () => {
    await h.close();
  });

  it("opens a thread on a mention and streams the reply into it with several edits", async () => {
    const { discord, world, claude } = h;
    // ~560 characters in 28 chunks, 150 ms apart: about 4 s of streaming.
    claude.enqueue({ text: LONG_ANSWER, chunkSize: 20, chunkDelayMs: 150, firstTokenDelayMs: 300 });
    const question = discord.say({
      channelId: world.general.id,
      authorId: world.ada.id,
      content: `${h.mention} what is the capital of France?`,
    });
    await waitFor(() => discord.state.messages.get(question.id)?.threadId !== undefined, 5000, "thread");
    const threadId = discord.state.messages.get(question.id)!.threadId!;
    assert.equal(threadId, question.id, "a thread started from a message has its id");
    assert.equal(discord.state.channel(threadId).name, "what is the capital of France?");
    await waitFor(() => discord.botMessagesIn(threadId)[0]?.content === LONG_ANSWER, 15000, "final text");

    const replies = discord.botMessagesIn(threadId);
    assert.equal(replies.length, 1, "one message, edited");
    assert.equal(discord.botMessagesIn(world.general.id).length, 0, "nothing in the channel itself");
    assert.ok((discord.typing.get(threadId) ?? []).length >= 1, "typing shown in the thread before the first text");
    const edits = discord.callsTo("PATCH", new RegExp(`/channels/${threadId}/messages/${replies[0]!.id}$`));
    assert.ok(edits.length >= 2, `several edits (got ${edits.length})`);
    const streamed = edits.slice(0, -1).map((c) => (c.body as { content: string }).content);
    assert.ok(streamed.every((t) => t.endsWith(STREAMING_INDICATOR)), "intermediate edits carry the streaming indicator");
    assert.ok(streamed.every((t) => LONG_ANSWER.startsWith(t.slice(0, -STREAMING_INDICATOR.length))), "each edit is a prefix");
    const turns = claudeTurns(claude, 0);
    assert.equal(turns.length, 1);
    assert.match(turns[0]!.text, /@Palaver what is the capital of France\?/);
  });

  it("answers a later message in its thread without a mention, with the thread as history", async () => {
    const { discord, world, claude } = h;
    const threadId = [...discord.state.channels.values()].find((c) => c.name === "what is the capital of France?")!.id;
    claude.enqueue({ text: "About 2.1 million people." });
    discord.say({ channelId: threadId, authorId: world.ada.id, content: "and how many people live there?" });
    await waitFor(() => discord.botMessagesIn(threadId).length === 2, 5000, "second reply");
    await waitFor(() => discord.botMessagesIn(threadId)[1]!.content === "About 2.1 million people.", 5000, "second text");
    const turns = claudeTurns(claude, claude.messageRequests().length - 1);
    assert.deepEqual(
      turns.map((t) => t.role),
      ["user", "assistant", "user"],
    );
    assert.match(turns[0]!.text, /capital of France/);
    assert.equal(turns[1]!.text, LONG_ANSWER);
    assert.match(turns[2]!.text, /how many people live there\?/);
  });

  it("ignores messages in threads it is not part of, unless mentioned; then the thread is the conversation", async () => {
    const { discord, world, claude } = h;
    const s = discord.state;
    const thread = s.addThread(world.general.id, "design chat", world.ada.id);
    // Written before Palaver was asked: it never saw these as events.
    s.addMessage({ channelId: thread.id, authorId: world.ada.id, content: "Should we use SQLite or Postgres?" });
    s.addMessage({ channelId: thread.id, authorId: world.max.id, content: "SQLite is enough for one bot." });
    s.addMessage({ channelId: thread.id, authorId: s.bot.id, content: "An earlier answer of mine." });
    const helper = s.addUser("deploy-bot", { bot: true });
    s.addMessage({ channelId: thread.id, authorId: helper.id, content: "Deployed v2." });
    const before = claude.messageRequests().length;
    discord.say({ channelId: thread.id, authorId: world.ada.id, content: "just chatting, no bot here" });
    claude.enqueue({ text: "SQLite, with WAL mode." });
    discord.say({ channelId: thread.id, authorId: world.ada.id, content: `${h.mention} what do you think?` });
    await waitFor(() => discord.botMessagesIn(thread.id).at(-1)?.content === "SQLite, with WAL mode.", 5000, "reply in thread");
    assert.equal(claude.messageRequests().length, before + 1, "only the mention was answered");
    assert.equal(s.messages.get(thread.id), undefined, "no new thread inside a thread");
    const turns = claudeTurns(claude, before);
    assert.deepEqual(
      turns.map((t) => t.role),
      ["user", "assistant", "user"],
      "Palaver's own message is an assistant turn",
    );
    assert.match(turns[0]!.text, /Should we use SQLite or Postgres\?/);
    assert.match(turns[0]!.text, /Max the Admin: SQLite is enough for one bot\./);
    assert.equal(turns[1]!.text, "An earlier answer of mine.");
    assert.match(turns[2]!.text, /deploy-bot \(bot\): Deployed v2\./, "other bots are users");
    assert.match(turns[2]!.text, /just chatting, no bot here/);
    assert.match(turns[2]!.text, /@Palaver what do you think\?$/);
  });

  it("resolves user, role and channel mentions to names", async () => {
    const { discord, world, claude } = h;
    const role = [...discord.state.guild(world.guild.id).roles.values()].find((r) => r.name === "Admins")!;
    const before = claude.messageRequests().length;
    discord.say({
      channelId: world.general.id,
      authorId: world.max.id,
      content: `${h.mention.replace("<@", "<@!")} ask <@${world.ada.id}> and <@&${role.id}> in <#${world.general.id}>`,
    });
    await waitFor(() => claude.messageRequests().length === before + 1, 5000, "Claude request");
    const last = claudeTurns(claude, before).at(-1)!.text;
    assert.match(last, /@Palaver ask @Ada Lovelace and @Admins in #general/);
  });

  it("never answers a replayed MESSAGE_CREATE twice (gateway RESUME replays it)", async () => {
    const { discord, world, claude } = h;
    claude.enqueue({ text: "First and only answer." });
    const seqBefore = discord.gateway.sequence;
    const question = discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} replay me` });
    await waitFor(() => discord.botMessagesIn(question.id)[0]?.content === "First and only answer.", 5000, "reply");
    const requests = claude.messageRequests().length;

    // The connection drops; on RESUME Discord replays everything after seqBefore, the mention included.
    discord.gateway.dropConnection({ replayFromSeq: seqBefore });
    await waitFor(
      () => discord.gateway.replayed.some((e) => e.t === "MESSAGE_CREATE" && (e.d as { id: string }).id === question.id),
      10000,
      "the replayed mention",
    );
    // A later message in the thread queues behind anything the replay started in this conversation:
    // had the replay been answered, its reply would come before this one.
    claude.enqueue({ text: "Second question, second answer." });
    discord.say({ channelId: question.id, authorId: world.ada.id, content: "one more" });
    await waitFor(() => discord.botMessagesIn(question.id).length === 2, 5000, "follow-up reply");
    await waitFor(() => discord.botMessagesIn(question.id)[1]!.content === "Second question, second answer.", 5000, "text");
    assert.equal(discord.gateway.resumes, 1);
    assert.equal(claude.messageRequests().length, requests + 1, "one Claude request: the follow-up's");
    assert.deepEqual(
      discord.botMessagesIn(question.id).map((m) => m.content),
      ["First and only answer.", "Second question, second answer."],
    );
    assert.equal(discord.callsTo("POST", new RegExp(`/messages/${question.id}/threads$`)).length, 1, "one thread");
  });

  it("uses the message's existing thread when Discord says one exists (160004)", async () => {
    const { discord, world, claude } = h;
    const s = discord.state;
    // The thread was made, but discord.js never heard of it (a lost THREAD_CREATE); then the
    // mention is delivered.
    const question = s.addMessage({
      channelId: world.general.id,
      authorId: world.ada.id,
      content: `${h.mention} thread already there`,
      mentionUserIds: [s.bot.id],
    });
    const event = s.messageJson(question.id, { gateway: true }); // as first sent: no thread yet
    s.addThread(world.general.id, "thread already there", s.bot.id, question.id);
    question.threadId = question.id;
    claude.enqueue({ text: "Answered in the existing thread." });
    discord.gateway.dispatch("MESSAGE_CREATE", event);
    await waitFor(() => discord.botMessagesIn(question.id)[0]?.content === "Answered in the existing thread.", 5000, "reply");
    const calls = discord.callsTo("POST", new RegExp(`/messages/${question.id}/threads$`));
    assert.deepEqual(
      calls.map((c) => c.status),
      [400],
      "Discord refused a second thread (160004)",
    );
    assert.equal(discord.botMessagesIn(world.general.id).length, 0);
  });

  it("reflects people's edits and deletions in the stored history", async () => {
    const { discord, world, claude, app } = h;
    claude.enqueue({ text: "Noted." });
    const question = discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} remember 41` });
    await waitFor(() => discord.botMessagesIn(question.id)[0]?.content === "Noted.", 5000, "reply");
    const id = messageId({ guildId: world.guild.id, channelId: world.general.id, messageId: question.id });
    discord.userEdit(question.id, `${h.mention} remember 42`);
    await waitFor(async () => (await app.bot.conversations.get(id))?.content === "@Palaver remember 42", 5000, "edit stored");
    const note = discord.say({ channelId: question.id, authorId: world.ada.id, content: "(ignore this)" });
    const noteId = messageId({ guildId: world.guild.id, channelId: question.id, messageId: note.id });
    await waitFor(async () => (await app.bot.conversations.get(noteId)) !== undefined, 5000, "follow-up stored");
    discord.userDelete(note.id);
    await waitFor(async () => (await app.bot.conversations.get(noteId))?.status === "deleted", 5000, "deletion stored");
    const conv = conversationId({ kind: "thread", guildId: world.guild.id, threadId: question.id });
    const live = (await app.bot.conversations.list(conv)).map((m) => m.content);
    assert.ok(live.includes("@Palaver remember 42"));
    assert.ok(!live.includes("(ignore this)"));
  });
});
