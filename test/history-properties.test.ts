// Property-based: thousands of random thread shapes through buildHistory, every invariant the
// Messages API imposes (platform-facts.md) checked on each.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { buildHistory, withCacheBreakpoints, estimateTextTokens, TRUNCATION_MARK } from "../src/context/history.ts";
import type { StoredMessage } from "../src/store/conversations.ts";

const authors = [
  { authorId: "slack:U1", authorName: "Ada", authorIsBot: false, role: "user" as const },
  { authorId: "slack:U2", authorName: "Grace", authorIsBot: false, role: "user" as const },
  { authorId: "slack:B9", authorName: "Deploybot", authorIsBot: true, role: "user" as const },
  { authorId: "slack:palaver", authorName: "Palaver", authorIsBot: true, role: "assistant" as const },
];

const text = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("", " ", "\n\n", "\t") },
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 80 }) },
  { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 60_000 }).map((n) => "z".repeat(n)) },
);

const storedMessage = fc.record({
  author: fc.constantFrom(...authors),
  text,
  status: fc.constantFrom("complete", "complete", "complete", "deleted", "failed", "interrupted") as fc.Arbitrary<StoredMessage["status"]>,
});

const thread = fc.record({
  earlier: fc.array(storedMessage, { maxLength: 40 }),
  newText: fc.oneof(fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ""), fc.integer({ min: 1000, max: 300_000 }).map((n) => "q".repeat(n))),
  newAuthor: fc.constantFrom(authors[0]!, authors[1]!, authors[2]!),
  budget: fc.integer({ min: 50, max: 60_000 }),
});

test("history invariants hold for random threads", () => {
  fc.assert(
    fc.property(thread, ({ earlier, newText, newAuthor, budget }) => {
      const stored: StoredMessage[] = earlier.map((m, i) => ({
        id: `m${i}`,
        conversationId: "c",
        role: m.author.role,
        authorId: m.author.authorId,
        authorName: m.author.authorName,
        authorIsBot: m.author.authorIsBot,
        // Messages that must never reach Claude carry a marker we can look for.
        content: m.status === "deleted" || m.status === "failed" ? `GONE-${i} ${m.text}` : m.text,
        status: m.status,
        createdAt: i,
      }));
      stored.push({
        id: "new",
        conversationId: "c",
        role: "user",
        authorId: newAuthor.authorId,
        authorName: newAuthor.authorName,
        authorIsBot: newAuthor.authorIsBot,
        content: newText,
        status: "complete",
        createdAt: earlier.length,
      });
      const built = buildHistory(stored, "new", { budgetTokens: budget });
      const msgs = built.messages;

      assert.ok(msgs.length > 0, "never an empty request");
      assert.equal(msgs[0]!.role, "user", "starts with a user turn");
      assert.equal(msgs.at(-1)!.role, "user", "ends with a user turn");
      for (let i = 1; i < msgs.length; i++) assert.notEqual(msgs[i]!.role, msgs[i - 1]!.role, "alternates");
      for (const m of msgs) {
        assert.ok(m.content.length > 0, "no empty turn");
        for (const b of m.content) if (b.type === "text") assert.ok(b.text.trim() !== "", "no empty text block");
      }
      // The new message is in the last turn: whole, or its beginning with the cut mark.
      const lastText = msgs.at(-1)!.content.map((b) => (b.type === "text" ? b.text : "")).join("\n");
      if (built.truncatedNewMessage) {
        assert.ok(lastText.endsWith(TRUNCATION_MARK));
        assert.equal(msgs.length, 1, "a cut new message travels alone");
      } else {
        assert.ok(lastText.includes(newText), "new message present");
      }
      // Fits the budget (estimate), allowing the per-message framing.
      const chars = msgs.flatMap((m) => m.content).reduce((n, b) => n + (b.type === "text" ? b.text.length : 0), 0);
      const usable = stored.filter((m) => m.status !== "deleted" && m.status !== "failed" && m.content.trim() !== "").length;
      assert.ok(estimateTextTokens("x".repeat(chars)) <= budget + 8 * usable + 40, "fits the budget");
      // What was dropped is the oldest: nothing kept is older than something dropped.
      if (built.dropped === 0 && !built.truncatedNewMessage) {
        const sent = JSON.stringify(msgs);
        for (const m of stored) {
          if (m.status === "deleted" || m.status === "failed" || m.content.trim() === "") continue;
          assert.ok(sent.includes(JSON.stringify(m.content).slice(1, -1)), "nothing lost when nothing dropped");
        }
      }
      // Deleted and failed messages never reach Claude.
      assert.ok(!JSON.stringify(msgs).includes("GONE-"));
      // Cache breakpoints: at most 2 in messages (+1 on the system prompt ≤ the API's 4).
      const marked = withCacheBreakpoints(msgs).flatMap((m) => m.content).filter((b) => b.cache_control).length;
      assert.ok(marked >= 1 && marked <= 2);
    }),
    { numRuns: 2000 },
  );
});

