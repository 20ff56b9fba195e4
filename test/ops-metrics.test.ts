// GET /metrics after real replies through the fakes: counters move by the right amounts, token
// and cost counters equal the usage table, platform 429s are counted per API method, budget
// refusals per scope, and the gauges follow replies in flight and messages queued.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSlackHarness, ask, replyIn, words } from "./helpers/slack.ts";
import { startDiscordHarness } from "./helpers/discord.ts";
import { inbound, startCore, waitFor } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { get, scrape, total, type Sample } from "./helpers/ops.ts";
import type { App } from "../src/runtime/app.ts";
import { LATENCY_BUCKETS_SECONDS } from "../src/ops/prometheus.ts";
import { selectOne } from "./helpers/db.ts";

interface UsageTotals {
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costMicros: number;
  withTtft: number;
}

async function usageTotals(app: App): Promise<UsageTotals> {
  return (await selectOne<UsageTotals>(
    app.db,
    `SELECT COUNT(*) AS requests, SUM(input_tokens) AS input, SUM(output_tokens) AS output,
              SUM(cache_read_tokens) AS cacheRead, SUM(cache_write_tokens) AS cacheWrite,
              SUM(cost_micros) AS costMicros, COUNT(ttft_ms) AS withTtft
       FROM usage`,
  ))!;
}

/** No Palaver metric carries a label that could name a person, a channel or a conversation. */
function assertNoPersonalLabels(samples: Sample[]): void {
  const allowed = new Set(["platform", "outcome", "model", "kind", "method", "scope", "le"]);
  for (const s of samples.filter((x) => x.name.startsWith("palaver_"))) {
    for (const label of Object.keys(s.labels)) assert.ok(allowed.has(label), `${s.name} has label ${label}`);
  }
}

describe("/metrics on Slack (HTTP mode, classic updates)", () => {
  test("replies, Claude requests, tokens and cost match the usage table; a chat.update 429 is counted", async () => {
    const h = await startSlackHarness({ adapter: { nativeStreaming: false } });
    try {
      const port = h.app.httpPort!;
      const before = await scrape(port);
      assert.equal(total(before, "palaver_replies_total"), 0, "nothing counted before any message");

      h.claude.enqueue({ text: "First answer." });
      h.claude.enqueue({ text: words(30), chunkSize: 10, chunkDelayMs: 30 });
      h.claude.enqueue({ text: "Third answer." });
      h.slack.api.fail({ method: "chat.update", status: 429, retryAfterSeconds: 1 });
      const first = await ask(h, "one");
      await replyIn(h, first);
      const second = await ask(h, "two");
      await replyIn(h, second, 15_000);
      const third = await ask(h, "three");
      await replyIn(h, third);

      const after = await scrape(port);
      assert.equal(total(after, "palaver_replies_total", { platform: "slack", outcome: "replied" }), 3);
      assert.equal(total(after, "palaver_replies_total"), 3, "no other outcome was counted");
      assert.equal(total(after, "palaver_reply_duration_seconds_count", { platform: "slack" }), 3);
      assert.ok(total(after, "palaver_reply_duration_seconds_sum", { platform: "slack" }) > 1, "the 429 wait (1 s) is inside a reply's duration");

      const usage = await usageTotals(h.app);
      assert.equal(usage.requests, 3);
      const model = h.config.model;
      assert.equal(total(after, "palaver_claude_requests_total", { model, outcome: "ok" }), usage.requests);
      assert.equal(total(after, "palaver_tokens_total", { model, kind: "input" }), usage.input);
      assert.equal(total(after, "palaver_tokens_total", { model, kind: "output" }), usage.output);
      assert.equal(total(after, "palaver_tokens_total", { model, kind: "cache_read" }), usage.cacheRead);
      assert.equal(total(after, "palaver_tokens_total", { model, kind: "cache_write" }), usage.cacheWrite);
      assert.ok(usage.input > 0 && usage.output > 0, "the fake reported real token counts");
      assert.ok(Math.abs(total(after, "palaver_cost_usd_total", { model }) - usage.costMicros / 1e6) < 1e-9, "cost in dollars equals the usage table's");
      assert.equal(total(after, "palaver_claude_ttft_seconds_count", { model }), usage.withTtft);
      const lastBucket = String(LATENCY_BUCKETS_SECONDS.at(-1));
      assert.equal(lastBucket, "120", "the buckets reach 120 s");
      assert.equal(total(after, "palaver_claude_ttft_seconds_bucket", { model, le: "120" }), usage.withTtft);

      assert.equal(total(after, "palaver_platform_rate_limited_total", { platform: "slack", method: "chat.update" }), 1);
      assert.equal(total(after, "palaver_platform_rate_limited_total"), 1, "only the scripted 429");
      assert.equal(total(after, "palaver_replies_in_flight"), 0);
      assert.equal(total(after, "palaver_queue_depth"), 0);
      assert.ok(after.some((s) => s.name === "process_cpu_user_seconds_total"), "the default process metrics are there");
      assert.ok(after.some((s) => s.name === "nodejs_eventloop_lag_seconds"), "and Node's");
      assertNoPersonalLabels(after);
    } finally {
      await h.close();
    }
  });
});

