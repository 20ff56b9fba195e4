// Splitting long replies: at paragraph/line boundaries, code fences closed and reopened, nothing
// lost; and the shared rate budgets that keep many replies under a platform limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { splitAll, splitOnce } from "../src/reply/split.ts";
import { openFenceAtEnd as openFenceAt } from "../src/reply/markdown/fences.ts";
import { Budgets } from "../src/reply/rate-budgets.ts";

/**
 * Split as the renderer does, and return the messages plus the slice of the original text each
 * one carries (without the fence lines the splitter adds), so a test can check nothing was lost.
 */
function pieces(text: string, limit: number): { chunks: string[]; originals: string[] } {
  const chunks: string[] = [];
  const originals: string[] = [];
  let carry = "";
  let body = text;
  for (;;) {
    const s = splitOnce(body, limit);
    if (!s) {
      chunks.push(body);
      originals.push(body.slice(carry.length));
      return { chunks, originals };
    }
    assert.ok(s.cut >= carry.length, "never cuts inside the reopened fence line");
    chunks.push(s.head);
    originals.push(body.slice(carry.length, s.cut));
    body = s.carry + body.slice(s.cut);
    carry = s.carry;
  }
}

function rejoin(text: string, limit: number): string {
  return pieces(text, limit).originals.join("");
}

test("a text that fits is not split", () => {
  assert.equal(splitOnce("short", 10), undefined);
  assert.deepEqual(splitAll("short", 10), ["short"]);
});

test("splits at a paragraph break before a line break before a space", () => {
  const text = `${"a".repeat(50)}\n\n${"b".repeat(30)}\n${"c".repeat(30)}`;
  const s = splitOnce(text, 100)!;
  assert.equal(s.head, `${"a".repeat(50)}\n\n`);
  const line = `${"a".repeat(60)}\n${"b".repeat(60)}`;
  assert.equal(splitOnce(line, 100)!.head, `${"a".repeat(60)}\n`);
  const words = "word ".repeat(30);
  assert.ok(splitOnce(words, 100)!.head.endsWith("word "));
});

test("a code fence open at the cut is closed, and reopened with its language in the next message", () => {
  const code = Array.from({ length: 30 }, (_, i) => `let x${i} = ${i};`).join("\n");
  const text = `Intro\n\n\`\`\`ts\n${code}\n\`\`\`\nAfter.`;
  const chunks = splitAll(text, 120);
  assert.ok(chunks.length > 2);
  for (const [i, c] of chunks.entries()) {
    assert.ok(c.length <= 120, `chunk ${i} is ${c.length}`);
    assert.equal(openFenceAt(c), undefined, `chunk ${i} leaves a fence open:\n${c}`);
    if (i > 0 && i < chunks.length - 1) assert.ok(c.startsWith("```ts\n"), `chunk ${i} reopens the fence`);
  }
  assert.equal(rejoin(text, 120), text);
  assert.deepEqual(pieces(text, 120).chunks, chunks);
});

test("random Markdown: every chunk fits, fences balance, and the text survives exactly", () => {
  const line = fc.oneof(
    fc.constantFrom("```", "```python", "~~~", "", "# Heading", "- item"),
    fc.string({ maxLength: 120 }).map((s) => s.replace(/\n/g, " ")),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 80 }), fc.integer({ min: 60, max: 400 }), (lines, limit) => {
      const text = lines.join("\n");
      const chunks = splitAll(text, limit);
      for (const c of chunks) assert.ok(c.length <= limit, `${c.length} > ${limit}`);
      // Each chunk is balanced unless the original text itself leaves a fence open at its end.
      for (const c of chunks.slice(0, -1)) assert.equal(openFenceAt(c), undefined);
      assert.equal(rejoin(text, limit), text);
    }),
    { numRuns: 500 },
  );
});

test("budgets: a shared key allows at most `limit` grants per window, first come first served", async () => {
  let now = 0;
  const budgets = new Budgets(() => now);
  const budget = { key: "ws:edit", limit: 3, windowMs: 1000 };
  const order: number[] = [];
  const waits = [0, 1, 2, 3, 4].map((i) => budgets.acquire([budget]).then(() => order.push(i)));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(order, [0, 1, 2], "three pass at once; the rest wait for the window");
  assert.equal(budgets.used(budget), 3);
  now = 1001; // the window slides past the first grants
  await Promise.all(waits);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

test("budgets: a final text waiting on a full window goes before waiting progress edits", async () => {
  let now = 0;
  const budgets = new Budgets(() => now);
  const budget = { key: "ws:urgent", limit: 1, windowMs: 50 };
  await budgets.acquire([budget]);
  const order: string[] = [];
  const progress = budgets.acquire([budget]).then(() => order.push("progress"));
  const final = budgets.acquire([budget], true).then(() => order.push("final"));
  now = 51;
  await final;
  assert.deepEqual(order, ["final"], "the urgent waiter was served first");
  now = 102;
  await progress;
  assert.deepEqual(order, ["final", "progress"]);
});

test("budgets: tryAcquire takes a free slot at once and refuses (without waiting) when the window is full", async () => {
  let now = 0;
  const budgets = new Budgets(() => now);
  const budget = { key: "ws:try", limit: 2, windowMs: 100 };
  assert.equal(budgets.tryAcquire(budget), true);
  assert.equal(budgets.tryAcquire(budget), true);
  assert.equal(budgets.tryAcquire(budget), false, "window full");
  now = 101;
  assert.equal(budgets.tryAcquire(budget), true, "a slot freed as the window slid");
  assert.equal(budgets.used(budget), 1);
});
