// The Slack reply surface in a workspace without native streaming (post + chat.update): growing
// edits, 429s, Markdown blocks (mrkdwn for notifications), and Slack's rate limits enforced. Real Bolt over HTTP, real core.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { ask, assertGrewMonotonically, INDICATOR, replyIn, words } from "./helpers/slack.ts";

import { markdownToMrkdwn } from "../adapters/slack/mrkdwn.ts";
import { slackPings } from "./fakes/slack/mentions.ts";

const WJ = "\u2060";

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

  test("Claude's Markdown is sent as a markdown block, with mrkdwn only for the notification text", async () => {
    const md = [
      "# Plan",
      "Here is **bold**, *italic*, ~~gone~~ and a [link](https://example.com/a?b=1&c=2).",
      "- first item",
      "- second with `inline <code>`",
      "",
      "```ts",
      "const x = a && b; // **not bold** <tag> _nor italic_",
      "  indented();",
      "```",
      "",
      "Mind <!channel> & snake_case_names.",
    ].join("\n");
    h.claude.enqueue({ text: md, chunkSize: 9, chunkDelayMs: 10 });
    const ts = await ask(h, "format this");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.format, "markdown", "shown from a markdown block");
    assert.equal(reply!.text, md.replace("<!channel>", `<${WJ}!channel>`), "the Markdown as Claude wrote it, the mention defused");
    const notification = reply!.apiText!;
    assert.match(notification, /^\*Plan\*\n/);
    assert.ok(notification.includes("<https://example.com/a?b=1&amp;c=2|link>"), notification);
    assert.ok(notification.includes("```\nconst x = a &amp;&amp; b; // **not bold** &lt;tag&gt; _nor italic_\n  indented();\n```"));
    assert.ok(!notification.includes("<!channel>"), "no live mention in the notification");
    assert.deepEqual(slackPings({ text: notification, blocks: reply!.blocks }), [], "the message notifies nobody");
    // Every update carried the markdown block, so no text-only update left stale blocks behind.
    for (const call of h.slack.api.callsTo("chat.update").filter((c) => c.params.ts === reply!.ts)) {
      assert.ok(call.params.blocks !== undefined, "chat.update sends blocks");
    }
  });

  test("when Slack refuses the markdown block, the message is sent as mrkdwn text and earlier blocks are removed", async () => {
    const md = "Some **bold** words, then a list:\n\n- one\n- two";
    h.claude.enqueue({ text: md, chunkSize: 6, chunkDelayMs: 30 });
    // The first post and the first update with a block are refused (a client without markdown blocks).
    const withBlock = (p: Record<string, unknown>) => p.blocks !== undefined && p.blocks !== "[]";
    h.slack.api.fail({ method: "chat.postMessage", error: "invalid_blocks", when: withBlock });
    h.slack.api.fail({ method: "chat.update", error: "invalid_blocks", when: withBlock });
    const ts = await ask(h, "refuse my blocks");
    const [reply] = await replyIn(h, ts);
    const posts = h.slack.api.callsTo("chat.postMessage").filter((c) => c.params.thread_ts === ts);
    assert.equal(posts[0]!.error, "invalid_blocks", "Slack refused the block");
    assert.ok(posts[1]!.ok && posts[1]!.params.blocks === undefined, "the post was sent again without it");
    assert.match(String(posts[1]!.params.text), /\*bold\*/, "as mrkdwn text");
    const updates = h.slack.api.callsTo("chat.update").filter((c) => c.params.ts === reply!.ts);
    const refused = updates.findIndex((c) => c.error === "invalid_blocks");
    if (refused >= 0) {
      assert.ok(updates[refused + 1]!.ok, "the refused update was sent again");
      assert.deepEqual(JSON.parse(String(updates[refused + 1]!.params.blocks)), [], "with blocks: [] so no old block stays");
      assert.equal(reply!.format, "mrkdwn");
    }
    // Nothing lost: the reply shows in full, as Markdown or (after a refusal) as its mrkdwn.
    assert.equal(reply!.text, reply!.format === "markdown" ? md : markdownToMrkdwn(md));
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
