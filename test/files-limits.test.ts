// Files through the core end to end (real SDK → fake Claude, real SQLite): each API limit is checked
// before sending and a file over it is left out with a note naming it; a refused file does not
// break the thread; bytes are stored once, apart from message rows.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startCore, inbound, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { asMessagesBody, type ContentBlockBody } from "./fakes/claude.ts";
import { png, pdf } from "./helpers/files.ts";
import * as notes from "../src/reply/notes.ts";
import type { Attachment } from "../src/types.ts";
import { selectAll, selectOne } from "./helpers/db.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function core(env: Record<string, string> = {}) {
  const h = await startCore(env);
  harnesses.push(h);
  return h;
}

let n = 0;
function thread(): { conversationId: string } {
  return { conversationId: `test:W:C:files-${++n}` };
}

function lastBlocks(h: CoreHarness): ContentBlockBody[] {
  const body = asMessagesBody(h.claude.messageRequests().at(-1)!.body);
  const content = body.messages.at(-1)!.content;
  assert.ok(Array.isArray(content));
  return content;
}

function allBlocks(h: CoreHarness): ContentBlockBody[] {
  const body = asMessagesBody(h.claude.messageRequests().at(-1)!.body);
  return body.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : []));
}

const file = (name: string, data: Buffer, mediaType?: string): Attachment => ({ name, data, ...(mediaType ? { mediaType } : {}) });

test("images, PDFs and text files become image, document and named text blocks", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:kinds");
  const doc = await pdf(2);
  const outcome = await h.app.bot.handle(
    inbound("what are these?", { ...thread(), attachments: [file("shot.png", png(40, 30)), file("spec.pdf", doc), file("app.log", Buffer.from("ERROR disk full\n")), file("main.rs", Buffer.from("fn main() {}\n"), "application/octet-stream")] }),
    surface,
  );
  assert.equal(outcome, "replied");
  const blocks = lastBlocks(h);
  assert.deepEqual(blocks.map((b) => b.type), ["text", "image", "document", "document", "document"]);
  assert.deepEqual(blocks[2]!.source, { type: "base64", media_type: "application/pdf", data: doc.toString("base64") });
  assert.deepEqual(blocks.slice(3).map((b) => [b.title, (b.source as { data: string }).data]), [
    ["app.log", "ERROR disk full\n"],
    ["main.rs", "fn main() {}\n"],
  ]);
  assert.doesNotMatch(surface.shown().join("\n"), /left out/);
});

test("limit: an image over 5 MB of base64 is left out with a note naming it and the limit", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:5mb");
  // 4 MB of bytes is ~5.3 MB of base64: over the cap, though under the direct API's 10 MB.
  await h.app.bot.handle(inbound("look", { ...thread(), attachments: [file("huge.png", png(32, 32, 4 * 1024 * 1024))] }), surface);
  assert.deepEqual(lastBlocks(h).map((b) => b.type), ["text"], "the text is answered without the image");
  assert.match(surface.shown().join("\n"), /“huge\.png” is over the API's limit of 5 MB per image, so it was left out/);
});

test("limit: images per request: the 101st image is left out (100 for a 200k-window model)", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:count");
  const images = Array.from({ length: 101 }, (_, i) => file(`p${i}.png`, png(8, 8 + i)));
  await h.app.bot.handle(inbound("compare", { ...thread(), attachments: images }), surface);
  assert.equal(allBlocks(h).filter((b) => b.type === "image").length, 100);
  assert.match(surface.shown().join("\n"), /“p0\.png” would take the request past the API's limit of 100 images per request/);
});

test("limit: PDF pages: a 101-page PDF is left out on a 200k-window model; 100 pages are sent", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:pages");
  const conv = thread();
  await h.app.bot.handle(inbound("summarise", { ...conv, attachments: [file("long.pdf", await pdf(101))] }), surface);
  assert.ok(!allBlocks(h).some((b) => b.type === "document"));
  assert.match(surface.shown().join("\n"), /“long\.pdf” has 101 pages, over the API's limit of 100 PDF pages per request/);
  await h.app.bot.handle(inbound("and this one?", { ...conv, attachments: [file("ok.pdf", await pdf(100))] }), new RecordingSurface("test:pages2"));
  assert.equal(allBlocks(h).filter((b) => b.type === "document").length, 1, "a 100-page PDF goes through the fake's page check");
});

