// Slack files through the real Bolt and the fake Slack: downloaded with the bot token, redirects
// followed by hand with the token kept to Slack's hosts, a sign-in page taken for the error it is,
// and Slack Connect stubs resolved with files.info.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { asMessagesBody, type ContentBlockBody } from "./fakes/claude.ts";
import { ALICE, BOT, DM_ALICE, GENERAL } from "./fakes/slack/index.ts";
import { mention, replyIn, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
import { waitFor } from "./helpers/core.ts";
import { png, pdf } from "./helpers/files.ts";

function lastUserBlocks(h: SlackHarness): ContentBlockBody[] {
  const content = asMessagesBody(h.claude.messageRequests().at(-1)!.body).messages.at(-1)!.content;
  assert.ok(Array.isArray(content));
  return content;
}

describe("slack: files", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(async () => {
    await h.close();
  });

  test("a mention with an image and a PDF: downloaded with the token, the redirect followed without it", async () => {
    const image = png(120, 80);
    const doc = await pdf(2);
    const a = h.slack.files.add({ name: "chart.png", mimetype: "image/png", bytes: image });
    const b = h.slack.files.add({ name: "report.pdf", mimetype: "application/pdf", bytes: doc });
    h.claude.enqueue({ text: "A chart and a report." });
    const before = h.slack.files.downloads.length;
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} what are these?`, files: [a.id, b.id] });
    const [reply] = await replyIn(h, said.ts);
    assert.equal(reply?.text, "A chart and a report.");
    const blocks = lastUserBlocks(h);
    assert.deepEqual(blocks.filter((x) => x.type === "image").map((x) => x.source), [{ type: "base64", media_type: "image/png", data: image.toString("base64") }]);
    assert.deepEqual(blocks.filter((x) => x.type === "document").map((x) => (x.source as { data: string }).data), [doc.toString("base64")]);
    const downloads = h.slack.files.downloads.slice(before);
    // Delivered twice (message + app_mention), downloaded once: two hops per file.
    assert.equal(downloads.length, 4);
    for (const d of downloads) {
      if (d.path.startsWith("/files-pri/")) {
        assert.equal(d.authorization, `Bearer ${h.slack.botToken}`);
        assert.equal(d.status, 302);
        assert.match(d.host, /^127\.0\.0\.1:/);
      } else {
        assert.equal(d.authorization, undefined, "the token never goes to the other host");
        assert.match(d.host, /^localhost:/);
        assert.equal(d.status, 200);
      }
    }
  });

  test("a DM with a text file (subtype file_share): the file reaches Claude named after it", async () => {
    const f = h.slack.files.add({ name: "build.log", mimetype: "text/plain", bytes: Buffer.from("step 3 failed: out of memory\n") });
    h.claude.enqueue({ text: "Out of memory at step 3." });
    const said = await h.slack.userSays({ user: ALICE.id, channel: DM_ALICE.id, text: "why did it fail?", files: [f.id] });
    const [reply] = await replyIn(h, said.ts, 10_000, DM_ALICE.id);
    assert.equal(reply?.text, "Out of memory at step 3.");
    const doc = lastUserBlocks(h).find((x) => x.type === "document");
    assert.deepEqual([doc?.title, doc?.source], ["build.log", { type: "text", media_type: "text/plain", data: "step 3 failed: out of memory\n" }]);
  });

  test("a Slack Connect stub is resolved with files.info", async () => {
    const image = png(30, 30);
    const f = h.slack.files.add({ name: "partner.png", mimetype: "image/png", bytes: image, connect: true });
    h.claude.enqueue({ text: "Their logo." });
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} whose logo?`, files: [f.id] });
    const [reply] = await replyIn(h, said.ts);
    assert.equal(reply?.text, "Their logo.");
    assert.ok(h.slack.api.calls.some((c) => c.method === "files.info" && c.params.file === f.id && c.ok));
    assert.equal(lastUserBlocks(h).filter((x) => x.type === "image").length, 1);
  });

  test("a sign-in page instead of the file is an error: the question is answered with a note naming the file", async () => {
    const f = h.slack.files.add({ name: "secret.pdf", mimetype: "application/pdf", bytes: await pdf(1), signInPage: true });
    const said = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} read this`, files: [f.id] });
    const [reply] = await replyIn(h, said.ts);
    assert.match(reply!.text, /Echo: read this/);
    assert.match(reply!.text, /secret\.pdf.*could not be downloaded: Slack sent a sign-in page instead of the file/);
    assert.ok(!lastUserBlocks(h).some((x) => x.type === "document"), "no HTML went to Claude as a file");
  });

  test("a first mention mid-thread: files shared earlier in the thread are downloaded with the thread sync, once", async () => {
    const doc = await pdf(1, "Budget draft");
    const f = h.slack.files.add({ name: "budget.pdf", mimetype: "application/pdf", bytes: doc });
    const requestsBefore = h.claude.messageRequests().length;
    const root = await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: "here is the draft budget", files: [f.id] });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.claude.messageRequests().length, requestsBefore, "not addressed: no reply to the root");
    const downloadsBefore = h.slack.files.downloads.length;
    h.claude.enqueue({ text: "The draft looks fine." });
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: root.ts, text: `${mention(BOT.userId)} what do you think of it?` });
    const [reply] = await replyIn(h, root.ts);
    assert.equal(reply?.text, "The draft looks fine.");
    const sent = asMessagesBody(h.claude.messageRequests().at(-1)!.body).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
    assert.deepEqual(sent.filter((x) => x.type === "document").map((x) => (x.source as { data: string }).data), [doc.toString("base64")], "the earlier PDF went to Claude");
    assert.ok(h.slack.files.downloads.length > downloadsBefore, "downloaded during the thread sync");

    const downloadsAfterFirst = h.slack.files.downloads.length;
    h.claude.enqueue({ text: "Still fine." });
    await h.slack.userSays({ user: ALICE.id, channel: GENERAL.id, threadTs: root.ts, text: `${mention(BOT.userId)} and now?` });
    await waitFor(() => h.slack.botMessages(GENERAL.id, root.ts).some((m) => m.text === "Still fine." && !m.streaming));
    assert.equal(h.slack.files.downloads.length, downloadsAfterFirst, "a held message's files are not downloaded again");
  });
});