test("several humans are named, a single human is not, other bots are tagged", () => {
  const base = { conversationId: "c", status: "complete" as const };
  const one = buildHistory(
    [{ ...base, id: "a", role: "user", authorId: "u1", authorName: "Ada", authorIsBot: false, content: "hi", createdAt: 1 }],
    "a",
    { budgetTokens: 1000 },
  );
  assert.deepEqual(one.messages, [{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  const many = buildHistory(
    [
      { ...base, id: "a", role: "user", authorId: "u1", authorName: "Ada", authorIsBot: false, content: "hi", createdAt: 1 },
      { ...base, id: "b", role: "user", authorId: "b1", authorName: "CI", authorIsBot: true, content: "build red", createdAt: 2 },
      { ...base, id: "c", role: "assistant", authorId: "me", authorName: "Palaver", authorIsBot: true, content: "I see", createdAt: 3 },
      { ...base, id: "d", role: "user", authorId: "u2", authorName: "Grace", authorIsBot: false, content: "why?", createdAt: 4 },
    ],
    "d",
    { budgetTokens: 1000 },
  );
  assert.deepEqual(many.messages, [
    { role: "user", content: [{ type: "text", text: "Ada: hi\n\nCI (bot): build red" }] },
    { role: "assistant", content: [{ type: "text", text: "I see" }] },
    { role: "user", content: [{ type: "text", text: "Grace: why?" }] },
  ]);
});

test("a thread that opens with Palaver's own message folds it into the first user turn", () => {
  const base = { conversationId: "c", status: "complete" as const, authorIsBot: false };
  const built = buildHistory(
    [
      { ...base, id: "a", role: "assistant", authorId: "me", authorName: "Palaver", authorIsBot: true, content: "Welcome!", createdAt: 1 },
      { ...base, id: "b", role: "user", authorId: "u1", authorName: "Ada", content: "thanks", createdAt: 2 },
    ],
    "b",
    { budgetTokens: 1000 },
  );
  assert.deepEqual(built.messages, [{ role: "user", content: [{ type: "text", text: "(Palaver, earlier:) Welcome!\n\nthanks" }] }]);
});

test("a message stored after the new one but sent in the same millisecond is still in the history", () => {
  const base = { conversationId: "c", status: "complete" as const, authorIsBot: false, role: "user" as const };
  const built = buildHistory(
    [
      { ...base, id: "new", authorId: "u1", authorName: "Ada", content: "and what about this?", createdAt: 5 },
      { ...base, id: "same-ms", authorId: "u2", authorName: "Grace", content: "look at the logs", createdAt: 5 },
      { ...base, id: "later", authorId: "u2", authorName: "Grace", content: "answered separately", createdAt: 6 },
    ],
    "new",
    { budgetTokens: 1000 },
  );
  const text = JSON.stringify(built.messages);
  assert.ok(text.includes("look at the logs"));
  assert.ok(!text.includes("answered separately"));
});
