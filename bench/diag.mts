import { performance, PerformanceObserver } from "node:perf_hooks";
import fs from "node:fs";
import { startFakeClaude } from "../test/fakes/claude.ts";
import { humanMessage, startApp } from "./core/setup.ts";
import { TimedSurface } from "./core/timed-surface.ts";
const gcs: { start: number; end: number; kind: number }[] = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: (e as any).detail?.kind }); }).observe({ entryTypes: ["gc"] });
let fetchAt = 0;
const orig = globalThis.fetch;
globalThis.fetch = (a, b) => { fetchAt = performance.now(); return orig(a, b); };
const claude = await startFakeClaude();
const REPLY = "Sure. Here is a short answer with a few sentences in it, the way a chat reply usually looks. ".repeat(4).trim();
claude.setResponder(() => ({ text: REPLY }));
const b = await startApp(claude.url);
const file = (b.app.config.databasePath) + "-wal";
const samples: { f: number; i: number; d: number; t0: number; t1: number; wal: number }[] = [];
for (let i = 0; i < 1050; i++) {
  const s = new TimedSurface("x" + i);
  const t0 = performance.now();
  await b.app.bot.handle(humanMessage(`c${i % 100}`, `q ${i}`), s);
  samples.push({ f: fetchAt - t0, i, d: s.firstPostAt! - t0, t0, t1: s.firstPostAt!, wal: fs.statSync(file).size });
}
const slow = samples.filter((s) => s.d > 2);
for (const s of slow) {
  const g = gcs.filter((g) => g.end > s.t0 && g.start < s.t1);
  const prev = samples[s.i - 1];
  console.log(s.i, s.d.toFixed(2), "fetch at", s.f.toFixed(2), "gc:", g.map((x) => `${x.kind}:${(x.end - x.start).toFixed(2)}`).join(","), "wal", prev?.wal, "->", s.wal);
}
console.log("slow", slow.length, "gcs", gcs.length);
await b.close(); await claude.close();