describe("/metrics on Discord", () => {
  test("an edit 429 is counted with the route (ids replaced), and replies by platform", async () => {
    const h = await startDiscordHarness();
    try {
      const { discord, world, claude } = h;
      // Streams long enough for several edits; the first one is refused with a 429.
      claude.enqueue({ text: words(40), chunkSize: 12, chunkDelayMs: 60 });
      discord.limiter.script({ method: "PATCH", path: /^\/channels\/\d+\/messages\/\d+$/, times: 1, retryAfterSeconds: 0.3 });
      discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} talk for a while` });
      await waitFor(() => discord.limiter.limited.length === 1 && h.app.bot.activeConversations === 0, 20_000, "the reply, past its 429");
      const samples = await scrape(h.app.httpPort!);
      assert.equal(total(samples, "palaver_replies_total", { platform: "discord", outcome: "replied" }), 1);
      const limited = samples.filter((s) => s.name === "palaver_platform_rate_limited_total");
      assert.ok(limited.length >= 1, "the 429 was counted");
      for (const s of limited) {
        assert.equal(s.labels.platform, "discord");
        assert.equal(s.labels.method, "PATCH /channels/:id/messages/:id", "a bounded route label, no ids");
      }
      assertNoPersonalLabels(samples);
    } finally {
      await h.close();
    }
  });
});

describe("/metrics from the core", () => {
  test("a budget refusal is counted by scope, and its message as refused", async () => {
    const h = await startCore({ PALAVER_BUDGET_DAILY_USD: "0" });
    try {
      await h.app.start([]);
      const outcome = await h.app.bot.handle(inbound("anything"), new RecordingSurface());
      assert.equal(outcome, "refused");
      const samples = await scrape(h.app.httpPort!);
      assert.equal(total(samples, "palaver_budget_refusals_total", { scope: "workspace" }), 1);
      assert.equal(total(samples, "palaver_budget_refusals_total"), 1);
      assert.equal(total(samples, "palaver_replies_total", { platform: "console", outcome: "refused" }), 1);
      assert.equal(total(samples, "palaver_reply_duration_seconds_count"), 0, "no reply was attempted");
      assert.equal(total(samples, "palaver_claude_requests_total"), 0, "and Claude was not asked");
    } finally {
      await h.close();
    }
  });

  test("replies in flight and the queue depth follow a slow reply and a message waiting behind it", async () => {
    const h = await startCore();
    try {
      await h.app.start([]);
      const port = h.app.httpPort!;
      h.claude.enqueue({ text: words(20), chunkSize: 5, chunkDelayMs: 100 }, { text: "Second." });
      const surface = new RecordingSurface();
      const first = h.app.bot.handle(inbound("slow one"), surface);
      await waitFor(() => h.claude.messageRequests().length === 1, 5000, "the first request");
      const second = h.app.bot.handle(inbound("queued one"), surface);
      const during = await scrape(port);
      assert.equal(total(during, "palaver_replies_in_flight"), 1);
      assert.equal(total(during, "palaver_queue_depth"), 1, "the second message waits for the first reply");
      assert.deepEqual(await Promise.all([first, second]), ["replied", "replied"]);
      const done = await scrape(port);
      assert.equal(total(done, "palaver_replies_in_flight"), 0);
      assert.equal(total(done, "palaver_queue_depth"), 0);
      assert.equal(total(done, "palaver_claude_requests_total", { outcome: "ok" }), 2);
    } finally {
      await h.close();
    }
  });

  test("a failed Claude request is counted with its error code", async () => {
    const h = await startCore({ PALAVER_CLAUDE_MAX_RETRIES: "0" });
    try {
      await h.app.start([]);
      h.claude.enqueue({ status: 401 });
      assert.equal(await h.app.bot.handle(inbound("hello?"), new RecordingSurface()), "failed");
      const samples = await scrape(h.app.httpPort!);
      assert.equal(total(samples, "palaver_claude_requests_total", { outcome: "claude_auth" }), 1);
      assert.equal(total(samples, "palaver_replies_total", { outcome: "failed" }), 1);
    } finally {
      await h.close();
    }
  });
});

describe("METRICS_TOKEN", () => {
  const token = "0123456789abcdef-metrics";
  test("/metrics wants the bearer token; /livez and /readyz do not", async () => {
    const h = await startCore({ METRICS_TOKEN: token });
    try {
      await h.app.start([]);
      const port = h.app.httpPort!;
      const none = await get(port, "/metrics");
      assert.equal(none.status, 401);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.doesNotMatch(none.body, new RegExp(token), "the answer never shows the token");
      assert.equal((await get(port, "/metrics", { authorization: `Bearer ${token}x` })).status, 401, "a longer token is wrong");
      assert.equal((await get(port, "/metrics", { authorization: `Bearer ${token.slice(0, -1)}` })).status, 401, "a prefix is wrong");
      assert.equal((await get(port, "/metrics", { authorization: token })).status, 401, "the Bearer scheme is required");
      const ok = await get(port, "/metrics", { authorization: `Bearer ${token}` });
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      assert.match(ok.body, /^# HELP palaver_replies_total /m);
      assert.equal((await get(port, "/livez")).status, 200);
      assert.equal((await get(port, "/readyz")).status, 200);
    } finally {
      await h.close();
    }
  });
});
