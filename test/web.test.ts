// The web: /palaver web on|off per channel, Claude's web_search / web_fetch server tools through the
// real SDK against the fake Claude (which streams server_tool_use, web_search_tool_result and
// citations as the API does), sources under the reply, pause_turn continued, search errors said
// plainly, searches counted and priced, and history that later turns can send.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startCore, inbound, type CoreHarness } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { asMessagesBody, type MessagesBody } from "./fakes/claude.ts";
import type { CommandRequest } from "../src/types.ts";
import { selectAll, selectOne } from "./helpers/db.ts";

const harnesses: CoreHarness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function core(env: Record<string, string> = {}) {
  const h = await startCore(env);
  harnesses.push(h);
  return h;
}

const ADMIN = { id: "test:A", displayName: "Root", isPlatformAdmin: true };
const MEMBER = { id: "test:U1", displayName: "Ada", isPlatformAdmin: false };
const cmd = (text: string, user = ADMIN, channelId = "test:W:C"): CommandRequest => ({ platform: "console", workspaceId: "test:W", channelId, isDM: false, user, text });

const RESULTS = [
  { url: "https://nodejs.org/en/blog/release/v24.0.0", title: "Node.js 24 released" },
  { url: "https://example.org/node-24", title: "What's new in Node 24" },
];

let n = 0;
const thread = () => ({ conversationId: `test:W:C:web-${++n}` });
const lastBody = (h: CoreHarness): MessagesBody => asMessagesBody(h.claude.messageRequests().at(-1)!.body);
const toolNames = (b: MessagesBody) => (b.tools ?? []).map((t) => `${String(t.type)}:${String(t.name)}:${String(t.max_uses)}`);

test("/palaver web: off by default, on per channel by an admin only, and only there", async () => {
  const h = await core();
  const bot = h.app.bot;
  assert.match(await bot.command(cmd("web")), /Web here:\*\* off.*PALAVER_WEB default/);
  assert.match(await bot.command(cmd("web on", MEMBER)), /Only admins can turn the web on/);
  await bot.handle(inbound("hi", thread()), new RecordingSurface("test:w0"));
  assert.deepEqual(toolNames(lastBody(h)), [], "no server tools while off");
  assert.match(await bot.command(cmd("web on")), /on in this channel/);
  assert.match(await bot.command(cmd("web")), /Web here:\*\* on: .*up to 5 searches a reply, \$10\.00 per 1,000 searches/);
  await bot.handle(inbound("hi again", thread()), new RecordingSurface("test:w1"));
  assert.deepEqual(toolNames(lastBody(h)), ["web_search_20250305:web_search:5", "web_fetch_20250910:web_fetch:5"]);
  await bot.handle(inbound("elsewhere", { ...thread(), channelId: "test:W:C2" }), new RecordingSurface("test:w2"));
  assert.deepEqual(toolNames(lastBody(h)), [], "another channel stays off");
  await bot.command(cmd("web off"));
  await bot.handle(inbound("off again", thread()), new RecordingSurface("test:w3"));
  assert.deepEqual(toolNames(lastBody(h)), []);
});

test("a search: status while it runs, sources as numbered links, one search in usage at $0.01", async () => {
  const h = await core({ PALAVER_WEB: "on", PALAVER_WEB_MAX_USES: "3" });
  h.claude.enqueue({ text: "Node 24 is out.", webSearch: { query: "latest node release", results: RESULTS, delayMs: 60 } });
  const surface = new RecordingSurface("test:search", { thinking: true });
  assert.equal(await h.app.bot.handle(inbound("what is the latest Node?", thread()), surface), "replied");
  assert.ok(surface.calls.some((c) => c.kind === "thinking" && c.text === "searching the web…"), "the status said so while searching");
  assert.equal(
    surface.shown().join("\n"),
    "Node 24 is out.\n\nSources: 1. [Node.js 24 released](https://nodejs.org/en/blog/release/v24.0.0) · 2. [What's new in Node 24](https://example.org/node-24)",
  );
  const usage = (await selectOne(h.app.db, "SELECT web_search_requests, cost_micros, input_tokens, output_tokens FROM usage")) as Record<string, number>;
  assert.equal(usage.web_search_requests, 1);
  const tokensOnly = h.app.prices.costMicros("claude-sonnet-4-6", { inputTokens: usage.input_tokens!, outputTokens: usage.output_tokens!, cacheReadTokens: 0, cacheWriteTokens: 0 })!;
  assert.equal(usage.cost_micros, tokensOnly + 10_000, "$10 per 1,000 searches on top of tokens");
  assert.match(await h.app.bot.command(cmd("usage today")), /\$0\.0[1-9]/);
});

