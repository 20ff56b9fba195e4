// Issue 9 item 8: forget works where people are. Slack does not run app slash commands in
// threads, so a message shortcut "Forget this conversation" (callback_id palaver_forget) forgets
// the thread of the message it is used on: for admins and for the person who started the thread,
// answered ephemerally. The fake Slack sends the real message_action interaction payload, signed
// (HTTP) or in an "interactive" envelope (Socket Mode). /palaver forget keeps working in DMs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ALICE, BOB, BOT, CAROL, DM_ALICE, GENERAL } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";
import { ROOT } from "./helpers/process.ts";
import { mention, replyIn, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { FORGET_SHORTCUT_ID } from "../adapters/slack/shortcut.ts";
import { conversationId } from "../adapters/slack/ids.ts";
import { TEAM } from "./fakes/slack/state.ts";
import { selectOne } from "./helpers/db.ts";

interface Manifest {
  features: { shortcuts?: { name: string; type: string; callback_id: string; description: string }[] };
  settings: { interactivity: { is_enabled: boolean } };
}

test("the manifest declares the message shortcut, with interactivity on", () => {
  const manifest = parse(fs.readFileSync(path.join(ROOT, "adapters/slack/manifest.yml"), "utf8")) as Manifest;
  const shortcut = manifest.features.shortcuts?.find((s) => s.callback_id === FORGET_SHORTCUT_ID);
  assert.ok(shortcut, "a shortcut with callback_id palaver_forget");
  assert.equal(FORGET_SHORTCUT_ID, "palaver_forget");
  assert.equal(shortcut.type, "message", "a message shortcut (shown in a message's More actions menu)");
  assert.equal(shortcut.name, "Forget this conversation");
  // Slack's manifest limits (app manifest reference, as typed in @slack/web-api's Manifest):
  // "description … Maximum length is 150 characters", "callback_id … Maximum length is 255".
  assert.ok(shortcut.description.length <= 150 && shortcut.callback_id.length <= 255);
  assert.equal(manifest.settings.interactivity.is_enabled, true, "shortcuts arrive as interactions");
});

/** Messages Palaver holds for a conversation. */
async function stored(h: SlackHarness, conversation: string): Promise<number> {
  return ((await selectOne(h.app.db, "SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?", conversation)) as { n: number }).n;
}

async function answerOf(h: SlackHarness, responseId: string): Promise<{ response_type?: string; text?: string }> {
  await waitFor(() => (h.slack.responses.get(responseId)?.length ?? 0) === 1, 5000, "the shortcut's answer");
  return h.slack.responses.get(responseId)![0] as { response_type?: string; text?: string };
}

for (const mode of ["http", "socket"] as const) {
  describe(`slack (${mode}): "Forget this conversation"`, () => {
    let h: SlackHarness;
    before(async () => {
      h = await startSlackHarness({ mode });
    });
    after(async () => {
      await h.close();
    });

    test("the person who started the thread may forget it from any message in it; others may not; answers are ephemeral", async () => {
      h.claude.enqueue({ text: "The plan has three steps." });
      const root = await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, text: `${mention(BOT.userId)} what is the plan?` });
      const [reply] = await replyIn(h, root.ts);
      const conversation = conversationId(TEAM.id, GENERAL.id, root.ts);
      assert.ok((await stored(h, conversation)) >= 2);

      // Carol neither started the thread nor is an admin.
      const denied = await h.slack.messageShortcut({ user: CAROL.id, channel: GENERAL.id, ts: reply!.ts, callbackId: FORGET_SHORTCUT_ID });
      if (mode === "http") assert.equal(denied.status, 200, "acked");
      const no = await answerOf(h, denied.responseId);
      assert.equal(no.response_type, "ephemeral");
      assert.match(no.text ?? "", /Only admins and the person who started the thread/);
      assert.ok((await stored(h, conversation)) >= 2, "nothing deleted");

      // Bob started it: used on Palaver's reply inside the thread, it forgets the whole thread.
      const done = await h.slack.messageShortcut({ user: BOB.id, channel: GENERAL.id, ts: reply!.ts, callbackId: FORGET_SHORTCUT_ID });
      const yes = await answerOf(h, done.responseId);
      assert.equal(yes.response_type, "ephemeral");
      assert.match(yes.text ?? "", /^Forgotten: deleted \d+ stored messages of this conversation/);
      assert.equal((await stored(h, conversation)), 0);
      assert.equal(h.slack.botMessages(GENERAL.id, root.ts).length, 1, "nothing was posted in the thread");
    });

    test("an admin may forget a thread someone else started", async () => {
      h.claude.enqueue({ text: "Noted." });
      const root = await h.slack.userSays({ user: BOB.id, channel: GENERAL.id, text: `${mention(BOT.userId)} remember this` });
      await replyIn(h, root.ts);
      const conversation = conversationId(TEAM.id, GENERAL.id, root.ts);
      const done = await h.slack.messageShortcut({ user: ALICE.id, channel: GENERAL.id, ts: root.ts, callbackId: FORGET_SHORTCUT_ID });
      assert.match((await answerOf(h, done.responseId)).text ?? "", /^Forgotten:/);
      assert.equal((await stored(h, conversation)), 0);
    });

    test("/palaver forget keeps working in a DM", async () => {
      h.claude.enqueue({ text: "Hi Alice." });
      const said = await h.slack.userSays({ user: ALICE.id, channel: DM_ALICE.id, text: "hello" });
      await replyIn(h, said.ts, 5000, DM_ALICE.id);
      const ran = await h.slack.slashCommand({ user: ALICE.id, channel: DM_ALICE.id, text: "forget" });
      assert.match((await answerOf(h, ran.responseId)).text ?? "", /^Forgotten: deleted \d+ stored messages? in \d+ conversations? of this DM/);
      assert.equal((await stored(h, conversationId(TEAM.id, DM_ALICE.id, said.ts))), 0);
    });
  });
}
