// Slack under load: bursts of mentions answered at once in one workspace, against a fake Slack that
// enforces Slack's limits (each method's sliding 60 s window per workspace: chat.update 50,
// chat.appendStream 100, chat.startStream and chat.stopStream 20 each, conversations.replies 50;
// chat.postMessage 1 per second per channel) and a fake Claude streaming every answer (~1,200
// characters) over ~6 s. Real App, real Slack adapter, real Bolt (HTTP mode).
// Run: npx tsx bench/slack.ts
//
// Prints, per scenario of issue 11's target table: replies complete and exact, 429s received,
// event → first visible text (median), burst → every reply final, the model time (the fake
// Claude's stream time in the same run), how long after its own model finished each reply was
// final, and the longest gap between a reply's visible updates.
import { ALICE, BOT, SLACK_LIMITS, type FakeMessage } from "../test/fakes/slack/index.ts";
import { asMessagesBody } from "../test/fakes/claude.ts";
import { check, heading, info, line, median, replyText, sleep, verdict } from "./lib.ts";
import { startSlackHarness } from "../test/helpers/slack.ts";

/** ~50 tokens/s at ~4 characters per token: 300 chunks, 20 ms apart = ~6 s per answer. */
const CHARS_PER_CHUNK = 4;
const CHUNK_DELAY_MS = 20;
const REPLY_CHARS = 1_200;
const TIMEOUT_MS = 240_000;

interface Scenario {
  name: string;
  replies: number;
  channels: number;
  /** Mentions are spread evenly over this long (0: all at once). */
  overMs: number;
  targets: { firstTextS: number; allFinalModelTimes?: number; afterModelS?: number };
}

const SCENARIOS: Scenario[] = [
  { name: "20 mentions in 1 channel", replies: 20, channels: 1, overMs: 0, targets: { firstTextS: 1, allFinalModelTimes: 1.3 } },
  { name: "20 mentions in 20 channels", replies: 20, channels: 20, overMs: 0, targets: { firstTextS: 1, allFinalModelTimes: 1.3 } },
  { name: "40 mentions in 40 channels", replies: 40, channels: 40, overMs: 0, targets: { firstTextS: 1, allFinalModelTimes: 2 } },
  { name: "120 mentions over 60 s in 10 channels", replies: 120, channels: 10, overMs: 60_000, targets: { firstTextS: 2, afterModelS: 10 } },
];

interface Outcome {
  exact: number;
  limited: Map<string, number>;
  firstTextS: number[];
  /** From Palaver's request to Claude to the first visible text: the platform side alone. */
  requestToTextS: number[];
  allFinalS: number;
  modelS: number[];
  afterModelS: number[];
  longestGapS: number[];
  streamed: number;
  quiet: number;
  repliesCalls: number;
}

async function run(s: Scenario): Promise<Outcome> {
  const h = await startSlackHarness({ slack: { rateLimits: SLACK_LIMITS } });
  try {
    const channels = Array.from({ length: s.channels }, (_, i) => {
      const id = `C0BENCH${i}`;
      h.slack.state.addChannel({ id, name: `bench-${i}`, type: "channel" });
      return id;
    });
    const texts = Array.from({ length: s.replies }, (_, i) => replyText(i, REPLY_CHARS));
    const questionOf = (body: unknown) => Number(/question (\d+)/.exec(JSON.stringify(asMessagesBody(body).messages.at(-1)))?.[1]);
    // Answer each question with its own text, whatever order the requests arrive in.
    h.claude.setResponder((body) => ({ text: texts[questionOf(body)]!, chunkSize: CHARS_PER_CHUNK, chunkDelayMs: CHUNK_DELAY_MS }));
    const start = Date.now();
    const gap = s.overMs / s.replies;
    const asked = await Promise.all(
      texts.map(async (_, i) => {
        await sleep(i * gap);
        const channel = channels[i % s.channels]!;
        const at = Date.now();
        const said = await h.slack.userSays({ user: ALICE.id, channel, text: `<@${BOT.userId}> question ${i}` });
        return { i, channel, ts: said.ts, at };
      }),
    );
    const done = (a: (typeof asked)[number]) => {
      const msgs = h.slack.botMessages(a.channel, a.ts);
      return msgs.length > 0 && msgs.every((m) => !m.streaming) && msgs.map((m) => m.text).join("").length >= texts[a.i]!.length;
    };
    while (!asked.every(done) || h.app.bot.activeConversations > 0) {
      if (Date.now() - start > TIMEOUT_MS) break;
      await sleep(20);
    }
    await h.slack.settle();

    const modelEnd = new Map<number, { at: number; endedAt: number }>();
    for (const r of h.claude.messageRequests()) {
      if (r.endedAt !== undefined) modelEnd.set(questionOf(r.body), { at: r.at, endedAt: r.endedAt });
    }
    const out: Outcome = {
      exact: 0,
      limited: new Map(h.slack.api.limiter.limited),
      firstTextS: [],
      requestToTextS: [],
      allFinalS: 0,
      modelS: [...modelEnd.values()].map((m) => (m.endedAt - m.at) / 1000),
      afterModelS: [],
      longestGapS: [],
      streamed: 0,
      quiet: 0,
      repliesCalls: h.slack.api.callsTo("conversations.replies").length,
    };
    let lastFinal = start;
    for (const a of asked) {
      const msgs: FakeMessage[] = h.slack.botMessages(a.channel, a.ts);
      if (msgs.map((m) => m.text).join("\n\n").replace(/\s+/g, " ") === texts[a.i]!.replace(/\s+/g, " ")) out.exact++;
      if (msgs[0]?.origin === "chat.startStream") out.streamed++;
      // Every version a person saw, in order across the reply's messages.
      const times = msgs.flatMap((m) => m.versionAt).sort((x, y) => x - y);
      if (times.length === 0) continue;
      if (times.length === 1) out.quiet++;
      const final = times.at(-1)!;
      lastFinal = Math.max(lastFinal, final);
      out.firstTextS.push((times[0]! - a.at) / 1000);
      const model = modelEnd.get(a.i);
      if (model) out.requestToTextS.push((times[0]! - model.at) / 1000);
      const ended = model?.endedAt;
      if (ended !== undefined) out.afterModelS.push((final - ended) / 1000);
      out.longestGapS.push(Math.max(0, ...times.slice(1).map((t, k) => (t - times[k]!) / 1000)));
    }
    out.allFinalS = (lastFinal - start) / 1000;
    return out;
  } finally {
    await h.close();
  }
}

