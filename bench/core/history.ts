// Bench: the history of a 10,000-message thread, as every reply in it would build it.
//  - ConversationStore.list(): reading the thread back from a real SQLite file;
//  - buildHistory(): with the budget a default reply has (200k context − max_tokens − margin −
//    system prompt: most of the thread is trimmed), and with no limit (all 10,000 kept: worst case);
//  - withCacheBreakpoints() on the result (it copies every turn: part of each request too).
// The thread is a realistic, seeded mix: four humans, Palaver (some long replies in two parts),
// another bot, bare mentions (empty text), pasted logs of several KB, a few deleted messages.
// ~50 timed runs each after 5 untimed ones; median and p99.
import { buildHistory, CHARS_PER_TOKEN, CONTEXT_MARGIN_TOKENS, estimateTextTokens, withCacheBreakpoints } from "../../src/context/history.ts";
import { DEFAULT_MAX_TOKENS, DEFAULT_SYSTEM_PROMPT } from "../../src/runtime/config.ts";
import { DEFAULT_CONTEXT_WINDOW_TOKENS } from "../../src/claude/pricing.ts";
import { openSqlite as openDatabase } from "../../src/store/sqlite/open.ts";
import { ConversationStore } from "../../src/store/conversations.ts";
import { ReplyStore } from "../../src/store/replies.ts";
import { heading, info, line, ms, rng, summarize, table, tempDatabasePath, timeSync, timeAsync, verdict } from "../lib.ts";

const MESSAGES = 10_000;
const RUNS = 50;
/** The target for one history build. */
const TARGET_BUILD_MS = 50;
const CONVERSATION = "console:bench:history";

const HUMANS = [
  { id: "console:ada", displayName: "Ada" },
  { id: "console:grace", displayName: "Grace" },
  { id: "console:linus", displayName: "Linus" },
  { id: "console:margaret", displayName: "Margaret" },
];
const WORDS = "the deploy failed again on staging because the migration locked a table for too long and we should look at the query plan before retrying it tomorrow".split(" ");

function sentence(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]!);
  return out.join(" ");
}

/** Fill a fresh database with the thread; returns the id of its last (human) message. */
async function seedThread(file: string): Promise<string> {
  const db = await openDatabase(file);
  const next = rng(42);
  const base = Date.UTC(2025, 0, 1);
  let lastHuman = "";
  await db.transaction(async (tx) => {
    const conversations = new ConversationStore(tx);
    const replies = new ReplyStore(tx);
    (await conversations.ensureConversation({ id: CONVERSATION, platform: "console", workspaceId: "console", channelId: "console:local", isDM: false }, base));
    // `listed` counts rows list() will return (deleted ones are not), until exactly MESSAGES.
    for (let i = 0, listed = 0; listed < MESSAGES; i++) {
      const at = base + i * 1_000;
      const roll = next();
      const last = listed === MESSAGES - 1;
      if (!last && roll < 0.35) {
        // Palaver: a normal answer, or a long one in two parts (a platform message was full).
        const replyId = `bench-reply-${i}`;
        await replies.create({ id: replyId, conversationId: CONVERSATION, triggerMessageId: `m${i - 1}`, platform: "console", address: "console:local" }, at);
        const long = next() < 0.05 && listed < MESSAGES - 2;
        const parts = long ? [sentence(next, 600), sentence(next, 300)] : [sentence(next, 20 + Math.floor(next() * 120))];
        for (const [part, content] of parts.entries()) {
          (await conversations.insertPart({ id: `m${i}-${part}`, conversationId: CONVERSATION, replyId, part, authorId: "console:palaver", authorName: "Palaver", content, status: "complete", createdAt: at + part }));
          listed++;
        }
        await replies.finish(replyId, "complete", at);
        continue;
      }
      const bot = !last && roll < 0.38;
      const human = HUMANS[Math.floor(next() * HUMANS.length)]!;
      const kind = next();
      const text =
        kind < 0.03 && !last
          ? "" // a bare mention
          : kind < 0.05 && !last
            ? `here is the log:\n\`\`\`\n${sentence(next, 600 + Math.floor(next() * 1_500))}\n\`\`\`` // pasted, several KB
            : sentence(next, 3 + Math.floor(next() * 60));
      const id = `m${i}`;
      await conversations.upsert(
        CONVERSATION,
        {
          id,
          author: bot ? { id: "console:deploybot", displayName: "Deploybot", isBot: true, isMe: false } : { ...human, isBot: false, isMe: false },
          text,
          createdAt: at,
        },
        at,
      );
      if (!last && next() < 0.01) await conversations.markDeleted(id, at);
      else listed++;
      if (!bot) lastHuman = id;
    }
  });
  await db.close();
  return lastHuman;
}

