// Slack in Socket Mode (real Bolt and its Socket Mode client against the fake's WebSocket):
// a round trip, redelivered envelopes, DMs, and the /palaver slash command.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALICE, BOB, BOT, DM_ALICE, GENERAL } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";
import { ask, mention, replyIn, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { selectOne } from "./helpers/db.ts";

describe("slack: Socket Mode", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ mode: "socket" });
  });
  after(async () => {
    await h.close();
  });

  test("the app connects through apps.connections.open (app token, SLACK_API_URL) and answers a mention", async () => {
    const opens = h.slack.api.callsTo("apps.connections.open");
    assert.equal(opens.length, 1);
    assert.ok(opens[0]!.ok);
    assert.equal(h.slack.socket.connectionCount, 1);
    h.claude.enqueue({ text: "Hello over the socket." });
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} ping` });
    assert.equal(said.deliveries.length, 2);
    for (const d of said.deliveries) assert.ok(d.ack, "each envelope was acked");
    const [reply] = await replyIn(h, said.ts);
    assert.equal(reply!.text, "Hello over the socket.");
    assert.equal(reply!.threadTs, said.ts);
  });

  test("an envelope redelivered with retry_attempt produces no second reply", async () => {
    h.claude.enqueue({ text: "Once, over the socket.", chunkSize: 3, chunkDelayMs: 40 });
    const before = h.claude.messageRequests().length;
    const said = await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, text: `${mention(BOT.userId)} once please` });
    for (const envelope of said.envelopes) {
      const again = await h.slack.deliver(envelope, { num: 1, reason: "timeout" });
      assert.ok(again.ack);
    }
    const replies = await replyIn(h, said.ts);
    for (const envelope of said.envelopes) await h.slack.deliver(envelope, { num: 2, reason: "timeout" });
    await h.slack.settle();
    await waitFor(() => h.app.bot.activeConversations === 0, 2000, "idle");
    assert.deepEqual(
      h.slack.botMessages(GENERAL.id, said.ts).map((m) => m.text),
      replies.map((m) => m.text),
    );
    assert.equal(replies.length, 1);
    assert.equal(h.claude.messageRequests().length, before + 1);
  });

  test("a top-level DM starts a conversation answered in its thread; a reply in that thread continues it", async () => {
    h.claude.enqueue({ text: "Hi Alice, what can I do?" }, { text: "Tuesday works." });
    const before = h.claude.messageRequests().length;
    const first = await h.slack.userSays({ user: ALICE.id, channel: DM_ALICE.id, text: "hello there" });
    assert.equal(first.envelopes.length, 1, "DMs come as message.im only");
    const [reply] = await replyIn(h, first.ts, 5000, DM_ALICE.id);
    assert.equal(reply!.text, "Hi Alice, what can I do?");
    assert.equal(reply!.threadTs, first.ts);
    // In a DM a native stream needs no recipient; the fake would refuse a channel stream without one.
    assert.equal(reply!.origin, "chat.startStream");

    await h.slack.userSays({ user: ALICE.id, channel: DM_ALICE.id, threadTs: first.ts, text: "can we meet on Tuesday?" });
    await waitFor(() => h.slack.botMessages(DM_ALICE.id, first.ts).length === 2 && h.app.bot.activeConversations === 0, 5000, "second DM reply");
    assert.equal(h.slack.botMessages(DM_ALICE.id, first.ts)[1]!.text, "Tuesday works.");
    const history = JSON.stringify(h.claude.messageRequests()[before + 1]!.body);
    assert.match(history, /hello there/);
    assert.match(history, /Hi Alice, what can I do\?/);
    assert.match(history, /can we meet on Tuesday\?/);
    const conv = (await selectOne(h.app.db, "SELECT is_dm FROM conversations WHERE id = ?", `slack:${h.slack.state.team.id}:${DM_ALICE.id}:${first.ts}`)) as
      | { is_dm: number }
      | undefined;
    assert.equal(conv?.is_dm, 1);
  });

  test("/palaver is acked at once and answered ephemerally; admin rights come from Slack's user record", async () => {
    const help = await h.slack.slashCommand({ user: BOB.id, channel: GENERAL.id, text: "help" });
    assert.ok(help.ack, "acked over the socket");
    await waitFor(() => (h.slack.responses.get(help.responseId)?.length ?? 0) === 1, 3000, "the help answer");
    const answer = h.slack.responses.get(help.responseId)![0] as { response_type?: string; text?: string };
    assert.equal(answer.response_type, "ephemeral");
    assert.match(answer.text ?? "", /prompt/);

    // Bob is not a workspace admin: refused, nothing changes.
    const denied = await h.slack.slashCommand({ user: BOB.id, channel: GENERAL.id, text: `budget set user <@${BOB.id}|bob> daily 5` });
    await waitFor(() => (h.slack.responses.get(denied.responseId)?.length ?? 0) === 1, 3000, "the refusal");
    assert.match((h.slack.responses.get(denied.responseId)![0] as { text: string }).text, /Only admins/);
    const budget = async () =>
      (await selectOne(h.app.db, "SELECT limit_micros FROM budgets WHERE scope_kind = 'user' AND scope_id = ?", `slack:${BOB.id}`)) as
        | { limit_micros: number }
        | undefined;
    assert.equal((await budget()), undefined);

    // Alice is (users.info is_admin): the <@U…|name> mention reaches the core as <@slack:U…>.
    const allowed = await h.slack.slashCommand({ user: ALICE.id, channel: GENERAL.id, text: `budget set user <@${BOB.id}|bob> daily 5` });
    await waitFor(() => (h.slack.responses.get(allowed.responseId)?.length ?? 0) === 1, 3000, "the confirmation");
    assert.doesNotMatch((h.slack.responses.get(allowed.responseId)![0] as { text: string }).text, /Only admins/);
    assert.equal((await budget())?.limit_micros, 5_000_000);
  });

  test("a reconnect requested by Slack is followed and replies keep working", async () => {
    h.slack.socket.requestReconnect();
    await waitFor(() => h.slack.socket.connectionCount === 2 && h.slack.socket.connected, 10_000, "the reconnect");
    h.claude.enqueue({ text: "Still here." });
    const ts = await ask(h, "are you there?");
    const [reply] = await replyIn(h, ts);
    assert.equal(reply!.text, "Still here.");
  });
});
