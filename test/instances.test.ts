// Two Palaver processes on one database, through the fakes: the deployment "Running several
// instances" in the README describes. The database is a shared SQLite file here (WAL, so both
// processes read and write it); the event dedup that makes each event answered once is a row in it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { ALICE, BOT, GENERAL, startFakeSlack, type FakeSlack } from "./fakes/slack/index.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { startInstances, stopInstances, type Instance } from "./helpers/instances.ts";
import { mention, SIGNING_SECRET } from "./helpers/slack.ts";

/** Questions per test: enough that both instances get both envelopes of some of them. */
const QUESTIONS = 6;

interface World {
  slack: FakeSlack;
  claude: FakeClaude;
  instances: Instance[];
}

async function startWorld(mode: "http" | "socket"): Promise<World> {
  const slack = await startFakeSlack();
  const claude = await startFakeClaude();
  claude.setResponder(() => ({ text: "One answer." }));
  const instances = await startInstances(2, {
    ANTHROPIC_API_KEY: "sk-test-instances-0001",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_PATH: tempDbPath(),
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_API_URL: slack.apiUrl,
    // debug: each instance logs what it did with each message ("slack message handled").
    LOG_LEVEL: "debug",
    ...(mode === "socket" ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
  });
  if (mode === "http") slack.useHttp(instances.map((i) => `http://127.0.0.1:${i.port}/slack/events`), SIGNING_SECRET);
  else await waitFor(() => slack.socket.openConnections === 2, 10_000, "a Socket Mode connection per instance");
  return { slack, claude, instances };
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
