// Shared helpers for every benchmark (bench/core.ts, bench/slack.ts, bench/discord.ts):
// percentiles, RSS sampling, event-loop delay, and printing figures against their targets.
//
// Benchmarks measure; tests never do. Every figure is printed with its target and PASS/MISS so
// `npm run bench` can be read at a glance and pasted into a note.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median of unsorted samples, averaging the two middle ones; NaN when there are none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const sleep = (delayMs: number) => new Promise<void>((resolve) => setTimeout(resolve, delayMs));

/** A distinct reply of exactly `chars` characters for reply `i` (words a bench can recognise). */
export function replyText(i: number, chars: number): string {
  const words: string[] = [];
  let n = 0;
  while (words.join(" ").length < chars) words.push(`r${i}w${n++}`);
  return words.join(" ").slice(0, chars).trim();
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length > 0 ? Math.max(...samples) : Number.NaN,
    mean: samples.length > 0 ? sum / samples.length : Number.NaN,
  };
}

/** Time `fn` `runs` times after `warmup` untimed runs; milliseconds per run. */
export function timeSync(fn: () => void, runs: number, warmup = 5): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** timeSync for work that awaits (store queries): milliseconds per run. */
export async function timeAsync(fn: () => Promise<unknown>, runs: number, warmup = 5): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const MB = 1024 * 1024;

/**
 * Samples process RSS on a timer. A sampler can miss a short spike between two ticks, so the
 * kernel's high-water mark (resourceUsage().maxRSS, for the whole process lifetime) is reported
 * alongside.
 */
export class RssSampler {
  private timer?: ReturnType<typeof setInterval>;
  private peak = 0;
  readonly baselineBytes = process.memoryUsage.rss();

  constructor(private readonly everyMs = 10) {}

  start(): this {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, process.memoryUsage.rss());
    }, this.everyMs);
    return this;
  }

  /** Stop sampling; peak sampled RSS in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    return this.peak;
  }
}

/** The kernel's peak RSS of this process so far, in bytes. */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Event-loop delay over a stretch of work (milliseconds). */
export class LoopDelay {
  private readonly histogram;

  constructor(resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): this {
    this.histogram.reset();
    this.histogram.enable();
    return this;
  }

  stop(): { p50: number; p99: number; max: number } {
    this.histogram.disable();
    const ns = 1e6;
    return {
      p50: this.histogram.percentile(50) / ns,
      p99: this.histogram.percentile(99) / ns,
      max: this.histogram.max / ns,
    };
  }
}

export function ms(value: number, digits = 2): string {
  return `${value.toFixed(digits)} ms`;
}

export function heading(title: string): void {
  console.log(`\n== ${title} ==`);
}

export function line(text = ""): void {
  console.log(text);
}

let misses = 0;

/** How many figures missed their target so far (informational: benches still exit 0). */
export function missCount(): number {
  return misses;
}

/**
 * One figure against an upper-bound target: "label  value  (target ≤ x)  PASS" or
 * "MISS by y (z×)". `format` renders values and the difference in the figure's unit.
 */
export function verdict(label: string, value: number, max: number, format: (v: number) => string): void {
  const ok = value <= max;
  if (!ok) misses++;
  const how = ok ? "PASS" : `MISS by ${format(value - max)} (${(value / max).toFixed(1)}× the target)`;
  console.log(`  ${label.padEnd(52)} ${format(value).padStart(12)}   target ≤ ${format(max).padEnd(10)} ${how}`);
}

/** A yes/no figure (e.g. "all 500 replies exact"). */
export function check(label: string, ok: boolean, detail = ""): void {
  if (!ok) misses++;
  console.log(`  ${label.padEnd(52)} ${(ok ? "yes" : "NO").padStart(12)}   ${ok ? "PASS" : "MISS"}${detail ? `  ${detail}` : ""}`);
}

/** An informational figure without a target. */
export function info(label: string, value: string): void {
  console.log(`  ${label.padEnd(52)} ${value.padStart(12)}`);
}

/** A plain table: first row is the header. */
export function table(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  for (const [k, r] of cells.entries()) {
    console.log(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`);
    if (k === 0) console.log(`  ${widths.map((w) => "-".repeat(w)).join("  ")}`);
  }
}

/** A fresh temp directory's database path (a real file: WAL and the page cache behave as in production). */
export function tempDatabasePath(prefix = "palaver-bench-"): { file: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { file: path.join(dir, "palaver.db"), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic PRNG (mulberry32), so every run benchmarks the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
