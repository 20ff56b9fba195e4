// Large files through Claude's Files API (issue #13): uploaded once, the first time a request carries
// them, and referred to by file_id after that; small files stay inline; an upload that fails leaves
// the turn inline; an id Claude no longer knows is uploaded again once; /palaver forget deletes the
// upload. Real App and SDK against the fake Claude (test/fakes/claude-uploads.ts), real SQLite.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { PDFDocument } from "pdf-lib";
import { randomBytes } from "node:crypto";
import { startCore, inbound, tempDbPath, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { asMessagesBody, startFakeClaude, type ContentBlockBody, type RecordedRequest } from "./fakes/claude.ts";
import { png } from "./helpers/files.ts";
import { selectOne } from "./helpers/db.ts";
import type { Attachment } from "../src/types.ts";
import type { CommandRequest } from "../src/types.ts";
import { FILES_API_BETA, FILES_API_MIN_BYTES } from "../src/claude/files.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function core(env: Record<string, string> = {}, options: Parameters<typeof startCore>[1] = {}) {
  const h = await startCore(env, options);
  harnesses.push(h);
  return h;
}

/** A 3-page PDF padded with an embedded file of random bytes to about `bytes`. */
async function bigPdf(bytes = 400 * 1024): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < 3; i++) doc.addPage([300, 200]).drawText(`Report page ${i + 1}`, { x: 20, y: 100, size: 12 });
  await doc.attach(randomBytes(bytes), "data.bin", { mimeType: "application/octet-stream" });
  return Buffer.from(await doc.save());
}

let n = 0;
const thread = () => `test:W:C:files-api-${++n}`;

async function say(h: CoreHarness, conversationId: string, text: string, attachments?: Attachment[]): Promise<RecordingSurface> {
  const surface = new RecordingSurface(`test:s:${++n}`);
  const outcome = await h.app.bot.handle(inbound(text, { conversationId, ...(attachments ? { attachments } : {}) }), surface);
  assert.equal(outcome, "replied", `"${text}" was answered`);
  return surface;
}

function fileBlocks(r: RecordedRequest): ContentBlockBody[] {
  return asMessagesBody(r.body).messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === "document" || b.type === "image");
}

const sources = (r: RecordedRequest) => fileBlocks(r).map((b) => b.source as { type: string; file_id?: string; data?: string });

function betaHeader(r: RecordedRequest): string {
  const v = r.headers["anthropic-beta"];
  return Array.isArray(v) ? v.join(",") : (v ?? "");
}

test("a large PDF is uploaded once, on the first turn, and later turns send its file_id, not its bytes", async () => {
  const h = await core();
  const doc = await bigPdf();
  assert.ok(doc.length >= FILES_API_MIN_BYTES);
  const conv = thread();
  await say(h, conv, "summarise this", [{ name: "report.pdf", mediaType: "application/pdf", data: doc }]);
  await say(h, conv, "and the second page?");
  await say(h, conv, "thanks, one more question");

  assert.equal(h.claude.uploadRequests().length, 1, "one upload for three turns");
  const [stored] = h.claude.files.stored();
  assert.ok(stored);
  assert.deepEqual(stored.bytes, doc, "the upload carried the file's bytes");
  assert.equal(stored.mimeType, "application/pdf");
  assert.equal(stored.filename, "report.pdf");
  assert.match(betaHeader(h.claude.uploadRequests()[0]!), new RegExp(FILES_API_BETA));

  const requests = h.claude.messageRequests();
  assert.equal(requests.length, 3);
  for (const r of requests) {
    assert.deepEqual(sources(r), [{ type: "file", file_id: stored.id }], "every turn refers to the upload");
    assert.match(betaHeader(r), new RegExp(FILES_API_BETA), "Messages requests with a file_id carry the beta header");
    assert.ok(r.bytes < 8 * 1024, `a turn sends a few KB, not the PDF (${r.bytes} bytes)`);
  }
  const row = (await selectOne(h.app.db, "SELECT claude_file_id FROM attachment_blobs")) as { claude_file_id: string };
  assert.equal(row.claude_file_id, stored.id, "the id is remembered per content hash");
});

test("small files stay inline, and PALAVER_FILES_API=false sends even large ones inline", async () => {
  const h = await core();
  const small = png(100, 100);
  assert.ok(small.length < FILES_API_MIN_BYTES);
  await say(h, thread(), "look", [{ name: "small.png", data: small }]);
  assert.equal(h.claude.uploadRequests().length, 0);
  assert.deepEqual(sources(h.claude.messageRequests().at(-1)!), [{ type: "base64", media_type: "image/png", data: small.toString("base64") }]);
  assert.equal(betaHeader(h.claude.messageRequests().at(-1)!), "", "no beta header without a file_id");

  const off = await core({ PALAVER_FILES_API: "false" });
  const doc = await bigPdf();
  await say(off, thread(), "read", [{ name: "r.pdf", mediaType: "application/pdf", data: doc }]);
  assert.equal(off.claude.uploadRequests().length, 0);
  assert.equal(sources(off.claude.messageRequests().at(-1)!)[0]!.data, doc.toString("base64"));
});

