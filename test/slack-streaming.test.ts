// The Slack reply surface against the fake Slack: native streams and their fall-back to post +
// chat.update, 429s, long replies and Markdown rendering. Real Bolt over HTTP, real core.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALICE, BOT, GENERAL, type FakeMessage } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";
import { mention, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";

const INDICATOR = " ▍";

async function ask(h: SlackHarness, text: string): Promise<string> {
  const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} ${text}` });
  return said.ts;
}

async function replyIn(h: SlackHarness, threadTs: string, timeoutMs = 10_000): Promise<FakeMessage[]> {
  await waitFor(
    () => {
      const msgs = h.slack.botMessages(GENERAL.id, threadTs);
      return msgs.length > 0 && msgs.every((m) => !m.streaming) && h.app.bot.activeConversations === 0;
    },
    timeoutMs,
    "the reply to finish",
  );
  await h.slack.settle();
  return h.slack.botMessages(GENERAL.id, threadTs);
}

/** Every text the message showed was a prefix of its final text (nothing repeated or lost). */
function assertGrewMonotonically(m: FakeMessage): void {
  const final = m.text;
  for (const v of m.versions) {
    const body = v.endsWith(INDICATOR) ? v.slice(0, -INDICATOR.length) : v;
    assert.ok(final.startsWith(body), `version ${JSON.stringify(v.slice(0, 60))}… is a prefix of the final text`);
  }
}

const words = (n: number) =>
  Array.from({ length: n }, (_, i) => ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"][i % 6]! + i).join(" ");

describe("slack streaming: native streams and their fall-back", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(async () => {
    await h.close();
  });

  test("an appendStream failure mid-reply falls back to chat.update with the full text exactly once", async () => {
    const answer = words(60);
    h.claude.enqueue({ text: answer, chunkSize: 12, chunkDelayMs: 40 });
    let appends = 0;
    h.slack.api.fail({
      method: "chat.appendStream",
      error: "message_not_in_streaming_state",
      when: () => ++appends === 2,
    });
    const ts = await ask(h, "stream then break");
    const [reply, ...more] = await replyIn(h, ts);
    assert.equal(more.length, 0, "still one message");
    assert.equal(reply!.origin, "chat.startStream");
    assert.equal(reply!.text, answer);
    assertGrewMonotonically(reply!);
    assert.ok(h.slack.api.callsTo("chat.update").some((c) => c.ok), "the rest came through chat.update");
    assert.equal(reply!.text.split("alpha0").length, 2, "the opening words appear once");
  });

  test("a stopStream failure on the final edit still leaves exactly the full text", async () => {
    const answer = words(20);
    h.claude.enqueue({ text: answer, chunkSize: 20, chunkDelayMs: 30 });
    h.slack.api.fail({ method: "chat.stopStream", error: "internal_error" });
    const ts = await ask(h, "stop fails");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.text, answer);
    assertGrewMonotonically(reply!);
  });

  test("startStream refused (missing_recipient_team_id) → the reply is posted and updated instead", async () => {
    const answer = words(30);
    h.claude.enqueue({ text: answer, chunkSize: 10, chunkDelayMs: 40 });
    h.slack.api.fail({ method: "chat.startStream", error: "missing_recipient_team_id" });
    const ts = await ask(h, "no stream for me");
    const [reply, ...more] = await replyIn(h, ts);
    assert.equal(more.length, 0);
    assert.equal(reply!.origin, "chat.postMessage");
    assert.equal(reply!.text, answer);
    assertGrewMonotonically(reply!);
    // That error concerns one stream, not the workspace: the next reply streams natively again.
    h.claude.enqueue({ text: "Streaming again." });
    const next = await ask(h, "and now?");
    const [again] = await replyIn(h, next);
    assert.equal(again!.origin, "chat.startStream");
    assert.equal(again!.text, "Streaming again.");
  });

  test("a 6,000-character reply arrives whole, across several messages in the thread", async () => {
    const paragraphs = Array.from({ length: 20 }, (_, i) => `Paragraph ${i}: ${words(45)}.`);
    const answer = paragraphs.join("\n\n");
    assert.ok(answer.length >= 6000);
    h.claude.enqueue({ text: answer, chunkSize: 150, chunkDelayMs: 5 });
    const ts = await ask(h, "write a lot");
    const replies = await replyIn(h, ts, 15_000);
    assert.ok(replies.length >= 2, `split over ${replies.length} messages`);
    for (const m of replies) {
      assert.ok(m.text.length <= 4000, `message of ${m.text.length} chars fits the limit`);
      assert.ok(!m.streaming);
    }
    const norm = (s: string) => s.replace(/\s+/g, " ").trim();
    assert.equal(norm(replies.map((m) => m.text).join("\n\n")), norm(answer));
    assert.equal(h.claude.messageRequests().at(-1) !== undefined, true);
  });

  test("Markdown goes to a native stream unchanged (Slack renders it)", async () => {
    const md = "# Title\n\nSome **bold** text and `code`.\n\n```js\nconst a = 1 < 2 && 3 > 2;\n```";
    h.claude.enqueue({ text: md, chunkSize: 7, chunkDelayMs: 10 });
    const ts = await ask(h, "markdown please");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.origin, "chat.startStream");
    assert.equal(reply!.text, md);
  });
});

describe("slack streaming: a workspace without native streaming (post + chat.update)", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
    // As on GovSlack: the streaming methods do not exist.
    h.slack.api.disable("chat.startStream", "chat.appendStream", "chat.stopStream");
  });
  afterEach(() => {
    h.slack.api.limiter.setRules({});
  });
  after(async () => {
    await h.close();
  });

  test("edits show the growing text with an indicator, and the final text without it", async () => {
    const answer = words(40);
    h.claude.enqueue({ text: answer, chunkSize: 8, chunkDelayMs: 50 });
    const ts = await ask(h, "classic please");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.origin, "chat.postMessage");
    assert.equal(reply!.text, answer);
    assert.ok(reply!.versions.length >= 3, `several visible updates (saw ${reply!.versions.length})`);
    assert.ok(reply!.versions.slice(0, -1).every((v) => v.endsWith(INDICATOR)), "still-streaming versions show the indicator");
    assertGrewMonotonically(reply!);
    // After unknown_method once, the workspace is known not to stream: one attempt only.
    assert.equal(h.slack.api.callsTo("chat.startStream").length, 1);
  });

  test("a chat.update 429 is honoured (Retry-After) and the final text still lands", async () => {
    const answer = words(30);
    h.claude.enqueue({ text: answer, chunkSize: 10, chunkDelayMs: 30 });
    // One 429 on an intermediate edit, two in a row on the final one.
    h.slack.api.fail({ method: "chat.update", status: 429, retryAfterSeconds: 1 });
    h.slack.api.fail({
      method: "chat.update",
      status: 429,
      retryAfterSeconds: 1,
      times: 2,
      when: (p) => typeof p.text === "string" && !p.text.endsWith(INDICATOR),
    });
    const ts = await ask(h, "rate limit me");
    const [reply] = await replyIn(h, ts, 15_000);
    assert.equal(reply!.text, answer);
    assertGrewMonotonically(reply!);
    const updates = h.slack.api.callsTo("chat.update");
    assert.equal(updates.filter((c) => c.status === 429).length, 3);
    const lastLimited = updates.findLastIndex((c) => c.status === 429);
    const retry = updates[lastLimited + 1];
    assert.ok(retry && retry.ok, "the call after the last 429 succeeded");
    assert.ok(retry.at - updates[lastLimited]!.at >= 1000, "and waited for Retry-After");
  });

  test("Claude's Markdown is rendered as Slack mrkdwn, code blocks intact", async () => {
    const md = [
      "# Plan",
      "Here is **bold**, *italic*, ~~gone~~ and a [link](https://example.com/a?b=1&c=2).",
      "- first item",
      "- second with `inline <code>`",
      "1. one",
      "2. two",
      "> quoted **words**",
      "```ts",
      "const x = a && b; // **not bold** <tag> _nor italic_",
      "  indented();",
      "```",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
      "Mind <!channel> & snake_case_names.",
    ].join("\n");
    const expected = [
      "*Plan*",
      "Here is *bold*, _italic_, ~gone~ and a <https://example.com/a?b=1&amp;c=2|link>.",
      "• first item",
      "• second with `inline &lt;code&gt;`",
      "1. one",
      "2. two",
      "> quoted *words*",
      "```",
      "const x = a &amp;&amp; b; // **not bold** &lt;tag&gt; _nor italic_",
      "  indented();",
      "```",
      "```",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
      "```",
      "Mind &lt;!channel&gt; &amp; snake_case_names.",
    ].join("\n");
    h.claude.enqueue({ text: md, chunkSize: 9, chunkDelayMs: 10 });
    const ts = await ask(h, "format this");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.text, expected);
  });

  test("under Slack's enforced limits (chat.update 50/min, postMessage 1/s per channel) no 429 is caused", async () => {
    h.slack.api.limiter.setRules({
      "chat.update": { limit: 50, windowMs: 60_000, per: "workspace" },
      "chat.postMessage": { limit: 1, windowMs: 1_000, per: "channel" },
    });
    const answers = [words(25), words(26), words(27)];
    for (const text of answers) h.claude.enqueue({ text, chunkSize: 5, chunkDelayMs: 20 });
    const tss = await Promise.all(answers.map((_, i) => ask(h, `parallel ${i}`)));
    const replies = await Promise.all(tss.map((ts) => replyIn(h, ts, 15_000)));
    assert.deepEqual(
      replies.map((r) => r.map((m) => m.text)).sort(),
      answers.map((a) => [a]).sort(),
    );
    assert.equal(h.slack.api.limiter.total429s(), 0);
  });
});
