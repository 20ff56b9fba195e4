// The two stores a benchmark can run on (issue #12): a SQLite file in a temp dir, or a fresh
// database on an embedded PostgreSQL started by this process (test/helpers/postgres.ts: the
// server binaries come with `npm ci`). A bench given `--engine=sqlite|postgres` runs on that one
// and hands its headline figures to its parent through reportFigures(); given no flag, it runs
// itself once per engine, each in its own process (a clean heap, so RSS figures compare), and
// prints those figures side by side (runPerEngine()).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Db } from "../src/store/sql.ts";
import { openSqlite } from "../src/store/sqlite/open.ts";
import { openPostgres } from "../src/store/postgres/open.ts";
import { freshDatabaseUrl, stopPostgres } from "../test/helpers/postgres.ts";
import { heading, table, tempDatabasePath } from "./lib.ts";

export type Engine = "sqlite" | "postgres";
export const ENGINES: readonly Engine[] = ["sqlite", "postgres"];
export const ENGINE_NAMES: Record<Engine, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

/** Where a child appends its headline figures (one JSON object per line) for its parent. */
const FIGURES_FILE_ENV = "PALAVER_BENCH_FIGURES";

/** `--engine=sqlite|postgres` from the command line; undefined when absent (run both). */
export function engineArg(argv: readonly string[] = process.argv): Engine | undefined {
  const flag = argv.find((a) => a.startsWith("--engine="));
  if (flag === undefined) return undefined;
  const value = flag.slice("--engine=".length);
  if (value !== "sqlite" && value !== "postgres") throw new Error(`--engine must be sqlite or postgres, not ${JSON.stringify(value)}`);
  return value;
}

export interface BenchStore {
  /** What parseConfig needs to open this store (DATABASE_PATH, or DATABASE_URL too). */
  env: Record<string, string>;
  /** Opens it directly (migrated), for a bench that seeds or reads without an App. */
  open(): Promise<Db>;
  cleanup(): Promise<void>;
}

/** A new, empty store on `engine`. */
export async function benchStore(engine: Engine): Promise<BenchStore> {
  const tmp = tempDatabasePath();
  if (engine === "sqlite") {
    return { env: { DATABASE_PATH: tmp.file }, open: () => openSqlite(tmp.file), cleanup: async () => tmp.cleanup() };
  }
  const url = await freshDatabaseUrl();
  return {
    env: { DATABASE_PATH: tmp.file, DATABASE_URL: url },
    open: () => openPostgres(url),
    // The database goes with the server (stopBenchEngines at the end): nothing else to remove.
    cleanup: async () => tmp.cleanup(),
  };
}

/** Stops the embedded PostgreSQL if this process started one. */
export function stopBenchEngines(): Promise<void> {
  return stopPostgres();
}

/** In a child run by runPerEngine: a headline figure for the side-by-side table (`value` already formatted). */
export function reportFigure(label: string, value: string): void {
  const file = process.env[FIGURES_FILE_ENV];
  if (file) fs.appendFileSync(file, `${JSON.stringify({ label, value })}\n`);
}

/**
 * Runs `script` once per engine (`--engine=…`), one after the other, output passed through;
 * then prints the figures each reported side by side. Resolves to the number of runs that failed.
 */
export async function runPerEngine(script: string, title: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "palaver-bench-figures-"));
  const figures = new Map<Engine, Map<string, string>>();
  let failed = 0;
  try {
    for (const engine of ENGINES) {
      const file = path.join(dir, `${engine}.jsonl`);
      fs.writeFileSync(file, "");
      console.log(`\n######## ${path.basename(script)} on ${ENGINE_NAMES[engine]} ########`);
      const code = await runChild(script, engine, file);
      if (code !== 0) {
        failed++;
        console.error(`${path.basename(script)} --engine=${engine} failed (exit ${code})`);
      }
      const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
      figures.set(engine, new Map(lines.map((l) => JSON.parse(l) as { label: string; value: string }).map((f) => [f.label, f.value])));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  printSideBySide(title, figures);
  return failed;
}

function runChild(script: string, engine: Engine, figuresFile: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, `--engine=${engine}`], {
      stdio: "inherit",
      env: { ...process.env, [FIGURES_FILE_ENV]: figuresFile },
    });
    child.once("error", () => resolve(1));
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function printSideBySide(title: string, figures: Map<Engine, Map<string, string>>): void {
  heading(`${title}: SQLite and PostgreSQL side by side`);
  const labels = [...new Set([...figures.values()].flatMap((m) => [...m.keys()]))];
  table([["figure", ...ENGINES.map((e) => ENGINE_NAMES[e])], ...labels.map((l) => [l, ...ENGINES.map((e) => figures.get(e)?.get(l) ?? "-")])]);
  console.log(`  load average (1 / 5 / 15 min) now: ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")}`);
}
