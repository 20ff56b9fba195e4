// Bench: Palaver's own latency around a reply, with a model that answers instantly.
//  - inbound → first post: bot.handle() called → the first post on the surface (the placeholder,
//    for a surface without showThinking; also reported: → first showThinking call, for one with it).
//  - first token → first visible text: the first text delta's bytes reaching Palaver (see
//    first-delta-probe.ts) → the first post/edit on the surface that shows reply text.
// 1,000 timed replies per surface kind (after 50 untimed warm-up replies), one at a time, one App
// reused throughout, over 100 conversations of 10 turns each (round robin), so the history a reply
// builds holds up to 19 earlier messages, as in an ordinary thread.
// benchAgedOverhead: 200 more replies (placeholder surface) on an aged database (aged-db.ts: 200k
// messages, 100k usage rows), to expose per-reply queries that grow with the database.
import { performance } from "node:perf_hooks";
import { startFakeClaude } from "../../test/fakes/claude.ts";
import type { App } from "../../src/runtime/app.ts";
import { heading, info, line, ms, summarize, table, verdict } from "../lib.ts";
import { AGED_CONVERSATIONS, AGED_TURNS, seedAgedDatabase } from "./aged-db.ts";
import { FirstDeltaProbe, marker } from "./first-delta-probe.ts";
import { humanMessage, startApp } from "./setup.ts";
import { PLATFORM_EDIT_INTERVAL_MS, TimedSurface } from "./timed-surface.ts";
import { ENGINE_NAMES, reportFigure, type Engine } from "../engines.ts";

const REPLIES = 1_000;
const WARMUP = 50;
const CONVERSATIONS = 100;
/** Fewer on the aged database: each of its replies costs more (see the report). */
const AGED_REPLIES = 200;
/** The target for Palaver's own part of the latency. */
const TARGET_P99_MS = 5;
/** A typical short answer (~400 chars) in the fake's default 8-char deltas. */
const REPLY = "Sure. Here is a short answer with a few sentences in it, the way a chat reply usually looks. ".repeat(4).trim();

interface Run {
  inboundToDone: number[];
  inboundToFirstPost: number[];
  inboundToThinking: number[];
  tokenToText: number[];
}

export async function benchOverhead(engine: Engine = "sqlite"): Promise<void> {
  heading(`1. Overhead: ${REPLIES} replies, model latency 0, in-process surface, ${ENGINE_NAMES[engine]}`);
  const claude = await startFakeClaude();
  claude.setResponder(() => ({ text: REPLY, chunkSize: 8, chunkDelayMs: 0, firstTokenDelayMs: 0 }));
  const probe = new FirstDeltaProbe();
  probe.install(); // before App.create: the SDK captures fetch in its constructor
  try {
    const fresh = await startApp(claude.url, {}, undefined, engine);
    let placeholder: Run, thinking: Run;
    try {
      placeholder = await run(fresh.app, probe, "p", false, REPLIES);
      thinking = await run(fresh.app, probe, "t", true, REPLIES);
    } finally {
      await fresh.close();
    }
    const p = summarize(placeholder.inboundToFirstPost);
    const t = summarize(placeholder.tokenToText);
    const pd = summarize(placeholder.inboundToDone);
    const pt = summarize(thinking.inboundToThinking);
    const tt = summarize(thinking.tokenToText);
    const row = (label: string, s: ReturnType<typeof summarize>) => [label, s.n, s.p50.toFixed(2), s.p99.toFixed(2), s.max.toFixed(2)];
    info("database", engine === "sqlite" ? "fresh SQLite file" : "fresh database, embedded PostgreSQL on loopback");
    info("replies per surface kind, one at a time", `${WARMUP} untimed + ${REPLIES}`);
    info("conversations (round robin)", `${CONVERSATIONS}`);
    info("edit interval", ms(PLATFORM_EDIT_INTERVAL_MS, 0));
    table([
      ["figure (ms)", "n", "p50", "p99", "max"],
      row("no showThinking: inbound → first post (placeholder)", p),
      row("no showThinking: first token → first visible text", t),
      row("no showThinking: inbound → handle() resolved", pd),
      row("showThinking: inbound → showThinking()", pt),
      row("showThinking: first token → first post (with text)", tt),
    ]);
    line();
    reportFigure("event → first post p50 (1,000 replies)", ms(p.p50));
    reportFigure("event → first post p99 (1,000 replies)", ms(p.p99));
    reportFigure("first token → first visible text p99", ms(t.p99));
    verdict("inbound → first post, p99", p.p99, TARGET_P99_MS, ms);
    verdict("inbound → showThinking(), p99", pt.p99, TARGET_P99_MS, ms);
    verdict("first token → first visible text, p99", t.p99, TARGET_P99_MS, ms);
    verdict("first token → first post with text (thinking), p99", tt.p99, TARGET_P99_MS, ms);
    verdict("first token → first visible text, p99 vs one interval", Math.max(t.p99, tt.p99), PLATFORM_EDIT_INTERVAL_MS, ms);
  } finally {
    probe.uninstall();
    await claude.close();
  }
}

