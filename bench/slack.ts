// Slack under load: 20 replies streaming at once in one workspace, against a fake Slack that
// enforces Slack's limits (chat.update Tier 3 = 50/min per workspace, chat.postMessage 1/s per
// channel, and the streaming methods' tiers) and a fake Claude streaming ~50 tokens/s.
// Real App, real Slack adapter, real Bolt (HTTP mode). Run: npx tsx bench/slack.ts
//
// Prints, per transport (native streaming, and post + chat.update as on workspaces without it):
// 429s received (target 0), median seconds between visible updates of a reply, time from the
// event to the first visible text, time to the last reply finished, and whether every reply is
// complete and exact.
import { ALICE, BOT, SLACK_LIMITS, type FakeMessage } from "../test/fakes/slack/index.ts";
import { median, percentile, replyText, sleep } from "./lib.ts";
import { startSlackHarness, type SlackHarness } from "../test/helpers/slack.ts";

const REPLIES = 20;
const CHANNELS = 5;
/** ~50 tokens/s at ~4 characters per token. */
const CHARS_PER_CHUNK = 4;
const CHUNK_DELAY_MS = 20;
/** ~400 tokens per reply: 8 s of streaming. */
const REPLY_CHARS = 1_600;
const TIMEOUT_MS = 180_000;





interface Run {
  transport: string;
  limited: Map<string, number>;
  updateGapMedianS: number;
  updateGapP90S: number;
  updateGapMaxS: number;
  updatesPerReply: number;
  streamed: number;
  firstTextP50S: number;
  firstTextMaxS: number;
  allDoneS: number;
  exact: number;
}

async function run(transport: "native streaming" | "post + chat.update"): Promise<Run> {
  const h: SlackHarness = await startSlackHarness({ slack: { rateLimits: SLACK_LIMITS } });
  try {
    if (transport === "post + chat.update") h.slack.api.disable("chat.startStream", "chat.appendStream", "chat.stopStream");
    const channels = Array.from({ length: CHANNELS }, (_, i) => {
      const id = `C0BENCH${i}`;
      h.slack.state.addChannel({ id, name: `bench-${i}`, type: "channel" });
      return id;
    });
    const texts = Array.from({ length: REPLIES }, (_, i) => replyText(i, REPLY_CHARS));
    // Answer each question with its own text, whatever order the requests arrive in.
    h.claude.setResponder((body) => {
      const last = JSON.stringify(body.messages.at(-1));
      const i = Number(/question (\d+)/.exec(last)?.[1]);
      return { text: texts[i]!, chunkSize: CHARS_PER_CHUNK, chunkDelayMs: CHUNK_DELAY_MS };
    });
    const start = Date.now();
    const asked = await Promise.all(
      texts.map(async (_, i) => {
        const channel = channels[i % CHANNELS]!;
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
      await sleep(50);
    }
    const allDoneS = (Date.now() - start) / 1000;
    await h.slack.settle();

    const gaps: number[] = [];
    const allGaps: number[] = [];
    let updates = 0;
    let streamed = 0;
    const firstText: number[] = [];
    let exact = 0;
    for (const a of asked) {
      const msgs: FakeMessage[] = h.slack.botMessages(a.channel, a.ts);
      if (msgs.map((m) => m.text).join("\n\n").replace(/\s+/g, " ") === texts[a.i]!.replace(/\s+/g, " ")) exact++;
      const times = msgs.flatMap((m) => m.versionAt);
      updates += times.length;
      if (msgs[0]?.origin === "chat.startStream") streamed++;
      if (times.length > 0) firstText.push((times[0]! - a.at) / 1000);
      const replyGaps = times.slice(1).map((t, k) => (t - times[k]!) / 1000);
      if (replyGaps.length > 0) gaps.push(median(replyGaps));
      allGaps.push(...replyGaps);
    }
    return {
      transport,
      limited: new Map(h.slack.api.limiter.limited),
      updateGapMedianS: median(gaps),
      updateGapP90S: percentile(allGaps, 90),
      updateGapMaxS: Math.max(...allGaps),
      updatesPerReply: updates / REPLIES,
      streamed,
      firstTextP50S: percentile(firstText, 50),
      firstTextMaxS: Math.max(...firstText),
      allDoneS,
      exact,
    };
  } finally {
    await h.close();
  }
}

const results: Run[] = [];
for (const transport of ["native streaming", "post + chat.update"] as const) {
  process.stderr.write(`bench/slack: ${REPLIES} replies at once, ${transport}…\n`);
  results.push(await run(transport));
}

console.log(`Slack: ${REPLIES} replies at once in one workspace (${CHANNELS} channels), fake Claude at ~50 tokens/s, ${REPLY_CHARS} chars each`);
console.log("Slack's limits enforced by the fake: chat.update 50/min per workspace, chat.postMessage 1/s per channel,");
console.log("chat.startStream/stopStream 20/min, chat.appendStream 100/min, conversations.replies 50/min\n");
for (const r of results) {
  const total429 = [...r.limited.values()].reduce((a, b) => a + b, 0);
  const detail = total429 ? ` (${[...r.limited].map(([m, n]) => `${m}: ${n}`).join(", ")})` : "";
  console.log(`${r.transport}`);
  console.log(`  429s received:                           ${total429}${detail}   (target 0${total429 === 0 ? "" : ": MISS"})`);
  console.log(`  median s between visible updates/reply:  ${r.updateGapMedianS.toFixed(2)}  (all gaps p90 ${r.updateGapP90S.toFixed(2)}, max ${r.updateGapMaxS.toFixed(2)})`);
  console.log(`  visible updates per reply (mean):        ${r.updatesPerReply.toFixed(1)}`);
  if (r.transport === "native streaming") console.log(`  replies that streamed natively:          ${r.streamed}/${REPLIES} (the rest: post + update)`);
  console.log(`  event → first visible text p50 / max s:  ${r.firstTextP50S.toFixed(2)} / ${r.firstTextMaxS.toFixed(2)}`);
  console.log(`  all ${REPLIES} replies finished after s:      ${r.allDoneS.toFixed(1)}`);
  console.log(`  replies complete and exact:              ${r.exact}/${REPLIES}${r.exact === REPLIES ? "" : "   MISS"}\n`);
}