export async function benchHistory(): Promise<void> {
  heading(`3. History: a ${MESSAGES.toLocaleString("en")}-message thread`);
  const tmp = tempDatabasePath();
  try {
    const newest = await seedThread(tmp.file);
    const db = await openDatabase(tmp.file);
    const store = new ConversationStore(db);
    const stored = await store.list(CONVERSATION);
    const chars = stored.reduce((n, m) => n + m.content.length, 0);
    const budget = DEFAULT_CONTEXT_WINDOW_TOKENS - DEFAULT_MAX_TOKENS - CONTEXT_MARGIN_TOKENS - estimateTextTokens(DEFAULT_SYSTEM_PROMPT);
    const trimmed = buildHistory(stored, newest, { budgetTokens: budget });
    const whole = buildHistory(stored, newest, { budgetTokens: Number.MAX_SAFE_INTEGER });

    const list = summarize(await timeAsync(() => store.list(CONVERSATION), RUNS));
    const build = summarize(timeSync(() => void buildHistory(stored, newest, { budgetTokens: budget }), RUNS));
    const buildAll = summarize(timeSync(() => void buildHistory(stored, newest, { budgetTokens: Number.MAX_SAFE_INTEGER }), RUNS));
    const marks = summarize(timeSync(() => void withCacheBreakpoints(whole.messages), RUNS));
    const until = stored.find((m) => m.id === newest)!.createdAt;
    const maxChars = (budget + 1_000) * CHARS_PER_TOKEN; // what src/pipeline/handle.ts reads back
    const recent = summarize(await timeAsync(() => store.listRecent(CONVERSATION, until, maxChars), RUNS));
    const path = summarize(
      await timeAsync(async () => {
        const r = await store.listRecent(CONVERSATION, until, maxChars);
        void withCacheBreakpoints(buildHistory(r.messages, newest, { budgetTokens: budget, named: r.named }).messages);
      }, RUNS),
    );
    await db.close();

    info("stored rows listed (deleted excluded)", `${stored.length}`);
    info("text in the thread", `${(chars / 1e6).toFixed(2)} M chars`);
    info("default budget: messages kept / dropped", `${stored.length - trimmed.dropped} / ${trimmed.dropped}`);
    info("default budget: turns / est. tokens", `${trimmed.messages.length} / ${trimmed.estimatedTokens}`);
    info("no limit: turns", `${whole.messages.length}`);
    line();
    table([
      ["figure (ms)", "runs", "p50", "p99", "max"],
      ["ConversationStore.list() (SQLite file)", list.n, list.p50.toFixed(2), list.p99.toFixed(2), list.max.toFixed(2)],
      ["(await ConversationStore.listRecent()) (what a reply reads)", recent.n, recent.p50.toFixed(2), recent.p99.toFixed(2), recent.max.toFixed(2)],
      ["buildHistory(), default budget", build.n, build.p50.toFixed(2), build.p99.toFixed(2), build.max.toFixed(2)],
      ["buildHistory(), no limit (all kept)", buildAll.n, buildAll.p50.toFixed(2), buildAll.p99.toFixed(2), buildAll.max.toFixed(2)],
      ["withCacheBreakpoints(), all kept", marks.n, marks.p50.toFixed(2), marks.p99.toFixed(2), marks.max.toFixed(2)],
      ["listRecent + build + breakpoints (a reply's path)", path.n, path.p50.toFixed(2), path.p99.toFixed(2), path.max.toFixed(2)],
    ]);
    line();
    verdict("buildHistory(), default budget, p99", build.p99, TARGET_BUILD_MS, ms);
    verdict("buildHistory(), no limit, p99", buildAll.p99, TARGET_BUILD_MS, ms);
    verdict("listRecent + build + breakpoints, p99", path.p99, TARGET_BUILD_MS, ms);
  } finally {
    tmp.cleanup();
  }
}
