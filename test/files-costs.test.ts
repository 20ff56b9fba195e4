// What files cost: image tokens as the API computes them (⌈w/28⌉ × ⌈h/28⌉ after the model's
// resize, vision doc examples), PDF pages, and reservations that include both.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { imageTokens, resizedSize, nativeResolution } from "../src/context/files/image-tokens.ts";
import { fileTokens, PDF_PAGE_TOKENS_HIGH } from "../src/context/files/request-limits.ts";
import { startCore, inbound, waitFor, type CoreHarness } from "./helpers/core.ts";
import type { Attachment } from "../src/types.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { png, pdf } from "./helpers/files.ts";

test("image tokens match the vision doc's examples", () => {
  // Sonnet 4.6 (1568 px / 1568 tokens): 200×200 → 64; 1000×1000 → 1296; 1092×1092 → 1521;
  // 1920×1080 → 1560 (downscaled to 1456×819).
  assert.equal(imageTokens(200, 200, "claude-sonnet-4-6"), 64);
  assert.equal(imageTokens(1000, 1000, "claude-sonnet-4-6"), 1296);
  assert.equal(imageTokens(1092, 1092, "claude-sonnet-4-6"), 1521);
  assert.deepEqual(resizedSize(1920, 1080, nativeResolution("claude-sonnet-4-6")), { width: 1456, height: 819 });
  assert.equal(imageTokens(1920, 1080, "claude-sonnet-4-6"), 1560);
  // Opus 4.7 (2576 px / 4784 tokens): 1920×1080 → 2691; 3840×2160 → 4784.
  assert.equal(imageTokens(1920, 1080, "claude-opus-4-7"), 2691);
  assert.ok(imageTokens(3840, 2160, "claude-opus-4-7") <= 4784);
  assert.ok(imageTokens(3840, 2160, "claude-opus-4-7") > 4700);
});

test("a PDF costs its pages; reservations take the high end per page", () => {
  const ref = { name: "r.pdf", kind: "pdf" as const, mediaType: "application/pdf", size: 1000, pages: 12 };
  assert.equal(fileTokens(ref, "claude-sonnet-4-6", PDF_PAGE_TOKENS_HIGH), 12 * 3000);
});

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

test("the reservation held while a reply runs includes its files: a 90-page PDF in flight holds the budget", async () => {
  // $0.50 a day. The admitted request's reservation is what racing requests see (src/admission):
  // a question reserves ~$0.03 (2,048 output tokens at $15/M); a 90-page PDF adds 270k input tokens
  // at $3/M ≈ $0.81, more than the whole limit.
  const h = await startCore({ PALAVER_BUDGET_DAILY_USD: "0.50" });
  harnesses.push(h);
  const race = async (attachments: Attachment[], tag: string) => {
    h.claude.enqueue({ text: "slow answer", firstTokenDelayMs: 400 });
    const sent = h.claude.messageRequests().length;
    const first = h.app.bot.handle(inbound("read this", { conversationId: `test:W:C:cost-${tag}-1`, attachments }), new RecordingSurface(`test:${tag}-1`));
    await waitFor(() => h.claude.messageRequests().length > sent, 5000, "the first request in flight");
    const second = new RecordingSurface(`test:${tag}-2`);
    const outcome = await h.app.bot.handle(inbound("a question", { conversationId: `test:W:C:cost-${tag}-2` }), second);
    assert.equal(await first, "replied");
    return outcome;
  };
  assert.equal(await race([{ name: "small.png", data: png(100, 100) }], "img"), "replied", "a small image leaves room");
  assert.equal(await race([{ name: "big.pdf", data: await pdf(90) }], "pdf"), "refused", "the PDF's pages are reserved");
});
