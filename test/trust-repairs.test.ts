// Issue 9, item 3: repairs that show. Each repair Palaver makes with chat.update must change what a
// person sees, not only a message's notification `text`: Slack draws a message from its blocks and
// keeps them across an update that leaves them out (chat.update docs), and a streamed message is
// made of Markdown chunks. So every assertion here reads the fake Slack's rendered view
// (renderedView / FakeSlack.rendered: blocks, else text), after each kind of repair:
//   a. a native stream that breaks (or is refused) and is finished with chat.update;
//   b. the first message of a split, sealed with its final part after streaming past the cut;
//   c. Claude failing mid-reply: the text shown so far plus the interrupted note;
//   d. crash recovery: the next start finishes a dead process's messages with the interrupted note.
// Each fails when Palaver sends `text` alone for that repair (checked by hand; see the issue notes).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { ALICE, BOT, GENERAL, renderedView, startFakeSlack, type FakeMessage, type FakeSlack } from "./fakes/slack/index.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { killAll, runEntry, type Running } from "./helpers/process.ts";
import { ask, mention, replyIn, startSlackHarness, words, type SlackHarness } from "./helpers/slack.ts";
import { INTERRUPTED_NOTE, STREAM_BROKE_NOTE } from "../src/reply/notes.ts";

/** chat.update calls that changed message `ts`, and whether each carried blocks. */
function updatesOf(slack: FakeSlack, ts: string): { ok: boolean; withBlocks: boolean }[] {
  return slack.api
    .callsTo("chat.update")
    .filter((c) => c.params.ts === ts)
    .map((c) => ({ ok: c.ok, withBlocks: c.params.blocks !== undefined }));
}

