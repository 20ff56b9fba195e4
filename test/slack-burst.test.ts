// Slack under load, against a fake Slack enforcing Slack's windows (SLACK_LIMITS: each method's
// 60 s window per workspace, chat.postMessage 1 per second per channel, 429 + Retry-After):
// bursts are served from the windows at once without a 429, long replies keep streaming, and
// every chat.update Palaver sends (fallbacks included) draws from the chat.update window.
// Real Bolt over HTTP, real core. No timing assertions: figures are bench/slack.ts's job.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALICE, BOT, GENERAL, SLACK_LIMITS, TEAM } from "./fakes/slack/index.ts";
import { ask, assertGrewMonotonically, mention, replyIn, startSlackHarness, words, type SlackHarness } from "./helpers/slack.ts";
import { waitFor } from "./helpers/core.ts";
import { chatUpdateBudget, START_STREAM_PER_MINUTE } from "../adapters/slack/limits.ts";
import type { Budgets } from "../src/reply/rate-budgets.ts";

/** Ask `n` questions at once, channel i % channels.length; resolves with each question's thread. */
async function burst(h: SlackHarness, n: number, channels: string[]): Promise<{ channel: string; ts: string; text: string }[]> {
  const texts = Array.from({ length: n }, (_, i) => `Answer ${i}: ${words(40)}`);
  h.claude.setResponder((body) => {
    const i = Number(/question (\d+)/.exec(JSON.stringify(body.messages.at(-1)))?.[1]);
    return { text: texts[i]!, chunkSize: 16, chunkDelayMs: 25 };
  });
  return Promise.all(
    texts.map(async (text, i) => {
      const channel = channels[i % channels.length]!;
      const said = await h.slack.userSays({ user: ALICE.id, channel, text: `${mention(BOT.userId)} question ${i}` });
      return { channel, ts: said.ts, text };
    }),
  );
}

async function allFinished(h: SlackHarness, asked: { channel: string; ts: string; text: string }[]): Promise<void> {
  await waitFor(
    () =>
      h.app.bot.activeConversations === 0 &&
      asked.every((a) => {
        const msgs = h.slack.botMessages(a.channel, a.ts);
        return msgs.length > 0 && msgs.every((m) => !m.streaming);
      }),
    60_000,
    "every reply of the burst to finish",
  );
  await h.slack.settle();
}

describe("slack under load: Slack's windows enforced by the fake", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ slack: { rateLimits: SLACK_LIMITS } });
    for (let i = 0; i < 5; i++) h.slack.state.addChannel({ id: `C0LOAD${i}`, name: `load-${i}`, type: "channel" });
  });
  after(async () => {
    await h.close();
  });

  test("a burst within the window: 20 mentions in one channel all stream natively, every final exact, no 429", async () => {
    const asked = await burst(h, 20, [GENERAL.id]);
    await allFinished(h, asked);
    assert.equal(h.slack.api.limiter.total429s(), 0, "no call was rate limited");
    for (const a of asked) {
      const [reply, ...more] = h.slack.botMessages(a.channel, a.ts);
      assert.equal(more.length, 0);
      assert.equal(reply!.origin, "chat.startStream", "each reply opened its own stream, none queued on the per-channel post limit");
      assert.equal(reply!.text, a.text);
      assertGrewMonotonically(reply!);
    }
    assert.equal(h.slack.api.callsTo("chat.startStream").length, 20);
    assert.equal(h.slack.api.callsTo("chat.stopStream").length, 20, "every stream was stopped (each held its stop)");
  });

  test("past the stream starts' window: the rest are posted and updated, still exact and without a 429", async () => {
    // The previous test used all 20 stream starts of this minute.
    const asked = await burst(h, 8, ["C0LOAD0", "C0LOAD1", "C0LOAD2", "C0LOAD3", "C0LOAD4"]);
    await allFinished(h, asked);
    assert.deepEqual([...h.slack.api.limiter.limited], [], "no call was rate limited");
    for (const a of asked) {
      const [reply, ...more] = h.slack.botMessages(a.channel, a.ts);
      assert.equal(more.length, 0);
      assert.equal(reply!.origin, "chat.postMessage");
      assert.equal(reply!.text, a.text);
    }
    assert.equal(h.slack.api.callsTo("chat.startStream").length, START_STREAM_PER_MINUTE, "no start beyond the window");
    const budgets = h.app.bot.budgets as Budgets;
    assert.equal(
      budgets.used(chatUpdateBudget(TEAM.id)),
      h.slack.api.callsTo("chat.update").length,
      "every chat.update sent took a slot of the chat.update window",
    );
  });
});

describe("slack: long replies and repairs under the windows", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ slack: { rateLimits: SLACK_LIMITS } });
  });
  after(async () => {
    await h.close();
  });

  test("a long reply keeps streaming: the message it continues in opens its own native stream", async () => {
    const answer = Array.from({ length: 16 }, (_, i) => `Paragraph ${i}: ${words(45)}.`).join("\n\n");
    assert.ok(answer.length > 4000 && answer.length < 8000);
    // Slow enough that the second message is opened while Claude is still writing.
    h.claude.enqueue({ text: answer, chunkSize: 120, chunkDelayMs: 40 });
    const ts = await ask(h, "write a lot");
    const replies = await replyIn(h, ts, 20_000);
    assert.equal(replies.length, 2);
    assert.deepEqual(
      replies.map((m) => m.origin),
      ["chat.startStream", "chat.startStream"],
      "both messages are native streams",
    );
    const norm = (s: string) => s.replace(/\s+/g, " ").trim();
    assert.equal(norm(replies.map((m) => m.text).join("\n\n")), norm(answer));
    assert.equal(h.slack.api.limiter.total429s(), 0);
  });

  test("a fallback chat.update takes a chat.update slot", async () => {
    const budgets = h.app.bot.budgets as Budgets;
    const update = chatUpdateBudget(TEAM.id);
    const before = budgets.used(update);
    const updatesBefore = h.slack.api.callsTo("chat.update").length;
    const answer = words(60);
    h.claude.enqueue({ text: answer, chunkSize: 12, chunkDelayMs: 60 });
    let appends = 0;
    h.slack.api.fail({ method: "chat.appendStream", error: "message_not_in_streaming_state", when: () => ++appends === 2 });
    const ts = await ask(h, "stream then break");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.text, answer);
    const updates = h.slack.api.callsTo("chat.update").length - updatesBefore;
    assert.ok(updates >= 1, "the stream's failure was repaired with chat.update");
    assert.equal(budgets.used(update) - before, updates, "each repair drew one slot from the chat.update window");
  });

  test("a top-level mention starts a new thread and reads no thread; a mention inside a thread reads it", async () => {
    const reads = () => h.slack.api.callsTo("conversations.replies").length;
    const before = reads();
    h.claude.enqueue({ text: "First answer." }, { text: "Second answer." });
    const ts = await ask(h, "top level");
    await replyIn(h, ts);
    assert.equal(reads(), before, "no conversations.replies for a new thread");
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: ts, text: `${mention(BOT.userId)} in the thread` });
    await waitFor(() => h.slack.botMessages(GENERAL.id, ts).length === 2 && h.app.bot.activeConversations === 0, 10_000, "the second reply");
    assert.ok(reads() > before, "a reply inside a thread reads the thread first");
  });
});
