// The Slack reply surface in a workspace without native streaming (post + chat.update): growing
// edits, 429s, Markdown → mrkdwn, and Slack's rate limits enforced. Real Bolt over HTTP, real core.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { ask, assertGrewMonotonically, INDICATOR, replyIn, words } from "./helpers/slack.ts";

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
    // One 429 on an intermediate edit, one on the final one.
    h.slack.api.fail({ method: "chat.update", status: 429, retryAfterSeconds: 1 });
    h.slack.api.fail({
      method: "chat.update",
      status: 429,
      retryAfterSeconds: 1,
      when: (p) => typeof p.text === "string" && !p.text.endsWith(INDICATOR),
    });
    const ts = await ask(h, "rate limit me");
    const [reply] = await replyIn(h, ts, 15_000);
    assert.equal(reply!.text, answer);
    assertGrewMonotonically(reply!);
    const updates = h.slack.api.callsTo("chat.update");
    assert.equal(updates.filter((c) => c.status === 429).length, 2);
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