/** The same measurement on an aged database (run last: seeding it grows the process's RSS). */
export async function benchAgedOverhead(): Promise<void> {
  heading(`5. Overhead on an aged database: ${AGED_REPLIES} replies`);
  const claude = await startFakeClaude();
  claude.setResponder(() => ({ text: REPLY, chunkSize: 8, chunkDelayMs: 0, firstTokenDelayMs: 0 }));
  const probe = new FirstDeltaProbe();
  probe.install();
  try {
    const aged = await startApp(claude.url, {}, seedAgedDatabase);
    let old: Run;
    try {
      old = await run(aged.app, probe, "a", false, AGED_REPLIES);
    } finally {
      await aged.close();
    }
    const ap = summarize(old.inboundToFirstPost);
    const ad = summarize(old.inboundToDone);
    const row = (label: string, s: ReturnType<typeof summarize>) => [label, s.n, s.p50.toFixed(2), s.p99.toFixed(2), s.max.toFixed(2)];
    info("database", `${((AGED_CONVERSATIONS * AGED_TURNS * 2) / 1000).toFixed(0)}k messages, ${((AGED_CONVERSATIONS * AGED_TURNS) / 1000).toFixed(0)}k replies and usage rows`);
    info("replies, one at a time", `${WARMUP} untimed + ${AGED_REPLIES}`);
    info("conversations (round robin, new ones)", `${CONVERSATIONS}`);
    table([
      ["figure (ms)", "n", "p50", "p99", "max"],
      row("no showThinking: inbound → first post (placeholder)", ap),
      row("no showThinking: inbound → handle() resolved", ad),
    ]);
    line();
    verdict("aged database: inbound → first post, p99", ap.p99, TARGET_P99_MS, ms);
  } finally {
    probe.uninstall();
    await claude.close();
  }
}

async function run(app: App, probe: FirstDeltaProbe, kind: string, thinking: boolean, replies: number): Promise<Run> {
  const out: Run = { inboundToFirstPost: [], inboundToThinking: [], tokenToText: [], inboundToDone: [] };
  for (let i = 0; i < WARMUP + replies; i++) {
    const key = `${kind}${i}`;
    const message = humanMessage(`${kind}-${i % CONVERSATIONS}`, `${marker(key)} What do you think about item ${i}?`);
    const surface = new TimedSurface(`console:bench-surface-${key}`, { thinking });
    const started = performance.now();
    const outcome = await app.bot.handle(message, surface);
    const done = performance.now();
    if (outcome !== "replied" || surface.shown() !== REPLY || !surface.lastFinal) {
      throw new Error(`reply ${key} did not complete as expected: ${outcome}, shown ${JSON.stringify(surface.shown().slice(0, 80))}`);
    }
    const firstDelta = probe.at(key);
    if (firstDelta === undefined || surface.firstPostAt === undefined || surface.firstTextAt === undefined) {
      throw new Error(`reply ${key}: a timestamp is missing`);
    }
    if (i < WARMUP) continue;
    out.inboundToFirstPost.push(surface.firstPostAt - started);
    out.inboundToDone.push(done - started);
    if (surface.firstThinkingAt !== undefined) out.inboundToThinking.push(surface.firstThinkingAt - started);
    out.tokenToText.push(surface.firstTextAt - firstDelta);
  }
  return out;
}
