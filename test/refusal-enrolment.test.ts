// Issue 9, item 7: a refusal does not enrol Palaver in a thread. Slack answers follow-ups only in
// threads where "Palaver was mentioned or answered here"; Discord answers a thread without a
// mention only when Palaver is part of it. A mention that was refused (rate limit, budget, access
// list) is not an answer: later unmentioned messages in that thread are chatter between people.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALICE, BOB, BOT, CAROL, GENERAL } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";
import { mention, replyIn, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { startDiscordHarness, type DiscordHarness } from "./helpers/discord.ts";

describe("slack: a refused mention does not enrol Palaver in the thread", () => {
  let h: SlackHarness;
  before(async () => {
    // One request per hour per user: Alice's second mention is refused by the rate limit.
    h = await startSlackHarness({ mode: "http", env: { PALAVER_USER_RATE: "1/hour" } });
  });
  after(async () => {
    await h.close();
  });

  test("after a rate-limit refusal, a follow-up without a mention gets no reply", async () => {
    h.claude.enqueue({ text: "First answer." });
    const first = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} hello` });
    await replyIn(h, first.ts);
    const refused = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} again` });
    const [refusal] = await replyIn(h, refused.ts);
    assert.match(refusal!.text, /limit of 1 request per hour/, "the refusal names the limit");
    const requests = h.claude.messageRequests().length;

    // Bob (who has his own allowance) talks in that thread without mentioning Palaver.
    await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: refused.ts, text: "what do you think about it?" });
    // Barrier: Carol's question (a whole Claude round trip) lets the events before it finish.
    h.claude.enqueue({ text: "Barrier reached." });
    const carol = await h.slack.userSays({ user: CAROL.id, channel: GENERAL.id, text: `${mention(BOT.userId)} barrier` });
    const [barrierReply] = await replyIn(h, carol.ts);
    assert.equal(h.slack.botMessages(GENERAL.id, refused.ts).length, 1, "only the refusal is in the thread");
    assert.equal(h.claude.messageRequests().length, requests + 1, "only the barrier reached Claude");
    assert.equal(barrierReply!.text, "Barrier reached.");
  });
});

describe("discord: a refused mention does not enrol Palaver in the thread", () => {
  let h: DiscordHarness;
  before(async () => {
    // A workspace limit of 0 blocks every request (README, budgets).
    h = await startDiscordHarness({ env: { PALAVER_BUDGET_DAILY_USD: "0" } });
  });
  after(async () => {
    await h.close();
  });

  test("after a budget refusal in the thread it opened, a message without a mention gets no reply", async () => {
    const { discord, world, claude } = h;
    const question = discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} can you help?` });
    await waitFor(() => discord.state.messages.get(question.id)?.threadId !== undefined, 5000, "thread");
    const threadId = discord.state.messages.get(question.id)!.threadId!;
    await waitFor(() => discord.botMessagesIn(threadId).length === 1, 5000, "the refusal");
    assert.match(discord.botMessagesIn(threadId)[0]!.content, /budget/);

    discord.say({ channelId: threadId, authorId: world.ada.id, content: "hello? anyone?" });
    // Barrier: a mention in the same thread is refused again (a visible answer), so the
    // unmentioned message before it (same channel, handled in order) has been decided by then.
    discord.say({ channelId: threadId, authorId: world.ada.id, content: `${h.mention} and now?` });
    await waitFor(() => discord.botMessagesIn(threadId).length >= 2, 5000, "the second refusal");
    await waitFor(() => h.app.bot.activeConversations === 0, 5000, "nothing running");
    assert.equal(discord.botMessagesIn(threadId).length, 2, "two refusals, one per mention; nothing for the unmentioned message");
    assert.equal(claude.messageRequests().length, 0);
  });
});
