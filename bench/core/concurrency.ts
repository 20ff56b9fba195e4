// Bench: 500 replies streaming at once, in 500 conversations, through one App.
// The fake Claude runs in a child process (fake-claude-child.ts) and streams 200 chars per reply
// in 4-char deltas every 20 ms (~1 s each), so all 500 overlap. Surfaces are in-process, with
// showThinking (as Slack's and Discord's) and a 50 ms edit interval (shorter than the platforms'
// 1 s, to stress the renderer and the store with ~10 edits per reply). Measured in this process only:
// peak RSS (sampled every 10 ms; the kernel's high-water mark too), event-loop delay
// (perf_hooks.monitorEventLoopDelay, 10 ms resolution), wall time, and that every reply arrived
// complete with exactly the text the fake sent, on screen and in the store (SQLite or PostgreSQL;
// the embedded PostgreSQL server is another process, so its memory is not in the RSS figures).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import type { App } from "../../src/runtime/app.ts";
import { check, heading, info, line, LoopDelay, maxRssBytes, mb, ms, RssSampler, verdict } from "../lib.ts";
import { marker } from "./first-delta-probe.ts";
import { replyFor, REPLY_CHARS, CHUNK_CHARS, CHUNK_DELAY_MS } from "./scripted-reply.ts";
import { humanMessage, startApp } from "./setup.ts";
import { TimedSurface } from "./timed-surface.ts";
import { selectAll } from "../../test/helpers/db.ts";
import { ENGINE_NAMES, reportFigure, type Engine } from "../engines.ts";

const REPLIES = 500;
const EDIT_INTERVAL_MS = 50;
/** Arrivals spread over this long in scenario 2b. */
const SPREAD_MS = 500;
/** Untimed replies first (one at a time), as a running bot has had. */
const WARMUP_REPLIES = 20;
/** The issue's targets. */
const TARGET_RSS_BYTES = 300 * 1024 * 1024;
const TARGET_LOOP_DELAY_P99_MS = 50;
/** Give up on the child if it has not printed its address by then. */
const CHILD_START_TIMEOUT_MS = 15_000;

const sleep = (delayMs: number) => new Promise<void>((resolve) => setTimeout(resolve, delayMs));

interface Child {
  url: string;
  stop(): Promise<void>;
}

