// Reading only the recent end of a long thread gives the same history, and the same count of
// messages left out, as reading all of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { openSqlite as openDatabase } from "../src/store/sqlite/open.ts";
import { ConversationStore } from "../src/store/conversations.ts";
import { buildHistory, CHARS_PER_TOKEN } from "../src/context/history.ts";

test("listRecent + buildHistory equals list + buildHistory, dropped count included", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          who: fc.constantFrom("u1", "u2", "me"),
          text: fc.oneof(fc.constantFrom("", "  "), fc.string({ minLength: 1, maxLength: 50 }), fc.integer({ min: 500, max: 5000 }).map((n) => "x".repeat(n))),
        }),
        { minLength: 1, maxLength: 60 },
      ),
      fc.integer({ min: 100, max: 5000 }),
      async (msgs, budgetTokens) => {
        const db = await openDatabase(":memory:");
        const store = new ConversationStore(db);
        (await store.ensureConversation({ id: "c", platform: "console", workspaceId: "w", channelId: "ch", isDM: false }, 0));
        for (const [i, m] of msgs.entries()) {
          await store.upsert(
            "c",
            { id: `m${i}`, author: { id: m.who, displayName: m.who, isBot: m.who === "me", isMe: m.who === "me" }, text: m.text, createdAt: i },
            0,
          );
        }
        const last = msgs.length;
        await store.upsert("c", { id: "new", author: { id: "u1", displayName: "u1", isBot: false, isMe: false }, text: "question?", createdAt: last }, 0);
        const full = buildHistory(await store.list("c"), "new", { budgetTokens });
        const recent = (await store.listRecent("c", last, (budgetTokens + 1_000) * CHARS_PER_TOKEN));
        const partial = buildHistory(recent.messages, "new", { budgetTokens, named: recent.named });
        assert.deepEqual(partial.messages, full.messages);
        assert.equal(partial.dropped + recent.olderUnread, full.dropped);
        await db.close();
      },
    ),
    { numRuns: 300 },
  );
});
