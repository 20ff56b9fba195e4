// /palaver through the real core (App + real SDK → fake Claude, real SQLite, a recording surface):
// who may do what, settings reaching the next Claude request, usage equal to what Claude reported,
// budgets refusing before any request, and forget.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startCore, inbound, waitFor, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { asMessagesBody, type MessagesBody } from "./fakes/claude.ts";
import { PromptCache } from "./fakes/claude-cache.ts";
import { asBlocks } from "./fakes/claude-wire.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import { UsageReports } from "../src/usage/report.ts";
import type { CommandRequest, InboundMessage } from "../src/types.ts";
import { selectOne } from "./helpers/db.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function core(env: Record<string, string> = {}, clock?: ManualClock) {
  const h = await startCore(env, clock ? { clock } : {});
  harnesses.push(h);
  return h;
}

const ADMIN = { id: "test:A", displayName: "Root", isPlatformAdmin: true };
const MEMBER = { id: "test:U1", displayName: "Ada", isPlatformAdmin: false };

function cmd(text: string, over: Partial<CommandRequest> = {}): CommandRequest {
  return {
    platform: "console",
    workspaceId: "test:W",
    channelId: "test:W:C",
    isDM: false,
    user: MEMBER,
    text,
    ...over,
  };
}

function systemText(body: MessagesBody): string {
  return body.system === undefined ? "" : asBlocks(body.system).map((b) => (b.type === "text" ? b.text : "")).join("");
}

function lastRequest(h: CoreHarness): MessagesBody {
  return asMessagesBody(h.claude.messageRequests().at(-1)!.body);
}

async function ask(h: CoreHarness, text: string, over: Partial<InboundMessage> = {}) {
  const surface = new RecordingSurface(`test:s:${text}`);
  const outcome = await h.app.bot.handle(inbound(text, over), surface);
  return { outcome, surface };
}

