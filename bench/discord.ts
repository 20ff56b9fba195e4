// Discord under load: 5 replies streaming at once in one channel, against a fake Discord that
// enforces the commonly observed edit limit (5 edits per 5 s per channel, as a sliding window,
// answered with Discord's 429) and a fake Claude streaming every answer (~1,200 characters) over
// ~6 s. Real App, real Discord adapter, real discord.js. Run: npx tsx bench/discord.ts
//
// Two layouts: reply mode (every reply in the same channel: one shared edit window; issue 11's
// target) and thread mode, the default (each mention gets its own thread, a channel of its own).
// Prints replies complete and exact, 429s received, MESSAGE_CREATE → first visible text, all
// final after (in model times: the fake Claude's stream time in the same run), and the longest
// gap between a reply's visible updates.
import { check, heading, info, line, median, percentile, replyText, sleep, verdict } from "./lib.ts";
import { startDiscordHarness, type DiscordHarness } from "../test/helpers/discord.ts";
import { EDIT_WINDOW_MS, EDITS_PER_WINDOW } from "../adapters/discord/limits.ts";

const REPLIES = 5;
/** ~50 tokens/s at ~4 characters per token: 300 chunks, 20 ms apart = ~6 s per answer. */
const CHARS_PER_CHUNK = 4;
const CHUNK_DELAY_MS = 20;
/** Within one Discord message. */
const REPLY_CHARS = 1_200;
/** Issue 11's targets for reply mode. */
const FIRST_TEXT_TARGET_S = 1;
const ALL_FINAL_TARGET_MODEL_TIMES = 1.5;
/** Discord's commonly observed per-channel edit limit, enforced by the fake. */
const DISCORD_EDITS = { limit: 5, windowMs: 5_000 };
const TIMEOUT_MS = 120_000;



interface Outcome {
  limited: number;
  gapsS: number[];
  longestGapS: number[];
  modelS: number[];
  firstTextS: number[];
  allDoneS: number;
  exact: number;
  editsPerReply: number;
}

async function run(mode: "reply" | "thread"): Promise<Outcome> {
  const h: DiscordHarness = await startDiscordHarness({
    env: { DISCORD_REPLY_MODE: mode },
    discord: { editLimit: DISCORD_EDITS },
  });
  try {
    const { discord, world, claude } = h;
    const texts = Array.from({ length: REPLIES }, (_, i) => replyText(i, REPLY_CHARS));
    claude.setResponder((body) => {
      const last = body.messages.at(-1);
      const content = typeof last?.content === "string" ? last.content : (last?.content ?? []).map((b) => b.text ?? "").join("");
      const i = Number(/question (\d+)/.exec(content)?.[1] ?? -1);
      return { text: texts[i] ?? "?", chunkSize: CHARS_PER_CHUNK, chunkDelayMs: CHUNK_DELAY_MS };
    });
    const start = Date.now();
    const questions = texts.map((_, i) => ({
      at: Date.now(),
      message: discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} question ${i}` }),
    }));
    // Where each reply lives: its thread, or the channel (as a reply to its question).
    const replyOf = (q: (typeof questions)[number]) => {
      const where = mode === "thread" ? q.message.id : world.general.id;
      return discord.botMessagesIn(where).find((m) => mode === "thread" || m.reference?.messageId === q.message.id);
    };
    const done = () => questions.every((q, i) => replyOf(q)?.content === texts[i]);
    while (!done() && Date.now() - start < TIMEOUT_MS) await sleep(50);
    await sleep(200);

    const gapsS: number[] = [];
    const longestGapS: number[] = [];
    const firstTextS: number[] = [];
    let lastFinal = start;
    let edits = 0;
    for (const q of questions) {
      const reply = replyOf(q);
      if (!reply) continue;
      const patches = discord.callsTo("PATCH", new RegExp(`/messages/${reply.id}$`)).filter((c) => c.status === 200);
      edits += patches.length;
      // The reply's message was created (with its first text) when the fake minted its id.
      const visible = [reply.createdAt, ...patches.map((c) => c.at)];
      firstTextS.push((visible[0]! - q.at) / 1000);
      const replyGaps = visible.slice(1).map((t, k) => (t - visible[k]!) / 1000);
      gapsS.push(...replyGaps);
      longestGapS.push(Math.max(0, ...replyGaps));
      lastFinal = Math.max(lastFinal, visible.at(-1)!);
    }
    const modelS = claude
      .messageRequests()
      .filter((r) => r.endedAt !== undefined)
      .map((r) => (r.endedAt! - r.at) / 1000);
    const exact = questions.filter((q, i) => replyOf(q)?.content === texts[i]).length;
    const allDoneS = (lastFinal - start) / 1000;
    return { limited: discord.limiter.limited.length, gapsS, longestGapS, modelS, firstTextS, allDoneS, exact, editsPerReply: edits / REPLIES };
  } finally {
    await h.close();
  }
}

heading(`Discord: ${REPLIES} replies streaming at once in one channel`);
line(
  `  fake Discord enforces ${DISCORD_EDITS.limit} edits / ${DISCORD_EDITS.windowMs / 1000} s per channel; ` +
    `Palaver's budget is ${EDITS_PER_WINDOW} edits / ${EDIT_WINDOW_MS / 1000} s per channel; ` +
    `fake Claude streams ~${(1000 / CHUNK_DELAY_MS) * (CHARS_PER_CHUNK / 4)} tokens/s, ${REPLY_CHARS} characters per reply`,
);
// One unmeasured run first: modules loaded on first use are then loaded before the clock runs.
await run("thread");
for (const mode of ["reply", "thread"] as const) {
  const r = await run(mode);
  const modelS = median(r.modelS);
  line(`\n  ${mode === "reply" ? "reply mode: all replies in #general (one shared edit window)" : "thread mode (default): each reply in its own thread"}`);
  check(`every reply complete and exact (${r.exact}/${REPLIES})`, r.exact === REPLIES);
  verdict("429s received", r.limited, 0, (v) => v.toFixed(0));
  verdict("MESSAGE_CREATE → first visible text, median", percentile(r.firstTextS, 50), FIRST_TEXT_TARGET_S, (v) => `${v.toFixed(2)} s`);
  info("MESSAGE_CREATE → first visible text, max", `${Math.max(...r.firstTextS).toFixed(2)} s`);
  info("model time (fake Claude stream), median", `${modelS.toFixed(2)} s`);
  verdict("all final after, in model times", r.allDoneS / modelS, ALL_FINAL_TARGET_MODEL_TIMES, (v) => `${v.toFixed(2)}×`);
  info("all final after", `${r.allDoneS.toFixed(2)} s`);
  info("longest gap between a reply's updates, max", `${Math.max(...r.longestGapS).toFixed(2)} s`);
  info("median seconds between visible edits of a reply", `${percentile(r.gapsS, 50).toFixed(2)} s`);
  info("edits per reply (mean)", r.editsPerReply.toFixed(1));
}
