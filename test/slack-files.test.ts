// Slack files through the real Bolt and the fake Slack: downloaded with the bot token, redirects
// followed by hand with the token kept to Slack's hosts, a sign-in page taken for the error it is,
// and Slack Connect stubs resolved with files.info.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { asMessagesBody, type ContentBlockBody } from "./fakes/claude.ts";
import { ALICE, BOT, DM_ALICE, GENERAL } from "./fakes/slack/index.ts";
import { mention, replyIn, startSlackHarness, type SlackHarness } from "./helpers/slack.ts";
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
});