/** Distinct words unlike words(): "w0x w1x …" (so a repeated or lost stretch is easy to see). */
const otherWords = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}x`).join(" ");

describe("repairs that show (native streaming on)", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(async () => {
    await h.close();
  });

  test("a: a native stream that breaks mid-reply, or is refused, ends showing the whole reply", async () => {
    // The stream breaks after some text reached the screen: the same message is finished by chat.update.
    const answer = words(60);
    h.claude.enqueue({ text: answer, chunkSize: 12, chunkDelayMs: 100 });
    let appends = 0;
    h.slack.api.fail({ method: "chat.appendStream", error: "message_not_in_streaming_state", when: () => ++appends === 2 });
    const [broken, ...more] = await replyIn(h, await ask(h, "stream then break"));
    assert.equal(more.length, 0, "one message");
    assert.equal(broken!.origin, "chat.startStream");
    assert.ok(h.slack.api.callsTo("chat.appendStream").some((c) => c.error === "message_not_in_streaming_state"), "the stream did break");
    const streamedBeforeBreak = broken!.versions.find((v) => v !== "" && v.length < answer.length);
    assert.ok(streamedBeforeBreak !== undefined && answer.startsWith(streamedBeforeBreak), "a prefix was on screen when the stream broke");
    assert.ok(updatesOf(h.slack, broken!.ts).some((u) => u.ok), "the rest came through chat.update");
    assert.equal(renderedView(broken!), answer, "what a person sees is the whole reply, once");

    // The stream is refused at its start: a new message is posted and finished by chat.update.
    const refusedAnswer = otherWords(40);
    h.claude.enqueue({ text: refusedAnswer, chunkSize: 10, chunkDelayMs: 100 });
    h.slack.api.fail({ method: "chat.startStream", error: "missing_recipient_team_id" });
    const thread = await ask(h, "no stream for me");
    const [posted, ...others] = await replyIn(h, thread);
    assert.equal(others.length, 0, "one message");
    assert.equal(posted!.origin, "chat.postMessage", "the fallback posted a new message");
    assert.ok(updatesOf(h.slack, posted!.ts).some((u) => u.ok), "it was finished by chat.update");
    assert.deepEqual(h.slack.rendered(GENERAL.id, thread), [refusedAnswer], "what a person sees is the whole reply");
  });

  test("b: the first message of a split shows exactly the first part, not what was streamed past the cut", async () => {
    // A paragraph, a break, then one long paragraph: the split falls at the break (split.ts), well
    // before the 4,000 characters the first message had streamed by the time the reply outgrew it.
    const first = words(200);
    const second = otherWords(600);
    assert.ok(first.length > 4_000 / 3 && first.length < 2_000, `first paragraph: ${first.length} chars`);
    assert.ok(first.length + 2 + second.length > 4_000, "the reply outgrows one message");
    h.claude.enqueue({ text: `${first}\n\n${second}`, chunkSize: 50, chunkDelayMs: 40 });
    const thread = await ask(h, "a long one");
    const messages = await replyIn(h, thread, 20_000);
    assert.equal(messages.length, 2, "two messages");
    const [head, tail] = messages as [FakeMessage, FakeMessage];
    assert.equal(head.origin, "chat.startStream");
    assert.ok(
      head.versions.some((v) => v.length > first.length + 2 && v.startsWith(`${first}\n\n`)),
      "the first message had streamed past the cut before the split",
    );
    assert.ok(updatesOf(h.slack, head.ts).some((u) => u.ok), "its final text came by chat.update");
    const [shownHead, shownTail] = h.slack.rendered(GENERAL.id, thread);
    assert.equal(shownHead!.trimEnd(), first, "the first message shows the first part, nothing of the second");
    assert.equal(shownTail!.trim(), second, "the second message shows the rest");
    assert.ok(!tail.streaming);
  });

  test("c: Claude failing mid-reply leaves the text shown so far plus the note, streamed or updated", async () => {
    const text = words(150);
    const afterChars = 600;
    const expected = `${text.slice(0, afterChars)}\n\n${STREAM_BROKE_NOTE}`;

    // On a native stream: the note ends the stream.
    h.claude.enqueue({ text, chunkSize: 10, chunkDelayMs: 30, midStreamError: { afterChars, type: "overloaded_error" } });
    const streamedThread = await ask(h, "break on a stream");
    const [streamed] = await replyIn(h, streamedThread);
    assert.equal(streamed!.origin, "chat.startStream");
    assert.deepEqual(h.slack.rendered(GENERAL.id, streamedThread), [expected]);

    // Post + chat.update (a workspace without native streaming): the note comes by chat.update.
    const classic = await startSlackHarness({ adapter: { nativeStreaming: false }, claude: h.claude });
    try {
      h.claude.enqueue({ text, chunkSize: 10, chunkDelayMs: 30, midStreamError: { afterChars, type: "overloaded_error" } });
      const thread = await ask(classic, "break on post and update");
      const [updated, ...more] = await replyIn(classic, thread);
      assert.equal(more.length, 0);
      assert.equal(updated!.origin, "chat.postMessage");
      assert.ok(updatesOf(classic.slack, updated!.ts).some((u) => u.ok), "the note came by chat.update");
      assert.deepEqual(classic.slack.rendered(GENERAL.id, thread), [expected], "the text shown so far, then the note");
    } finally {
      await classic.close();
    }
  });
});

describe("repairs that show after a crash", () => {
  let slack: FakeSlack;
  let claude: FakeClaude;
  const running: Running[] = [];

  before(async () => {
    slack = await startFakeSlack();
    claude = await startFakeClaude();
  });
  after(async () => {
    await killAll(running);
    await slack.close();
    await claude.close();
  });

  /** `npm start`'s entry in Socket Mode on `databasePath`, as an operator runs it. */
  async function start(databasePath: string): Promise<Running> {
    const r = runEntry("adapters/main.ts", {
      PALAVER_ENV: "test",
      ANTHROPIC_API_KEY: "sk-test-repairs-0001",
      ANTHROPIC_BASE_URL: claude.url,
      DATABASE_PATH: databasePath,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      LOG_LEVEL: "info",
    });
    running.push(r);
    await waitFor(() => r.stderr().includes("Palaver is running") && slack.socket.connected, 30_000, "the bot to start").catch((err: Error) => {
      throw new Error(`${err.message}; stderr: ${r.stderr().slice(-2000)}`);
    });
    return r;
  }

  const say = async (text: string) => (await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} ${text}` })).ts;
  const only = (thread: string): FakeMessage => {
    const [m, ...more] = slack.botMessages(GENERAL.id, thread);
    assert.ok(m && more.length === 0, "one message in the thread");
    return m;
  };

  test("d: after a SIGKILL mid-reply, the next start finishes each cut message with the note a person can see", { timeout: 90_000 }, async () => {
    const databasePath = tempDbPath();
    // Two slow replies (about 15 s of streaming each), cut in the middle: one on a native stream,
    // one on post + chat.update (its stream start was refused).
    const streamedText = words(400);
    const postedText = otherWords(500);
    claude.enqueue({ text: streamedText, chunkSize: 10, chunkDelayMs: 50 }, { text: postedText, chunkSize: 10, chunkDelayMs: 50 });
    const first = await start(databasePath);
    const streamedThread = await say("tell me a long story");
    await waitFor(() => (slack.botMessages(GENERAL.id, streamedThread)[0]?.versions.length ?? 0) >= 3, 15_000, "the first reply to stream");
    slack.api.fail({ method: "chat.startStream", error: "missing_recipient_team_id" });
    const postedThread = await say("and another one");
    await waitFor(() => (slack.botMessages(GENERAL.id, postedThread)[0]?.versions.length ?? 0) >= 3, 15_000, "the second reply to be updated");
    first.child.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    const streamed = only(streamedThread);
    const posted = only(postedThread);
    assert.ok(streamed.streaming && streamed.origin === "chat.startStream", "a native stream was left open");
    assert.ok(!posted.streaming && posted.origin === "chat.postMessage", "a posted message was left mid-update");
    const shownAtCrash = [renderedView(streamed), renderedView(posted)];
    const updatesBefore = [updatesOf(slack, streamed.ts).length, updatesOf(slack, posted.ts).length];

    const second = await start(databasePath);
    const noted = (m: FakeMessage) => renderedView(m).endsWith(INTERRUPTED_NOTE);
    await waitFor(() => noted(only(streamedThread)) && noted(only(postedThread)), 30_000, "the note on both messages").catch((err: Error) => {
      const seen = [streamedThread, postedThread].map((t) => JSON.stringify(renderedView(only(t)).slice(-120)));
      throw new Error(`${err.message}; a person sees …${seen.join(" and …")}; stderr: ${second.stderr().slice(-1500)}`);
    });
    for (const [i, [m, text]] of ([[only(streamedThread), streamedText], [only(postedThread), postedText]] as const).entries()) {
      assert.ok(!m.streaming);
      const updates = updatesOf(slack, m.ts).slice(updatesBefore[i]);
      assert.ok(updates.some((u) => u.ok && u.withBlocks), "the recovery's chat.update carried blocks");
      const body = renderedView(m).slice(0, -INTERRUPTED_NOTE.length).trimEnd();
      assert.ok(body.length > 0 && text.startsWith(body), `what was shown before the crash is kept: ${JSON.stringify(body.slice(-60))}`);
      const atCrash = shownAtCrash[i]!.replace(/ ▍$/, "");
      assert.ok(atCrash.startsWith(body) || body.startsWith(atCrash), "and it is what was on screen at the crash");
    }
    assert.equal(claude.messageRequests().length, 2, "nothing was asked again by itself");
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0);
  });
});
