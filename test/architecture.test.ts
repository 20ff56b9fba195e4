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
