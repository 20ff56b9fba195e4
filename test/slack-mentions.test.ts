// Slack over HTTP (real Bolt, signed requests into /slack/events) with the fake Slack and the fake
// Claude: mentions, doubled and redelivered events, follow-ups, names, edits and signatures.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { asMessagesBody } from "./fakes/claude.ts";
import { ALICE, BOB, BOT, CAROL, GENERAL, sendSigned, eventEnvelope } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";
import { barrier, mention, SIGNING_SECRET, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { selectAll, selectOne } from "./helpers/db.ts";

/** Everything Claude was sent for the n-th request, as one string (for "did the names reach Claude"). */
function requestText(h: SlackHarness, n: number): string {
  const req = h.claude.messageRequests()[n];
  assert.ok(req, `Claude request #${n} exists`);
  return JSON.stringify(asMessagesBody(req.body).messages);
}

function finished(h: SlackHarness, threadTs: string, count = 1): () => boolean {
  return () => {
    const msgs = h.slack.botMessages(GENERAL.id, threadTs);
    return msgs.length >= count && msgs.every((m) => !m.streaming) && h.app.bot.activeConversations === 0;
  };
}

describe("slack: mentions over HTTP", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ mode: "http" });
  });
  after(async () => {
    await h.close();
  });

  test("a mention gets a streamed reply in its thread, with several visible updates, answered once", async () => {
    const answer = "Streaming works. ".repeat(12).trim();
    h.claude.enqueue({ text: answer, chunkSize: 6, chunkDelayMs: 80 });
    const before = h.claude.messageRequests().length;
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} please stream` });
    // Slack delivered it twice (message + app_mention), each acked with 200.
    assert.equal(said.envelopes.length, 2);
    assert.deepEqual(said.deliveries.map((d) => d.status), [200, 200]);
    await waitFor(finished(h, said.ts), 10_000, "the reply to finish");
    await h.slack.settle();

    const replies = h.slack.botMessages(GENERAL.id, said.ts);
    assert.equal(replies.length, 1, "one reply message");
    const reply = replies[0]!;
    assert.equal(reply.threadTs, said.ts, "the reply is in the mention's thread");
    assert.equal(reply.origin, "chat.startStream", "native streaming was used");
    assert.equal(reply.text, answer);
    assert.ok(reply.versions.length >= 3, `several visible updates (saw ${reply.versions.length})`);
    for (let i = 1; i < reply.versions.length; i++) {
      assert.ok(reply.versions[i]!.startsWith(reply.versions[i - 1]!), "each update extends the text");
    }
    assert.equal(h.slack.api.callsTo("chat.stopStream").filter((c) => c.ok).length, 1);
    assert.ok(h.slack.api.callsTo("assistant.threads.setStatus").some((c) => c.ok), "Palaver showed it was thinking");
    // The doubled delivery and the echoes of our own posts produced exactly one Claude request.
    assert.equal(h.claude.messageRequests().length, before + 1);
    assert.match(requestText(h, before), /please stream/);
  });

  test("a redelivered event (X-Slack-Retry-Num) never produces a second reply, during or after the first", async () => {
    h.claude.enqueue({ text: "Only once.", chunkSize: 2, chunkDelayMs: 60 });
    const before = h.claude.messageRequests().length;
    const said = await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, text: `${mention(BOT.userId)} answer once` });
    // While the reply is streaming, Slack retries both deliveries (it did not see our ack in time).
    await waitFor(() => h.slack.botMessages(GENERAL.id, said.ts).length === 1, 5000, "the reply to start");
    for (const envelope of said.envelopes) {
      const again = await h.slack.deliver(envelope, { num: 1, reason: "http_timeout" });
      assert.equal(again.status, 200);
    }
    await waitFor(finished(h, said.ts), 10_000, "the reply to finish");
    for (const envelope of said.envelopes) await h.slack.deliver(envelope, { num: 2, reason: "http_timeout" });
    await h.slack.settle();
    await waitFor(() => h.app.bot.activeConversations === 0, 2000, "idle");
    assert.equal(h.slack.botMessages(GENERAL.id, said.ts).length, 1);
    assert.equal(h.slack.botMessages(GENERAL.id, said.ts)[0]!.text, "Only once.");
    assert.equal(h.claude.messageRequests().length, before + 1);
  });

  test("a follow-up in Palaver's thread is answered without a new mention; other threads are not", async () => {
    h.claude.enqueue({ text: "First answer." }, { text: "Follow-up answer." });
    const before = h.claude.messageRequests().length;
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} start a thread` });
    await waitFor(finished(h, said.ts), 5000, "first reply");
    await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: said.ts, text: "and what about tomorrow?" });
    await waitFor(finished(h, said.ts, 2), 5000, "follow-up reply");
    const replies = h.slack.botMessages(GENERAL.id, said.ts);
    assert.deepEqual(replies.map((m) => m.text), ["First answer.", "Follow-up answer."]);
    const history = requestText(h, before + 1);
    assert.match(history, /start a thread/);
    assert.match(history, /First answer\./);
    assert.match(history, /and what about tomorrow\?/);

    // A thread Palaver never took part in: chatter there is not for the bot.
    const other = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: "lunch?" });
    await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: other.ts, text: "sure" });
    await barrier(h);
    assert.equal(h.slack.botMessages(GENERAL.id, other.ts).length, 0);
    assert.equal(h.claude.messageRequests().length, before + 3, "the two answers and the barrier's, nothing for the other thread");
  });

  test("a mention in the middle of a thread brings the whole earlier thread, speakers named", async () => {
    const root = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: "Where should the offsite be?" });
    await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: root.ts, text: "Lisbon, it has good trains" });
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: root.ts, text: `I prefer Porto, ${mention(BOB.id)}` });
    const before = h.claude.messageRequests().length;
    h.claude.enqueue({ text: "Both are fine." });
    const asked = await h.slack.userSays({
      user: CAROL.id,
      channel: GENERAL.id,
      threadTs: root.ts,
      text: `${mention(BOT.userId)} which one is cheaper?`,
    });
    await waitFor(finished(h, root.ts), 5000, "reply in the thread");
    assert.equal(h.claude.messageRequests().length, before + 1);
    const history = requestText(h, before);
    for (const piece of ["Alice", "Bob", "Carol", "Where should the offsite be?", "Lisbon, it has good trains", "I prefer Porto, @Bob", "which one is cheaper?"]) {
      assert.ok(history.includes(piece), `Claude saw ${JSON.stringify(piece)}`);
    }
    assert.ok(!history.includes("<@"), "no raw Slack mention markup reaches Claude");
    assert.equal(h.slack.botMessages(GENERAL.id, root.ts)[0]!.threadTs, root.ts);
    assert.ok(asked.ts > root.ts);
  });

  test("edits and deletions on Slack are reflected in the stored history; the bot's own are ignored", async () => {
    h.claude.enqueue({ text: "Noted." });
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} the budget is 10k` });
    await waitFor(finished(h, said.ts), 5000, "reply");
    const stored = async (id: string) =>
      (await selectOne(h.app.db, "SELECT content, status FROM messages WHERE id = ?", id)) as { content: string; status: string } | undefined;
    const id = `slack:${h.slack.state.team.id}:${GENERAL.id}:${said.ts}`;
    await h.slack.userEdits(GENERAL.id, said.ts, `${mention(BOT.userId)} the budget is 12k`);
    await waitFor(async () => (await stored(id))?.content === "the budget is 12k", 3000, "the edit to be stored");

    const aside = await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: said.ts, text: "ignore me", appMention: false });
    // A follow-up: answered, so it is stored; then deleted on Slack.
    h.claude.enqueue({ text: "Ignored." });
    await waitFor(finished(h, said.ts, 2), 5000, "follow-up reply");
    const asideId = `slack:${h.slack.state.team.id}:${GENERAL.id}:${aside.ts}`;
    await h.slack.userDeletes(GENERAL.id, aside.ts);
    await waitFor(async () => (await stored(asideId))?.status === "deleted", 3000, "the deletion to be stored");

    // Our own replies were echoed back as message and message_changed events; none became a turn
    // of its own or an edit: the stored reply text is what Claude said.
    const botRows = (await selectAll(h.app.db, "SELECT content FROM messages WHERE conversation_id = ? AND role = 'assistant' ORDER BY created_at", id)) as Array<{ content: string }>;
    assert.deepEqual(botRows.map((r) => r.content), ["Noted.", "Ignored."]);
  });

  test("a long thread is fetched whole, every page of conversations.replies", async () => {
    const root = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: "thread of many" });
    // 450 replies written straight into the workspace (no events): only the fetch can know them.
    for (let i = 0; i < 450; i++) {
      h.slack.state.add({ channel: GENERAL.id, ts: h.slack.state.nextTs(), threadTs: root.ts, user: i % 2 ? BOB.id : CAROL.id, text: `note ${i}`, origin: "user" });
    }
    const pagesBefore = h.slack.api.callsTo("conversations.replies").length;
    const before = h.claude.messageRequests().length;
    h.claude.enqueue({ text: "Read them all." });
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: root.ts, text: `${mention(BOT.userId)} summarise` });
    await waitFor(finished(h, root.ts), 5000, "reply");
    const pages = h.slack.api.callsTo("conversations.replies").slice(pagesBefore);
    assert.equal(pages.length, 3, "452 messages at 200 per page");
    assert.ok(pages.slice(1).every((c) => typeof c.params.cursor === "string" && c.params.cursor !== ""), "later pages use the cursor");
    const history = requestText(h, before);
    for (const piece of ["thread of many", "note 0", "note 225", "note 449", "summarise"]) assert.ok(history.includes(piece), piece);
  });

  test("/palaver over HTTP is acked with 200 and answered through response_url, ephemerally", async () => {
    const ran = await h.slack.slashCommand({ user: ALICE.id, channel: GENERAL.id, text: "model" });
    assert.equal(ran.status, 200);
    await waitFor(() => (h.slack.responses.get(ran.responseId)?.length ?? 0) === 1, 3000, "the answer");
    const answer = h.slack.responses.get(ran.responseId)![0] as { response_type?: string; text?: string };
    assert.equal(answer.response_type, "ephemeral");
    assert.match(answer.text ?? "", /claude-sonnet-4-6/);
    assert.match(answer.text ?? "", /^\*Model here:\*/, "Markdown bold became mrkdwn bold");
  });

  test("a request with a bad signature is refused with 401 and nothing is posted", async () => {
    const callsBefore = h.slack.api.calls.length;
    const claudeBefore = h.claude.messageRequests().length;
    const ts = h.slack.state.nextTs();
    const body = JSON.stringify(
      eventEnvelope({ type: "app_mention", user: ALICE.id, text: `${mention(BOT.userId)} hi`, ts, channel: GENERAL.id, event_ts: ts }),
    );
    const forged = await sendSigned(h.eventsUrl!, body, { secret: "not-the-secret", contentType: "application/json" });
    assert.equal(forged.status, 401);
    const stale = await sendSigned(h.eventsUrl!, body, {
      secret: SIGNING_SECRET,
      contentType: "application/json",
      timestamp: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    assert.equal(stale.status, 401, "a replayed (10 minutes old) request is refused too");
    await barrier(h);
    const touched = h.slack.api.calls
      .slice(callsBefore)
      .filter((c) => c.params.ts === ts || c.params.thread_ts === ts);
    assert.deepEqual(touched.map((c) => c.method), [], "no Web API call about the forged message was made");
    assert.equal(h.claude.messageRequests().length, claudeBefore + 1, "only the barrier's question reached Claude");
  });
});

describe("slack: SLACK_THREAD_FOLLOWUPS=false", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ mode: "http", env: { SLACK_THREAD_FOLLOWUPS: "false" } });
  });
  after(async () => {
    await h.close();
  });

  test("later messages in Palaver's thread need a mention", async () => {
    h.claude.enqueue({ text: "Hello." });
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} hi` });
    await waitFor(finished(h, said.ts), 5000, "reply");
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: said.ts, text: "no mention here" });
    await barrier(h);
    assert.equal(h.claude.messageRequests().length, 2, "the first answer and the barrier's only");
    assert.equal(h.slack.botMessages(GENERAL.id, said.ts).length, 1, "no answer to the unmentioned message");
    h.claude.enqueue({ text: "Mentioned again." });
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: said.ts, text: `${mention(BOT.userId)} now?` });
    await waitFor(finished(h, said.ts, 2), 5000, "second reply");
    assert.equal(h.claude.messageRequests().length, 3);
    assert.equal(h.slack.botMessages(GENERAL.id, said.ts)[1]!.text, "Mentioned again.");
    // The unmentioned message is still part of the conversation Claude sees.
    assert.match(requestText(h, 2), /no mention here/);
    assert.match(requestText(h, 2), /now\?/);
  });
});
