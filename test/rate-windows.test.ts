// The shared platform rate windows (src/reply/rate-budgets.ts): never more than a window's
// allowance in any span of its length, finals always served from their held slot, progress only
// from what is spare and shared fairly, and the renderer going quiet when it can hold no final.
import { mock, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Budgets, DEMAND_LOOKBACK_MS, type Hold } from "../src/reply/rate-budgets.ts";
import { ReplyRenderer } from "../src/reply/renderer.ts";
import { RecordingSurface } from "./fakes/surface.ts";

/** Let every settled promise run its callbacks (setImmediate is not mocked below). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

type Op =
  | { kind: "acquire"; key: number; urgent: boolean }
  | { kind: "try"; key: number }
  | { kind: "reserve"; key: number; holder: number }
  | { kind: "use" }
  | { kind: "release" }
  | { kind: "progress"; key: number; holder: number }
  | { kind: "leave"; holder: number }
  | { kind: "advance"; ms: number };

const LIMITS = [
  { key: "k0", limit: 3, windowMs: 1_000 },
  { key: "k1", limit: 5, windowMs: 60_000 },
];

// Weighted towards requests, so windows fill up (and holds pile up) between clock steps.
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("acquire" as const), key: fc.nat(1), urgent: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("try" as const), key: fc.nat(1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reserve" as const), key: fc.nat(1), holder: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("use" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("progress" as const), key: fc.nat(1), holder: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), holder: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 3_000 }) }) },
);

test("windows: no random pattern of requests ever gets more than `limit` grants in any window, and a held final is granted at once", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
        let now = 0;
        const budgets = new Budgets(() => now);
        const holders = [{}, {}, {}, {}, {}];
        const granted: number[][] = LIMITS.map(() => []);
        const holds: { hold: Hold; key: number }[] = [];
        const pending: Promise<void>[] = [];
        const advance = async (ms: number) => {
          // Step through the span so every timer fires at its own moment of the manual clock.
          for (let left = ms; left > 0; ) {
            const step = Math.min(left, 100);
            now += step;
            mock.timers.tick(step);
            left -= step;
            await settle();
          }
        };
        for (const o of ops) {
          if (o.kind === "acquire") {
            const key = o.key;
            pending.push(budgets.acquire([LIMITS[key]!], o.urgent).then(() => void granted[key]!.push(now)));
          } else if (o.kind === "try") {
            if (budgets.tryAcquire(LIMITS[o.key]!)) granted[o.key]!.push(now);
          } else if (o.kind === "reserve") {
            const hold = budgets.reserve([LIMITS[o.key]!], holders[o.holder]!);
            if (hold) holds.push({ hold, key: o.key });
          } else if (o.kind === "use" || o.kind === "release") {
            const h = holds.shift();
            if (!h) continue;
            if (o.kind === "release") {
              h.hold.release();
              continue;
            }
            let done = false;
            const use = h.hold.use().then(() => {
              done = true;
              granted[h.key]!.push(now);
            });
            await settle();
            assert.ok(done, "a final's held slot is granted without waiting for the window");
            await use;
          } else if (o.kind === "progress") {
            if (budgets.tryProgress([LIMITS[o.key]!], holders[o.holder]!)) granted[o.key]!.push(now);
          } else if (o.kind === "leave") {
            budgets.leave(holders[o.holder]!);
          } else {
            await advance(o.ms);
          }
          await settle();
          for (const w of LIMITS) assert.ok(budgets.used(w) + budgets.held(w) <= w.limit, "used + held never exceeds the allowance");
        }
        // Let every waiter through, then check every window-long span.
        for (const h of holds) h.hold.release();
        await advance(2 * 60_000 + 1_000);
        await Promise.all(pending);
        for (const [k, w] of LIMITS.entries()) {
          const times = granted[k]!;
          for (const t of times) {
            const inSpan = times.filter((u) => u > t - w.windowMs && u <= t).length;
            assert.ok(inSpan <= w.limit, `${inSpan} grants of ${w.key} within ${w.windowMs} ms ending at ${t}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  } finally {
    mock.timers.reset();
  }
});

test("windows: a burst within the allowance is granted at once, and progress never takes a slot held for a final", () => {
  const now = 0;
  const budgets = new Budgets(() => now);
  const w = { key: "ws:update", limit: 5, windowMs: 60_000 };
  const a = {};
  const b = {};
  const holdA = budgets.reserve([w], a);
  const holdB = budgets.reserve([w], b);
  assert.ok(holdA && holdB);
  // 5 slots, 2 held: at most 3 progress grants between them, then none.
  let progress = 0;
  for (let i = 0; i < 10; i++) if (budgets.tryProgress([w], i % 2 ? a : b)) progress++;
  assert.ok(progress <= 3, `${progress} progress grants`);
  assert.equal(budgets.used(w) + budgets.held(w), progress + 2);
  assert.equal(budgets.tryAcquire(w), progress < 3, "a plain request gets only a slot nobody holds");
});

test("windows: progress is shared fairly between active replies", () => {
  const budgets = new Budgets(() => 0);
  const w = { key: "ws:append", limit: 10, windowMs: 60_000 };
  const replies = [{}, {}];
  // Both replies are active before either takes anything.
  for (const r of replies) budgets.tryProgress([{ ...w, key: "other" }], r);
  const got = [0, 0];
  // Reply 0 asks far more often than reply 1.
  for (let i = 0; i < 30; i++) {
    if (budgets.tryProgress([w], replies[0]!)) got[0]!++;
    if (i % 3 === 0 && budgets.tryProgress([w], replies[1]!)) got[1]!++;
  }
  assert.equal(got[0], 5, "the eager reply stops at its half");
  assert.equal(got[1], 5, "the other reply still gets its half");
});

test("windows: under a sustained arrival of replies, the window is kept for their finals instead of progress", () => {
  let now = 0;
  const budgets = new Budgets(() => now);
  const w = { key: "ws:update", limit: 50, windowMs: 60_000 };
  const first = {};
  assert.ok(budgets.reserve([w], first));
  assert.equal(budgets.tryProgress([w], first), true, "a lone reply streams freely");
  // Ten more replies within the look-back: at that rate, the next minute needs more than the window.
  for (let i = 0; i < 10; i++) {
    now += DEMAND_LOOKBACK_MS / 20;
    assert.ok(budgets.reserve([w], {}));
  }
  assert.equal(budgets.tryProgress([w], first), false, "progress waits while newcomers need the window");
  now += DEMAND_LOOKBACK_MS + 1;
  assert.equal(budgets.tryProgress([w], first), true, "once the arrivals stop, progress resumes");
});

test("renderer: a reply that can hold no final edit goes quiet and posts its final text once", async () => {
  const budgets = new Budgets();
  const edit = { key: "chan:edit", limit: 1, windowMs: 60_000 };
  // Another reply holds the only edit slot of the window.
  const other = budgets.reserve([edit], {});
  assert.ok(other);
  const surface = new RecordingSurface("test:quiet", { editBudgets: [edit], editIntervalMs: 5 });
  const renderer = new ReplyRenderer(surface, { budgets });
  async function* deltas() {
    for (const word of ["one ", "two ", "three"]) {
      await new Promise((r) => setTimeout(r, 15));
      yield word;
    }
  }
  const text = await renderer.stream(deltas());
  await renderer.finish(text);
  assert.deepEqual(
    surface.calls.map((c) => c.kind),
    ["post"],
    "no placeholder, no progress: one post",
  );
  assert.deepEqual(surface.shown(), ["one two three"]);
  assert.equal(budgets.used(edit), 0, "the held slot was left alone");
});

test("renderer: a streaming reply holds its final edit, and the hold is spent on the final", async () => {
  const budgets = new Budgets();
  const edit = { key: "chan:edit2", limit: 3, windowMs: 60_000 };
  const surface = new RecordingSurface("test:hold", { editBudgets: [edit], editIntervalMs: 5 });
  const renderer = new ReplyRenderer(surface, { budgets });
  async function* deltas() {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 10));
      yield `w${i} `;
    }
  }
  const text = await renderer.stream(deltas());
  assert.equal(budgets.held(edit), 1, "while the reply streams, one slot waits for its final edit");
  await renderer.finish(text.trim());
  assert.equal(budgets.held(edit), 0);
  assert.ok(budgets.used(edit) <= 3);
  assert.equal(surface.edits().at(-1)?.final, true);
  assert.deepEqual(surface.shown(), [text.trim()]);
});
