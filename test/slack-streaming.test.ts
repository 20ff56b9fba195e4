// The Slack reply surface against the fake Slack: native streams and their fall-back to post +
// chat.update, 429s, long replies and Markdown rendering. Real Bolt over HTTP, real core.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { ask, assertGrewMonotonically, replyIn, words } from "./helpers/slack.ts";

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
    h.claude.enqueue({ text: answer, chunkSize: 12, chunkDelayMs: 100 });
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
    assert.ok(
      h.slack.api.callsTo("chat.appendStream").some((c) => c.error === "message_not_in_streaming_state"),
      "the stream did break mid-reply",
    );
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
    assert.ok(h.slack.api.callsTo("chat.stopStream").some((c) => c.error === "internal_error"), "the stop did fail");
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
    // Slow enough to outlast the channel's post window (1.1 s) left by the reply above: a reply
    // that ends before its first post is posted whole, without a stream.
    const againText = "Streaming again, in a few words.";
    h.claude.enqueue({ text: againText, chunkSize: 5, chunkDelayMs: 300 });
    const next = await ask(h, "and now?");
    const [again] = await replyIn(h, next);
    assert.equal(again!.origin, "chat.startStream");
    assert.equal(again!.text, againText);
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
    assert.ok(replies.every((m) => m.threadTs === ts), "every part is in the question's thread");
  });

  test("a refused thinking status costs nothing but the status: the reply arrives, and Slack is not asked again", async () => {
    h.slack.api.fail({ method: "assistant.threads.setStatus", error: "missing_scope" });
    const calls = () => h.slack.api.callsTo("assistant.threads.setStatus").length;
    const before = calls();
    h.claude.enqueue({ text: "No status, still here." }, { text: "Again." });
    const [first] = await replyIn(h, await ask(h, "status refused"));
    assert.equal(first!.text, "No status, still here.");
    assert.equal(calls(), before + 1);
    const [second] = await replyIn(h, await ask(h, "and again"));
    assert.equal(second!.text, "Again.");
    assert.equal(calls(), before + 1, "not asked again in channels of this workspace");
  });

  test("Markdown goes to a native stream unchanged (Slack renders it)", async () => {
    const md = "# Title\n\nSome **bold** text and `code`.\n\n```js\nconst a = 1 < 2 && 3 > 2;\n```";
    // Slow enough to still be streaming when the channel's post budget frees up (a reply that
    // finishes while waiting for it is posted whole, with chat.postMessage).
    h.claude.enqueue({ text: md, chunkSize: 7, chunkDelayMs: 150 });
    const ts = await ask(h, "markdown please");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.origin, "chat.startStream");
    assert.equal(reply!.text, md);
  });
});