// Scenario names to run (substring match), e.g. `npx tsx bench/slack.ts "40 mentions"`; all by default.
const only = process.argv.slice(2);
const chosen = SCENARIOS.filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)));
// One mention first, unmeasured: modules loaded on first use are then loaded before the clock runs.
process.stderr.write("bench/slack: warming up…\n");
await run({ name: "warm-up", replies: 1, channels: 1, overMs: 0, targets: { firstTextS: Infinity } });

heading("Slack: bursts of mentions in one workspace");
line("  fake Slack enforces sliding 60 s windows per workspace: chat.update 50, chat.appendStream 100,");
line("  chat.startStream 20, chat.stopStream 20, conversations.replies 50; chat.postMessage 1/s per channel");
line(`  fake Claude: ${REPLY_CHARS} characters per answer, ${CHARS_PER_CHUNK} every ${CHUNK_DELAY_MS} ms`);
for (const s of chosen) {
  process.stderr.write(`bench/slack: ${s.name}…\n`);
  const r = await run(s);
  const total429 = [...r.limited.values()].reduce((a, b) => a + b, 0);
  const modelS = median(r.modelS);
  line(`\n  ${s.name}${s.overMs ? ` (one every ${(s.overMs / s.replies / 1000).toFixed(1)} s)` : " (at once)"}`);
  check(`replies complete and exact (${r.exact}/${s.replies})`, r.exact === s.replies);
  verdict("429s received", total429, 0, (v) => v.toFixed(0));
  if (total429 > 0) info("  by method", [...r.limited].map(([m, n]) => `${m} ${n}`).join(", "));
  verdict("event → first visible text, median", median(r.firstTextS), s.targets.firstTextS, (v) => `${v.toFixed(2)} s`);
  info("event → first visible text, max", `${Math.max(...r.firstTextS).toFixed(2)} s`);
  info("Claude request → first visible text, median", `${median(r.requestToTextS).toFixed(2)} s`);
  info("event → Claude request, median (ingestion)", `${median(r.firstTextS.map((f, k) => f - (r.requestToTextS[k] ?? 0))).toFixed(2)} s`);
  info("model time (fake Claude stream), median", `${modelS.toFixed(2)} s`);
  if (s.targets.allFinalModelTimes !== undefined) {
    verdict("all final after, in model times", r.allFinalS / modelS, s.targets.allFinalModelTimes, (v) => `${v.toFixed(2)}×`);
  }
  info("all final after", `${r.allFinalS.toFixed(2)} s`);
  if (s.targets.afterModelS !== undefined) {
    verdict("final after its own model finished, max", Math.max(...r.afterModelS), s.targets.afterModelS, (v) => `${v.toFixed(2)} s`);
  }
  info("final after its own model finished, median", `${median(r.afterModelS).toFixed(2)} s`);
  info("longest gap between a reply's updates, max", `${Math.max(...r.longestGapS).toFixed(2)} s`);
  info("longest gap between a reply's updates, median", `${median(r.longestGapS).toFixed(2)} s`);
  info("replies streamed natively / quiet (one post)", `${r.streamed} / ${r.quiet}`);
  info("conversations.replies calls", String(r.repliesCalls));
}