test("limit: 32 MB per request: the oldest files that would pass it are left out", async () => {
  const h = await core();
  const conv = thread();
  // Eight images of ~4.7 MB base64 each (~37 MB): more than one request may carry.
  for (let i = 0; i < 8; i++) {
    await h.app.bot.handle(inbound(`photo ${i}`, { ...conv, attachments: [file(`big${i}.png`, png(16, 16, 3_500_000))] }), new RecordingSurface(`test:32-${i}`));
  }
  const last = h.claude.messageRequests().at(-1)!;
  assert.equal(asMessagesBody(last.body).messages.length, 15);
  const images = allBlocks(h).filter((b) => b.type === "image").length;
  assert.equal(images, 6, "six newest images fit under 30 MB of files");
  const usage = (await selectOne(h.app.db, "SELECT COUNT(*) AS n FROM usage WHERE error_code IS NOT NULL")) as { n: number };
  assert.equal(usage.n, 0, "no request was refused (the fake answers 413 over 32 MB)");
});

test("a message with only unreadable files gets a clear answer, not an answer to the previous question", async () => {
  const h = await core();
  const conv = thread();
  await h.app.bot.handle(inbound("what is 2+2?", conv), new RecordingSurface("test:prev"));
  const before = h.claude.messageRequests().length;
  const surface = new RecordingSurface("test:zip");
  const outcome = await h.app.bot.handle(inbound("", { ...conv, attachments: [file("backup.zip", Buffer.from([0x50, 0x4b, 3, 4, 0, 1, 2, 250]), "application/zip")] }), surface);
  assert.equal(outcome, "replied");
  assert.equal(h.claude.messageRequests().length, before, "Claude is not asked anything");
  const shown = surface.shown().join("\n");
  assert.ok(shown.startsWith(notes.NOTHING_READABLE_TEXT));
  assert.match(shown, /“backup\.zip” is a type of file Palaver cannot read/);
});

test("an unreadable file next to a question: the question is answered, with a one-line note", async () => {
  const h = await core();
  const surface = new RecordingSurface("test:bin");
  const big = Buffer.alloc(300 * 1024, "a");
  await h.app.bot.handle(inbound("thoughts?", { ...thread(), attachments: [file("tool.exe", Buffer.from([0x4d, 0x5a, 0, 0, 0xff])), file("huge.txt", big, "text/plain")] }), surface);
  const shown = surface.shown().join("\n");
  assert.match(shown, /^Echo: thoughts\?/);
  assert.match(shown, /“tool\.exe” is a type of file Palaver cannot read/);
  assert.match(shown, /“huge\.txt” is over Palaver's limit of 200 KB per text file/);
});

test("a thread goes on after Claude refuses a file: answered without it, and later turns leave it out", async () => {
  const h = await core();
  const conv = thread();
  const doc = await pdf(1);
  h.claude.enqueue({ status: 400, errorMessage: "messages.0.content.1: The PDF specified was not valid." });
  const surface = new RecordingSurface("test:refused");
  const outcome = await h.app.bot.handle(inbound("read this", { ...conv, attachments: [file("odd.pdf", doc)] }), surface);
  assert.equal(outcome, "replied");
  const shown = surface.shown().join("\n");
  assert.match(shown, /^Echo: read this/);
  assert.match(shown, /“odd\.pdf” was refused by Claude \(“messages\.0\.content\.1: The PDF specified was not valid\.”\), so it was left out/);
  // The next turn is answered normally and does not carry the refused file again.
  const next = new RecordingSurface("test:refused2");
  assert.equal(await h.app.bot.handle(inbound("and now?", conv), next), "replied");
  assert.match(next.shown().join("\n"), /^Echo: and now\?$/);
  assert.ok(!allBlocks(h).some((b) => b.type === "document"));
});

test("stored once: bytes live apart from message rows, one copy per content", async () => {
  const h = await core();
  const conv = thread();
  const doc = await pdf(3);
  await h.app.bot.handle(inbound("one", { ...conv, attachments: [file("a.pdf", doc)] }), new RecordingSurface("test:once1"));
  await h.app.bot.handle(inbound("two", { ...conv, attachments: [file("a-again.pdf", doc)] }), new RecordingSurface("test:once2"));
  const blobs = (await selectOne(h.app.db, "SELECT COUNT(*) AS n, SUM(size) AS bytes FROM attachment_blobs")) as { n: number; bytes: number };
  assert.deepEqual(blobs, { n: 1, bytes: doc.length });
  const rows = (await selectAll(h.app.db, "SELECT attachments FROM messages WHERE conversation_id = ? AND attachments IS NOT NULL", conv.conversationId)) as { attachments: string }[];
  assert.equal(rows.length, 2);
  for (const r of rows) assert.ok(r.attachments.length < 300, `a reference, not the file: ${r.attachments.length} chars`);
  assert.equal(allBlocks(h).filter((b) => b.type === "document").length, 2, "both turns still carry the PDF");
});