test("history stays valid: the next turn sends Palaver's answer as plain text and is accepted", async () => {
  const h = await core({ PALAVER_WEB: "on" });
  const conv = thread();
  h.claude.enqueue({ text: "Node 24 is out.", webSearch: { query: "node", results: RESULTS } });
  await h.app.bot.handle(inbound("latest node?", conv), new RecordingSurface("test:h1"));
  const next = new RecordingSurface("test:h2");
  assert.equal(await h.app.bot.handle(inbound("and before that?", conv), next), "replied");
  const body = lastBody(h);
  assert.deepEqual(body.messages[1], { role: "assistant", content: [{ type: "text", text: "Node 24 is out." }] }, "no sources note, no tool blocks, no citations");
  assert.match(next.shown().join("\n"), /^Echo: and before that\?$/);
});

test("pause_turn is continued, sending the paused search blocks back unchanged", async () => {
  const h = await core({ PALAVER_WEB: "on" });
  h.claude.enqueue({ webSearch: { query: "node lts", results: RESULTS }, pauseAfterSearch: true }, { text: "The LTS is Node 22." });
  const surface = new RecordingSurface("test:pause");
  const before = h.claude.messageRequests().length;
  assert.equal(await h.app.bot.handle(inbound("which node is LTS?", thread()), surface), "replied");
  assert.equal(h.claude.messageRequests().length - before, 2, "one continuation");
  const paused = lastBody(h).messages.at(-1)!;
  assert.equal(paused.role, "assistant");
  assert.deepEqual(Array.isArray(paused.content) && paused.content.map((b) => b.type), ["server_tool_use", "web_search_tool_result"]);
  assert.deepEqual((paused.content as { input?: unknown }[])[0]!.input, { query: "node lts" });
  assert.match(surface.shown().join("\n"), /^The LTS is Node 22\./);
  const rows = (await selectAll(h.app.db, "SELECT web_search_requests FROM usage")) as { web_search_requests: number }[];
  assert.deepEqual(rows.map((r) => r.web_search_requests), [1], "one usage row for the reply, counting the search once");
});

test("a search error inside a 200 response is said plainly, and not billed", async () => {
  const h = await core({ PALAVER_WEB: "on" });
  h.claude.enqueue({ text: "From what I know, Node 22.", webSearch: { query: "node", errorCode: "unavailable" } });
  const surface = new RecordingSurface("test:err");
  await h.app.bot.handle(inbound("latest node?", thread()), surface);
  assert.equal(
    surface.shown().join("\n"),
    "From what I know, Node 22.\n\n_(The web search did not fully work: the search service was unavailable. Parts of this answer may rest on what Claude already knew.)_",
  );
  const usage = (await selectOne(h.app.db, "SELECT web_search_requests FROM usage")) as { web_search_requests: number };
  assert.equal(usage.web_search_requests, 0);
});

test("the reservation covers PALAVER_WEB_MAX_USES searches at $0.01 each", async () => {
  const h = await core({ PALAVER_WEB_MAX_USES: "7" });
  const gate = h.app.bot["deps"].gate;
  const message = inbound("hello", thread());
  const without = (await gate.estimateMicros({ message, model: "claude-sonnet-4-6" }));
  const withWeb = (await gate.estimateMicros({ message, model: "claude-sonnet-4-6", webSearches: 7 }));
  assert.equal(withWeb - without, 70_000);
});