test("two conversations sharing the same large image upload it once", async () => {
  const h = await core();
  const image = png(200, 200, 300 * 1024);
  await say(h, thread(), "what is this?", [{ name: "a.png", data: image }]);
  await say(h, thread(), "and this?", [{ name: "copy-of-a.png", data: image }]);
  assert.equal(h.claude.uploadRequests().length, 1);
  const [stored] = h.claude.files.stored();
  assert.deepEqual(h.claude.messageRequests().map((r) => sources(r)), [[{ type: "file", file_id: stored!.id }], [{ type: "file", file_id: stored!.id }]]);
  const block = fileBlocks(h.claude.messageRequests().at(-1)!)[0]!;
  assert.equal(block.type, "image", "an image upload goes in an image block");
});

test("an upload that fails leaves that turn inline and the reply works; the next turn uploads", async () => {
  const h = await core();
  const doc = await bigPdf();
  const conv = thread();
  // The SDK retries an upload's 500 once (src/claude/files.ts): both attempts fail.
  h.claude.files.failUploads(2, { status: 500 });
  const first = await say(h, conv, "summarise", [{ name: "r.pdf", mediaType: "application/pdf", data: doc }]);
  assert.match(first.shown().at(-1) ?? "", /Echo: summarise/);
  assert.equal(h.claude.uploadRequests().length, 2, "the failed upload and the SDK's one retry");
  assert.equal(h.claude.files.stored().length, 0);
  assert.equal(sources(h.claude.messageRequests().at(-1)!)[0]!.data, doc.toString("base64"), "sent inline instead");

  await say(h, conv, "again");
  assert.equal(h.claude.uploadRequests().length, 3, "tried again on the next turn");
  const [stored] = h.claude.files.stored();
  assert.deepEqual(sources(h.claude.messageRequests().at(-1)!), [{ type: "file", file_id: stored!.id }]);
});

test("an upload that hangs past its timeout leaves the turn inline", async () => {
  const h = await core({}, { uploadTimeoutMs: 300 });
  h.claude.files.failUploads(2, { hang: true });
  const doc = await bigPdf();
  const surface = await say(h, thread(), "summarise", [{ name: "r.pdf", mediaType: "application/pdf", data: doc }]);
  assert.match(surface.shown().at(-1) ?? "", /Echo: summarise/);
  assert.equal(sources(h.claude.messageRequests().at(-1)!)[0]!.type, "base64");
});

test("a file_id Claude no longer knows is cleared and uploaded again once; the turn succeeds", async () => {
  const h = await core();
  const doc = await bigPdf();
  const conv = thread();
  await say(h, conv, "summarise", [{ name: "r.pdf", mediaType: "application/pdf", data: doc }]);
  const [old] = h.claude.files.stored();
  h.claude.files.remove(old!.id); // deleted in the Console, or expired

  const surface = await say(h, conv, "and now?");
  assert.match(surface.shown().at(-1) ?? "", /Echo: and now\?/);
  const requests = h.claude.messageRequests();
  assert.equal(requests.length, 3, "the refused request and its one retry");
  assert.deepEqual(sources(requests[1]!), [{ type: "file", file_id: old!.id }]);
  const [fresh] = h.claude.files.stored();
  assert.notEqual(fresh!.id, old!.id);
  assert.deepEqual(sources(requests[2]!), [{ type: "file", file_id: fresh!.id }]);
  assert.equal(h.claude.uploadRequests().length, 2);
  const row = (await selectOne(h.app.db, "SELECT claude_file_id, rejected FROM attachment_blobs")) as { claude_file_id: string; rejected: string | null };
  assert.deepEqual(row, { claude_file_id: fresh!.id, rejected: null }, "the new id is stored and the file is not marked refused");
});

test("uploads of another workspace's key are unknown: a new key re-uploads on the same database", async () => {
  const claude = await startFakeClaude();
  const db = tempDbPath();
  const doc = await bigPdf();
  const conv = thread();
  const first = await core({ DATABASE_PATH: db, ANTHROPIC_API_KEY: "sk-test-workspace-one" }, { claude });
  await say(first, conv, "summarise", [{ name: "r.pdf", mediaType: "application/pdf", data: doc }]);
  await first.app.stop();
  const second = await core({ DATABASE_PATH: db, ANTHROPIC_API_KEY: "sk-test-workspace-two" }, { claude });
  await say(second, conv, "again");
  assert.equal(claude.uploadRequests().length, 2, "uploaded again under the new key");
  assert.deepEqual(new Set(claude.files.stored().map((f) => f.key)), new Set(["sk-test-workspace-one", "sk-test-workspace-two"]));
  await claude.close();
});

test("forget deletes the Claude upload of a file nothing else refers to", async () => {
  const h = await core();
  const doc = await bigPdf();
  const conv = `test:W:D:files-api-forget`;
  const dm = { conversationId: conv, channelId: "test:W:D", isDM: true };
  const surface = new RecordingSurface("test:forget");
  assert.equal(await h.app.bot.handle(inbound("read", { ...dm, attachments: [{ name: "r.pdf", mediaType: "application/pdf", data: doc }] }), surface), "replied");
  assert.equal(h.claude.files.stored().length, 1);
  const request: CommandRequest = {
    platform: "console",
    workspaceId: "test:W",
    channelId: "test:W:D",
    conversationId: conv,
    isDM: true,
    user: { id: "test:U1", displayName: "Ada", isPlatformAdmin: false },
    text: "forget",
  };
  assert.match(await h.app.bot.command(request), /^Forgotten/);
  assert.equal(h.claude.files.stored().length, 0, "the upload is gone from Claude");
  const deletes = h.claude.requests.filter((r) => r.method === "DELETE" && r.path.startsWith("/v1/files/"));
  assert.equal(deletes.length, 1);
});