test("non-admins are told, and nothing changes; platform admins and PALAVER_ADMINS may", async () => {
  const h = await core({ PALAVER_ADMINS: "console:ops" });
  const bot = h.app.bot;
  const refusals: [string, RegExp][] = [
    ["prompt set Be terse.", /Only admins can set the system prompt/],
    ["prompt clear", /Only admins can clear the system prompt/],
    ["model set claude-haiku-4-5", /Only admins can set the model/],
    ["budget set workspace daily 0", /Only admins can set budgets/],
    ["budget clear workspace daily", /Only admins can clear budgets/],
    ["forget", /Only admins and the person who started the thread can make Palaver forget a channel conversation/],
  ];
  for (const [text, pattern] of refusals) {
    // Claiming to be an admin in the name or text makes no difference.
    const answer = await bot.command(cmd(text, { user: { id: "test:U1", displayName: "admin", isPlatformAdmin: false } }));
    assert.match(answer, pattern, text);
    assert.match(answer, /Nothing was (changed|deleted)\./, text);
  }
  const counts = (await selectOne(h.app.db, "SELECT (SELECT COUNT(*) FROM settings) + (SELECT COUNT(*) FROM budgets) + (SELECT COUNT(*) FROM settings_audit) AS n")) as { n: number };
  assert.equal(counts.n, 0, "no setting, budget or audit row was written");

  // Reading is for everyone.
  assert.match(await bot.command(cmd("prompt")), /System prompt here\*\* \(from Palaver's built-in default\)/);
  assert.match(await bot.command(cmd("model")), /Model here:\*\* `claude-sonnet-4-6` \(from the PALAVER_MODEL default\); \$3\.00 input \/ \$15\.00 output/);
  assert.match(await bot.command(cmd("help")), /`\/palaver budget set <workspace\|channel\|user> \[@user\] <daily\|monthly> <usd>`/);

  // A platform admin, and an id listed in PALAVER_ADMINS.
  assert.match(await bot.command(cmd("model set claude-haiku-4-5", { user: ADMIN })), /This channel's model is now `claude-haiku-4-5`/);
  const ops = { id: "console:ops", displayName: "Ops", isPlatformAdmin: false };
  assert.match(await bot.command(cmd("budget set channel daily 5", { user: ops })), /Set this channel's daily budget to \$5\.00 \(was: no limit\)/);
  assert.match(await bot.command(cmd("model")), /`claude-haiku-4-5` \(from this channel's setting, set by Root \(test:A\) on \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);

  // Grammar errors come back with the usage line, and change nothing either.
  assert.equal(
    await bot.command(cmd("budget set channel daily -1", { user: ADMIN })),
    'Bad amount: "-1" is negative: a budget is 0 or more dollars.\nUsage: `/palaver budget [set <workspace|channel|user> [@user] <daily|monthly> <usd> | clear <workspace|channel|user> [@user] <daily|monthly>]`',
  );
  assert.match(await bot.command(cmd("budget set user <@slack:U9> daily 1", { user: ADMIN })), /`slack:U9` is not a user of this platform/);
});

test("prompt set in a channel reaches that channel's next Claude request, not another channel's", async () => {
  const h = await core();
  const bot = h.app.bot;
  const PROMPT = "You are a pirate. Answer in pirate speak.";
  assert.match(await bot.command(cmd(`prompt set ${PROMPT}`, { user: ADMIN })), /This channel's system prompt is set/);

  await ask(h, "hello", { channelId: "test:W:C", conversationId: "test:W:C:t1" });
  assert.equal(systemText(lastRequest(h)), PROMPT);
  await ask(h, "hello", { channelId: "test:W:OTHER", conversationId: "test:W:OTHER:t1" });
  assert.notEqual(systemText(lastRequest(h)), PROMPT);
  assert.equal(systemText(lastRequest(h)), h.config.systemPrompt);

  const shown = await bot.command(cmd("prompt"));
  assert.match(shown, /from this channel's setting, set by Root \(test:A\) on /);
  assert.match(shown, /> You are a pirate\./);

  // The audit trail has who, old and new value.
  const audit = (await h.app.settings.history("channel:test:W:C", "system_prompt"));
  assert.deepEqual(audit.map((a) => [a.old_value, a.new_value, a.set_by]), [[null, PROMPT, "Root (test:A)"]]);

  assert.match(await bot.command(cmd("prompt clear", { user: ADMIN })), /cleared; it now uses Palaver's built-in default/);
  await ask(h, "again", { channelId: "test:W:C", conversationId: "test:W:C:t2" });
  assert.equal(systemText(lastRequest(h)), h.config.systemPrompt);
  assert.match(await bot.command(cmd("prompt clear", { user: ADMIN })), /has no system prompt of its own; nothing was changed/);
});

test("model set: the next request in the channel uses it", async () => {
  const h = await core();
  await ask(h, "before");
  assert.equal(lastRequest(h).model, "claude-sonnet-4-6");
  await h.app.bot.command(cmd("model set claude-opus-4-6", { user: ADMIN }));
  await ask(h, "after");
  assert.equal(lastRequest(h).model, "claude-opus-4-6");
  assert.match(await h.app.bot.command(cmd("model set claude-9000", { user: ADMIN })), /^Unknown model "claude-9000"/);
  assert.equal((await ask(h, "still")).outcome, "replied");
  assert.equal(lastRequest(h).model, "claude-opus-4-6");
});

test("usage totals equal the fake Claude's reported usage priced by the table, cache tokens included", async () => {
  const h = await core();
  // A system prompt long enough to be cached (over the fake's 1,024-token minimum).
  const longPrompt = `You are a meticulous assistant. ${"Consider every detail carefully. ".repeat(200)}`;
  await h.app.bot.command(cmd(`prompt set ${longPrompt}`, { user: ADMIN }));
  h.claude.enqueue({ text: "One.", outputTokens: 7 }, { text: "Two.", outputTokens: 11 }, { text: "Three.", outputTokens: 13 }, { text: "Four.", outputTokens: 5 });
  await ask(h, "first", { conversationId: "test:W:C:u1" });
  await ask(h, "second", { conversationId: "test:W:C:u1" });
  await ask(h, "third", { conversationId: "test:W:C:u1", author: { id: "test:U2", displayName: "Bob", isBot: false, isMe: false } });
  await ask(h, "fourth", { conversationId: "test:W:C:u2", channelId: "test:W:C2" });

  // What the fake reported: replay the recorded requests through the same cache simulation.
  const cache = new PromptCache({ minCacheTokens: 1024, cacheTtlMs: 5 * 60 * 1000, now: () => Date.now() });
  const outputs = [7, 11, 13, 5];
  const expected = { requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0 };
  for (const [i, req] of h.claude.messageRequests().entries()) {
    const body = asMessagesBody(req.body);
    const u = cache.process(body);
    const usage = {
      inputTokens: u.input_tokens,
      outputTokens: outputs[i]!,
      cacheWriteTokens: u.cache_creation_input_tokens,
      cacheReadTokens: u.cache_read_input_tokens,
    };
    expected.requests++;
    expected.inputTokens += usage.inputTokens;
    expected.outputTokens += usage.outputTokens;
    expected.cacheReadTokens += usage.cacheReadTokens;
    expected.cacheWriteTokens += usage.cacheWriteTokens;
    expected.costMicros += h.app.prices.costMicros(body.model, usage)!;
  }
  assert.ok(expected.cacheWriteTokens > 0 && expected.cacheReadTokens > 0, "the run used the cache both ways");

  const report = await new UsageReports(h.app.db, h.app.prices).report({ period: "today", by: "user", workspaceId: "test:W", now: Date.now() });
  const { requests, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros } = report.totals;
  assert.deepEqual({ requests, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, costMicros }, expected);

  // The command shows the same: admins the workspace by user, members their own usage.
  const adminView = await h.app.bot.command(cmd("usage today", { user: ADMIN }));
  assert.match(adminView, /\*\*Usage today \(.*\), this workspace, by user\*\*/);
  assert.match(adminView, new RegExp(`\\ntotal +${expected.requests} `));
  assert.match(adminView, /\nAda +3 /);
  assert.match(adminView, /\nBob +1 /);
  assert.match(adminView, /cache hit rate {2}\d+% {3}caching saved \$/);
  const own = await h.app.bot.command(cmd("usage today by user", { user: { id: "test:U2", displayName: "Bob", isPlatformAdmin: false } }));
  assert.match(own, /your own usage, by user/);
  assert.match(own, /\ntotal +1 /);
  assert.doesNotMatch(own, /Ada/);
});

test("a budget reached: one line where the request was made, and no Claude request", async () => {
  const h = await core();
  const bot = h.app.bot;
  h.claude.enqueue({ text: "Spent.", outputTokens: 1000 });
  await ask(h, "cost something");
  const spent = ((await selectOne(h.app.db, "SELECT SUM(cost_micros) AS c FROM usage")) as { c: number }).c;
  assert.ok(spent > 0);

  const set = await bot.command(cmd(`budget set channel daily ${spent / 1e6}`, { user: ADMIN }));
  assert.match(set, /That is already reached/);
  const before = h.claude.messageRequests().length;
  const { outcome, surface } = await ask(h, "one more");
  assert.equal(outcome, "refused");
  assert.equal(h.claude.messageRequests().length, before, "no request to Claude");
  assert.equal(surface.shown().length, 1);
  assert.match(surface.shown()[0]!, /^This channel's daily budget of \$0\.\d+ is used up \(\$0\.\d+ spent today\); it resets at 00:00 UTC \(in .+\)\.$/);

  const show = await bot.command(cmd("budget"));
  assert.match(show, /this channel +daily +\$0\.\d+ +\$0\.\d+/);
  assert.match(show, /this channel daily: set by Root \(test:A\) on .* — \*\*reached\*\*/);

  // A user budget names the person, never pings them, and stops only them.
  const bob = { id: "test:U2", displayName: "Bob", isBot: false, isMe: false };
  assert.equal((await ask(h, "hi from bob", { channelId: "test:W:C3", author: bob })).outcome, "replied");
  assert.match(await bot.command(cmd("budget set user <@test:U2> daily 0", { user: ADMIN })), /^Set @Bob's daily budget to \$0\.00 \(was: no limit\)/);
  const bobRefused = await ask(h, "bob again", { channelId: "test:W:C3", author: bob });
  assert.equal(bobRefused.outcome, "refused");
  assert.match(bobRefused.surface.shown()[0]!, /^Your daily budget is \$0, so Palaver makes no requests here/);
  assert.equal((await ask(h, "ada here", { channelId: "test:W:C3" })).outcome, "replied");

  // Another channel is not limited; clearing the budget lets the channel talk again.
  assert.equal((await ask(h, "elsewhere", { channelId: "test:W:C2" })).outcome, "replied");
  assert.match(await bot.command(cmd("budget clear channel daily", { user: ADMIN })), /Cleared this channel's daily budget of \$0\.\d+; no daily limit applies now/);
  assert.equal((await ask(h, "again")).outcome, "replied");
});

test("two requests racing the last cents: one goes to Claude and finishes, the other is refused", async () => {
  const h = await core({ PALAVER_BUDGET_DAILY_USD: "0.02" });
  // The first reply streams slowly, so the second arrives while it is in flight.
  h.claude.enqueue({ text: "A reply that takes a while to stream in full.", chunkSize: 4, chunkDelayMs: 10, outputTokens: 2000 });
  const s1 = new RecordingSurface("test:race1");
  const s2 = new RecordingSurface("test:race2");
  const first = h.app.bot.handle(inbound("first", { conversationId: "test:W:C:r1" }), s1);
  await waitFor(() => h.claude.messageRequests().length === 1, 5000, "the first request to reach Claude");
  const second = await h.app.bot.handle(inbound("second", { conversationId: "test:W:C:r2" }), s2);
  assert.equal(second, "refused");
  assert.match(s2.shown()[0]!, /^This workspace's daily budget of \$0\.02 is used up \(\$0\.00 spent today, plus \$0\.\d+ for replies in progress\)/);
  assert.equal(await first, "replied");
  assert.deepEqual(s1.shown(), ["A reply that takes a while to stream in full."], "the reply in flight finishes");
  assert.equal(h.claude.messageRequests().length, 1);
  // 2,000 output tokens at $15/M = 3 cents: over the limit, by no more than the request in flight.
  const third = await ask(h, "third", { conversationId: "test:W:C:r3" });
  assert.equal(third.outcome, "refused");
  assert.match(third.surface.shown()[0]!, /\(\$0\.03\d* spent today\)/);
});

test("the daily window resets at 00:00 UTC (a clock we move)", async () => {
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 23, 58));
  const h = await core({ PALAVER_BUDGET_DAILY_USD: "0.001" }, clock);
  h.claude.enqueue({ text: "ok", outputTokens: 1000 });
  assert.equal((await ask(h, "spend")).outcome, "replied");
  const refused = await ask(h, "more");
  assert.equal(refused.outcome, "refused");
  assert.match(refused.surface.shown()[0]!, /resets at 00:00 UTC \(in 2 min\)/);
  clock.set(Date.UTC(2026, 6, 2, 0, 0));
  assert.equal((await ask(h, "tomorrow")).outcome, "replied");
});

test("forget: the next request starts fresh, even when the platform still has the thread", async () => {
  const h = await core();
  const bot = h.app.bot;
  const conv = "test:W:D:dm1";
  const dm = { conversationId: conv, channelId: "test:W:D", isDM: true };
  const platformThread: InboundMessage[] = [];
  // The platform keeps every message; fetchThread returns all of them, like Slack would.
  const say = async (text: string) => {
    const m = inbound(text, { ...dm, fetchThread: () => Promise.resolve([...platformThread]) });
    platformThread.push(m);
    return bot.handle(m, new RecordingSurface(`test:f:${text}`));
  };
  await say("my secret is 42");
  await say("what is my secret?");
  const before = lastRequest(h).messages;
  assert.ok(JSON.stringify(before).includes("my secret is 42"));

  // In a DM anyone may; in a channel thread only admins.
  assert.match(await bot.command(cmd("forget", { ...dm, user: MEMBER })), /^Forgotten: deleted \d+ stored messages of this conversation/);
  assert.equal((await bot.conversations.list(conv)).length, 0);

  await say("do you remember anything?");
  const after = lastRequest(h).messages;
  assert.equal(after.length, 1, "only the new message");
  assert.ok(!JSON.stringify(after).includes("my secret is 42"));
  assert.deepEqual(
    (await bot.conversations.list(conv)).map((m) => m.content).sort(),
    ["Echo: do you remember anything?", "do you remember anything?"],
    "only the new exchange is stored",
  );
  // Usage stays for accounting.
  assert.equal(((await selectOne(h.app.db, "SELECT COUNT(*) AS n FROM usage WHERE conversation_id = ?", conv)) as { n: number }).n, 3);

  // A DM command outside a thread forgets every conversation of that DM.
  await say("and now?");
  const all = await bot.command(cmd("forget", { channelId: "test:W:D", isDM: true, user: MEMBER }));
  assert.match(all, /^Forgotten: deleted \d+ stored messages in 1 conversation of this DM/);
  assert.match(await bot.command(cmd("forget", { user: ADMIN })), /Run `\/palaver forget` inside the thread/);
});
