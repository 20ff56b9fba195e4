// Bench: Palaver's own latency around a reply, with a model that answers instantly.
//  - inbound → first post: bot.handle() called → the first post on the surface (the placeholder,
//    for a surface without showThinking; also reported: → first showThinking call, for one with it).
//  - first token → first visible text: the first text delta's bytes reaching Palaver (see
//    first-delta-probe.ts) → the first post/edit on the surface that shows reply text.
// 1,000 timed replies per surface kind (after 50 untimed warm-up replies), one at a time, one App
// reused throughout, over 100 conversations of 10 turns each (round robin), so the history a reply
// builds holds up to 19 earlier messages, as in an ordinary thread.
import { performance } from "node:perf_hooks";
import { startFakeClaude } from "../../test/fakes/claude.ts";
import { heading, info, line, ms, summarize, table, verdict } from "../lib.ts";
import { FirstDeltaProbe, marker } from "./first-delta-probe.ts";
import { humanMessage, startApp } from "./setup.ts";
import { PLATFORM_EDIT_INTERVAL_MS, TimedSurface } from "./timed-surface.ts";

const REPLIES = 1_000;
const WARMUP = 50;
const CONVERSATIONS = 100;
/** The target for Palaver's own part of the latency. */
const TARGET_P99_MS = 5;
/** A typical short answer (~400 chars) in the fake's default 8-char deltas. */
const REPLY = "Sure. Here is a short answer with a few sentences in it, the way a chat reply usually looks. ".repeat(4).trim();

interface Run {
  inboundToFirstPost: number[];
  inboundToThinking: number[];
  tokenToText: number[];
}

export async function benchOverhead(): Promise<void> {
  heading(`1. Overhead: ${REPLIES} replies, model latency 0, in-process surface`);
  const claude = await startFakeClaude();
  claude.setResponder(() => ({ text: REPLY, chunkSize: 8, chunkDelayMs: 0, firstTokenDelayMs: 0 }));
  const probe = new FirstDeltaProbe();
  probe.install(); // before App.create: the SDK captures fetch in its constructor
  const bench = await startApp(claude.url);
  try {
    const runs: Record<"placeholder" | "thinking", Run> = {
      placeholder: await run(bench.app, probe, false),
      thinking: await run(bench.app, probe, true),
    };
    const p = summarize(runs.placeholder.inboundToFirstPost);
    const t = summarize(runs.placeholder.tokenToText);
    const pt = summarize(runs.thinking.inboundToThinking);
    const tt = summarize(runs.thinking.tokenToText);
    table([
      ["figure (ms)", "n", "p50", "p99", "max"],
      ["surface without showThinking: inbound → first post (placeholder)", p.n, p.p50.toFixed(2), p.p99.toFixed(2), p.max.toFixed(2)],
      ["surface without showThinking: first token → first visible text", t.n, t.p50.toFixed(2), t.p99.toFixed(2), t.max.toFixed(2)],
      ["surface with showThinking: inbound → showThinking()", pt.n, pt.p50.toFixed(2), pt.p99.toFixed(2), pt.max.toFixed(2)],
      ["surface with showThinking: first token → first post (with text)", tt.n, tt.p50.toFixed(2), tt.p99.toFixed(2), tt.max.toFixed(2)],
    ]);
    line();
    verdict("inbound → first post, p99", p.p99, TARGET_P99_MS, ms);
    verdict("inbound → showThinking (thinking surface), p99", pt.p99, TARGET_P99_MS, ms);
    verdict("first token → first visible text, p99 (vs 5 ms)", t.p99, TARGET_P99_MS, ms);
    verdict("first token → first post with text (thinking), p99", tt.p99, TARGET_P99_MS, ms);
    verdict(`first token → first visible text, p99 (vs 1 interval)`, Math.max(t.p99, tt.p99), PLATFORM_EDIT_INTERVAL_MS, ms);
    info("edit interval used", ms(PLATFORM_EDIT_INTERVAL_MS, 0));
    info("conversations × turns", `${CONVERSATIONS} × ${(WARMUP + REPLIES) / CONVERSATIONS}`);
  } finally {
    await bench.close();
    probe.uninstall();
    await claude.close();
  }
}

async function run(app: Awaited<ReturnType<typeof startApp>>["app"], probe: FirstDeltaProbe, thinking: boolean): Promise<Run> {
  const kind = thinking ? "t" : "p";
  const out: Run = { inboundToFirstPost: [], inboundToThinking: [], tokenToText: [] };
  for (let i = 0; i < WARMUP + REPLIES; i++) {
    const key = `${kind}${i}`;
    const message = humanMessage(`${kind}-${i % CONVERSATIONS}`, `${marker(key)} What do you think about item ${i}?`);
    const surface = new TimedSurface(`console:bench-surface-${key}`, { thinking });
    const started = performance.now();
    const outcome = await app.bot.handle(message, surface);
    if (outcome !== "replied" || surface.shown() !== REPLY || !surface.lastFinal) {
      throw new Error(`reply ${key} did not complete as expected: ${outcome}, shown ${JSON.stringify(surface.shown().slice(0, 80))}`);
    }
    const firstDelta = probe.at(key);
    if (firstDelta === undefined || surface.firstPostAt === undefined || surface.firstTextAt === undefined) {
      throw new Error(`reply ${key}: a timestamp is missing`);
    }
    if (i < WARMUP) continue;
    out.inboundToFirstPost.push(surface.firstPostAt - started);
    if (surface.firstThinkingAt !== undefined) out.inboundToThinking.push(surface.firstThinkingAt - started);
    out.tokenToText.push(surface.firstTextAt - firstDelta);
  }
  return out;
}