async function startFakeClaudeProcess(): Promise<Child> {
  const file = fileURLToPath(new URL("./fake-claude-child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", file], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const url = await Promise.race([
      new Promise<string>((resolve, reject) => {
        lines.once("line", (l) => resolve((JSON.parse(l) as { url: string }).url));
        child.once("exit", (code) => reject(new Error(`fake Claude child exited with ${code} before starting`)));
      }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("fake Claude child did not start")), CHILD_START_TIMEOUT_MS))),
    ]);
    return {
      url,
      async stop() {
        lines.close();
        child.kill("SIGTERM");
        await exited;
      },
    };
  } catch (err) {
    child.kill("SIGTERM");
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

type Arrival = "burst" | "spread";

export async function benchConcurrency(engine: Engine = "sqlite"): Promise<void> {
  heading(`2. ${REPLIES} replies streaming at once, ${ENGINE_NAMES[engine]}`);
  info("reply", `${REPLY_CHARS} chars, ${CHUNK_CHARS}-char deltas / ${CHUNK_DELAY_MS} ms`);
  info("edit interval", ms(EDIT_INTERVAL_MS, 0));
  const claude = await startFakeClaudeProcess();
  const bench = await startApp(claude.url, {}, undefined, engine);
  try {
    // A bot that has been running a while: modules loaded, code JIT-compiled.
    for (let i = 0; i < WARMUP_REPLIES; i++) {
      await bench.app.bot.handle(
        humanMessage(`burst-warmup-${i}`, `${marker(`w${i}`)} hello`),
        new TimedSurface(`console:bench-warmup-${i}`, { thinking: true, editIntervalMs: EDIT_INTERVAL_MS }),
      );
    }
    await scenario(bench.app, "burst", engine);
    await scenario(bench.app, "spread", engine);
  } finally {
    await bench.close();
    await claude.stop();
  }
}

async function scenario(app: App, arrival: Arrival, engine: Engine): Promise<void> {
  line();
  line(
    arrival === "burst"
      ? `  2a. all ${REPLIES} messages handed to bot.handle() in the same tick (worst case)`
      : `  2b. ${REPLIES} messages arriving over ${SPREAD_MS} ms (one every ${SPREAD_MS / REPLIES} ms), as separate events`,
  );
  const jobs = Array.from({ length: REPLIES }, (_, i) => {
    const key = `${arrival}${i}`;
    return {
      key,
      message: humanMessage(`${arrival}-${i}`, `${marker(key)} Tell me something, please.`),
      surface: new TimedSurface(`console:bench-${arrival}-${i}`, { thinking: true, editIntervalMs: EDIT_INTERVAL_MS }),
    };
  });
  const rss = new RssSampler(10);
  const whole = new LoopDelay(10);
  const streaming = new LoopDelay(10);
  rss.start();
  whole.start();
  // "Streaming at once" proper: from the moment every reply shows text until the first one ends.
  let streamingFrom: number | undefined;
  let streamingTo: number | undefined;
  const watch = setInterval(() => {
    if (streamingFrom === undefined && jobs.every((j) => j.surface.firstTextAt !== undefined)) {
      streamingFrom = performance.now();
      streaming.start();
    }
  }, 1);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const outcomes = await Promise.all(
    jobs.map(async (j, i) => {
      if (arrival === "spread") await sleep((i * SPREAD_MS) / REPLIES);
      const outcome = await app.bot.handle(j.message, j.surface);
      if (streamingFrom !== undefined && streamingTo === undefined) {
        streamingTo = performance.now();
        streaming.stop();
      }
      return outcome;
    }),
  );
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(watch);
  const all = whole.stop();
  const peak = rss.stop();
  const during = streamingFrom !== undefined && streamingTo !== undefined ? streaming.stop() : undefined;

  const exactOnScreen = jobs.filter((j, i) => outcomes[i] === "replied" && j.surface.shown() === replyFor(j.key) && j.surface.lastFinal).length;
  const stored = (await selectAll(app.db, `SELECT conversation_id AS c, content FROM messages WHERE role = 'assistant' AND status = 'complete' AND conversation_id LIKE ?`, `console:bench:${arrival}-%`)) as { c: string; content: string }[];
  const byConversation = new Map(stored.map((r) => [r.c, r.content]));
  const exactStored = jobs.filter((j) => byConversation.get(j.message.conversationId) === replyFor(j.key)).length;
  const edits = jobs.reduce((n, j) => n + j.surface.edits, 0);
  const lastFirstText = Math.max(...jobs.map((j) => j.surface.firstTextAt ?? Number.NaN)) - started;

  info("wall time, all replies done", ms(wall, 0));
  info("all replies showing text after", ms(lastFirstText, 0));
  info("edits made (all replies)", `${edits}`);
  info("CPU used by Palaver's process (user + system)", `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  info("RSS before", mb(rss.baselineBytes));
  info("event-loop delay p50 / max (whole run)", `${all.p50.toFixed(1)} / ${all.max.toFixed(1)} ms`);
  if (during) {
    info(`event-loop delay p99 while all ${REPLIES} stream (${Math.round(streamingTo! - streamingFrom!)} ms)`, ms(during.p99, 1));
  } else {
    info(`event-loop delay while all ${REPLIES} stream`, "no overlap");
  }
  info("peak RSS, kernel high-water mark (process so far)", mb(maxRssBytes()));
  reportFigure(`${REPLIES} at once (${arrival}): peak RSS`, mb(peak));
  reportFigure(`${REPLIES} at once (${arrival}): event-loop delay p99`, ms(all.p99, 1));
  reportFigure(`${REPLIES} at once (${arrival}): wall time`, ms(wall, 0));
  reportFigure(`${REPLIES} at once (${arrival}): exact on screen / stored`, `${exactOnScreen} / ${exactStored}`);
  verdict("peak RSS (sampled)", peak, TARGET_RSS_BYTES, mb);
  verdict("event-loop delay p99 (whole run)", all.p99, TARGET_LOOP_DELAY_P99_MS, ms);
  check(`all ${REPLIES} replies complete and exact on screen`, exactOnScreen === REPLIES, `${exactOnScreen}/${REPLIES}`);
  check(`all ${REPLIES} replies complete and exact in ${ENGINE_NAMES[engine]}`, exactStored === REPLIES, `${exactStored}/${REPLIES}`);
}
