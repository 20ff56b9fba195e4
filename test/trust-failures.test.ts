// Issue 9, item 5: a failure mid-reply (not Claude's: ours or the platform's) keeps what was shown
// and adds a note, and no part of a failed reply stays `streaming`.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startCore, inbound, waitFor, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import * as notes from "../src/reply/notes.ts";
import { selectAll, selectOne } from "./helpers/db.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function core() {
  const h = await startCore();
  harnesses.push(h);
  return h;
}

const partStatuses = async (h: CoreHarness) =>
  ((await selectAll(h.app.db, "SELECT status FROM messages WHERE reply_id IS NOT NULL ORDER BY part")) as { status: string }[]).map((r) => r.status);

test("a failure mid-reply keeps what was shown and adds a note; no part stays streaming", async () => {
  const h = await core();
  const text = "The first sentences reach the screen. ".repeat(20);
  h.claude.enqueue({ text, chunkSize: 10, chunkDelayMs: 10 });
  const surface = new RecordingSurface("test:fail-mid");
  const reply = h.app.bot.handle(inbound("hi"), surface);
  await waitFor(() => surface.edits().length >= 2, 5000, "text on screen");
  surface.failFormats = 1;
  assert.equal(await reply, "failed");
  const [shown, ...more] = surface.shown();
  assert.equal(more.length, 0);
  assert.ok(shown!.endsWith(`\n\n${notes.FAILED_NOTE}`), shown!.slice(-120));
  const kept = shown!.slice(0, -`\n\n${notes.FAILED_NOTE}`.length);
  assert.ok(kept.length >= 20 && text.startsWith(kept), `what was shown stays: ${JSON.stringify(kept.slice(0, 60))}`);
  assert.deepEqual((await selectAll(h.app.db, "SELECT status FROM replies")), [{ status: "failed" }]);
  assert.deepEqual((await partStatuses(h)), ["failed"]);
  const stored = (await selectOne(h.app.db, "SELECT content FROM messages WHERE reply_id IS NOT NULL")) as { content: string };
  assert.equal(stored.content, kept, "the stored copy is what was shown, without the note");
  assert.equal(((await selectOne(h.app.db, "SELECT COUNT(*) AS n FROM usage")) as { n: number }).n, 1, "the abandoned request is recorded");
});

test("a failure before anything was shown posts the note, and that part is not left streaming", async () => {
  const h = await core();
  h.claude.enqueue({ text: "Never shown.", firstTokenDelayMs: 50 });
  const surface = new RecordingSurface("test:fail-first", { thinking: true });
  surface.failFormats = 1;
  assert.equal(await h.app.bot.handle(inbound("hi"), surface), "failed");
  assert.deepEqual(surface.shown(), [notes.FAILED_NOTE]);
  assert.deepEqual((await selectAll(h.app.db, "SELECT status FROM replies")), [{ status: "failed" }]);
  assert.ok(!(await partStatuses(h)).includes("streaming"), `part statuses: ${(await partStatuses(h)).join(", ")}`);
});
