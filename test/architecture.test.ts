// The core never imports a platform SDK: only adapters/* may. Checked by reading the sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const PLATFORM_SDK = /from\s+["'](@slack\/[^"']+|discord\.js|@discordjs\/[^"']+)["']|import\(\s*["'](@slack\/|discord\.js|@discordjs\/)/;
const ADAPTER_IMPORT = /from\s+["'][./]*\/?adapters\/|from\s+["']\.\.\/adapters\//;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith(".ts") ? [full] : [];
  });
}

test("no file under src/ imports @slack/*, discord.js or @discordjs/*", () => {
  const files = sources(path.join(ROOT, "src"));
  assert.ok(files.length > 10, "the core's sources were found");
  const offenders = files.filter((f) => PLATFORM_SDK.test(fs.readFileSync(f, "utf8")));
  assert.deepEqual(offenders.map((f) => path.relative(ROOT, f)), []);
});

test("no file under src/ imports adapters (the composition root is adapters/main.ts)", () => {
  const offenders = sources(path.join(ROOT, "src"))
    .filter((f) => ADAPTER_IMPORT.test(fs.readFileSync(f, "utf8")))
    .map((f) => path.relative(ROOT, f));
  assert.deepEqual(offenders, []);
});

test("each adapter imports only its own platform's SDK", () => {
  const rules: Record<string, RegExp> = {
    slack: /from\s+["'](discord\.js|@discordjs\/)/,
    discord: /from\s+["']@slack\//,
    console: PLATFORM_SDK,
  };
  for (const [name, forbidden] of Object.entries(rules)) {
    const dir = path.join(ROOT, "adapters", name);
    if (!fs.existsSync(dir)) continue;
    const offenders = sources(dir).filter((f) => forbidden.test(fs.readFileSync(f, "utf8")));
    assert.deepEqual(offenders.map((f) => path.relative(ROOT, f)), [], name);
  }
});

test("the checks above can fail: the patterns match real import lines", () => {
  assert.ok(PLATFORM_SDK.test('import { App } from "@slack/bolt";'));
  assert.ok(PLATFORM_SDK.test("import { Client } from 'discord.js';"));
  assert.ok(ADAPTER_IMPORT.test('import { x } from "../adapters/index.ts";'));
  assert.ok(!PLATFORM_SDK.test('import { z } from "zod";'));
});

/** Relative imports (value and type) of one source file, resolved to absolute paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
  return specs.map((s) => path.resolve(path.dirname(file), s));
}

/** Every import cycle in a set of files, each as the list of files on it. */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === "open") found.push(stack.slice(stack.indexOf(next)).map((x) => path.relative(ROOT, x)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

test("no import cycles in src/ or adapters/", () => {
  const files = [...sources(path.join(ROOT, "src")), ...sources(path.join(ROOT, "adapters"))];
  assert.deepEqual(cycles(files), []);
});

test("the cycle check can fail: it finds a cycle between two files", () => {
  const dir = fs.mkdtempSync(path.join(ROOT, "node_modules", ".cycle-"));
  try {
    fs.writeFileSync(path.join(dir, "a.ts"), 'import { b } from "./b.ts";\nexport const a = b;\n');
    fs.writeFileSync(path.join(dir, "b.ts"), 'import type { a } from "./a.ts";\nexport const b = 1 as unknown as typeof a;\n');
    assert.equal(cycles(sources(dir)).length, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("money (amounts) does not depend on pricing (the price table)", () => {
  const money = path.join(ROOT, "src/claude/money.ts");
  assert.deepEqual(importsOf(money).filter((f) => f.endsWith("pricing.ts")), []);
});

test("src/ is grouped by the stages of a message: no loose files but the seam and the error type", () => {
  const loose = fs
    .readdirSync(path.join(ROOT, "src"), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  assert.deepEqual(loose, ["errors.ts", "types.ts"]);
});
