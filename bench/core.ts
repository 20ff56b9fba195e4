// `npx tsx bench/core.ts` — the core's benchmarks (issue #2), against the fake Claude with no model
// latency and in-process reply surfaces, on real stores:
//  1. overhead: bot.handle() → first post, and first token → first visible text (p50/p99 over
//     1,000 replies) (bench/core/overhead.ts);
//  2. 500 replies streaming at once: peak RSS, event-loop delay, wall time, exactness
//     (bench/core/concurrency.ts);
//  3. history of a 10,000-message thread: list() from SQLite and buildHistory() (bench/core/history.ts);
//  4. prompt caching over a 20-turn thread: billed input with vs without (bench/core/caching.ts);
//  5. the overhead of (1) again on an aged database (200k messages), last because seeding it grows RSS.
// 1 and 2 run on SQLite and on PostgreSQL (issue #12), each engine in its own process, and their
// headline figures are printed side by side at the end; 3–5 run on SQLite only (the store's
// queries they stress are the same on both, and seeding 200k messages through the stores on
// PostgreSQL would take minutes). `--engine=sqlite|postgres` runs one engine's process alone.
// Prints every figure with its target and PASS/MISS; exits 0 unless a bench could not run.
// Timing figures depend on the machine and on what else runs on it: the header prints the load.
import os from "node:os";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { benchAgedOverhead, benchOverhead } from "./core/overhead.ts";
import { benchConcurrency } from "./core/concurrency.ts";
import { benchHistory } from "./core/history.ts";
import { benchCaching } from "./core/caching.ts";
import { info, line, missCount } from "./lib.ts";
import { ENGINE_NAMES, engineArg, runPerEngine, stopBenchEngines } from "./engines.ts";

const started = performance.now();
const engine = engineArg();
if (engine === undefined) {
  console.log("Palaver core benchmarks, on SQLite then on PostgreSQL");
  const failed = await runPerEngine(fileURLToPath(import.meta.url), "bench/core.ts");
  info("bench/core.ts total", `${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed > 0 ? 1 : 0);
}

console.log(`Palaver core benchmarks on ${ENGINE_NAMES[engine]}`);
info("node / platform", `${process.version} ${process.platform}-${process.arch}`);
info("CPUs", `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}`);
info("load average (1 min) at start", os.loadavg()[0]!.toFixed(2));

try {
  await benchOverhead(engine);
  await benchConcurrency(engine);
  if (engine === "sqlite") {
    await benchHistory();
    await benchCaching();
    await benchAgedOverhead();
  }
} catch (err) {
  console.error("\nbench/core.ts could not finish:", err);
  await stopBenchEngines();
  process.exit(1);
}
await stopBenchEngines();

line();
info("load average (1 min) at end", os.loadavg()[0]!.toFixed(2));
info("figures that missed their target", String(missCount()));
info(`bench/core.ts on ${ENGINE_NAMES[engine]} total`, `${((performance.now() - started) / 1000).toFixed(1)} s`);
