// `npm run bench`: the core's benchmarks, then Slack's, Discord's and the admin commands' when their
// files exist, each in its own process (a clean heap and RSS for each), one after the other, with
// their output passed through.
// Exits non-zero if any of them failed to run; a missed target is a printed MISS, not a failure.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BENCHES = ["core", "slack", "discord", "admin", "files", "markdown"];

function runOne(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["tsx", `bench/${name}.ts`], { cwd: ROOT, stdio: "inherit" });
    child.once("error", (err) => {
      console.error(`bench/${name}.ts could not start: ${err.message}`);
      resolve(1);
    });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const failed: string[] = [];
for (const name of BENCHES) {
  if (!fs.existsSync(path.join(ROOT, "bench", `${name}.ts`))) {
    console.log(`\n(bench/${name}.ts does not exist yet: skipped)`);
    continue;
  }
  console.log(`\n######## bench/${name}.ts ########`);
  const code = await runOne(name);
  if (code !== 0) failed.push(`${name} (exit ${code})`);
}
if (failed.length > 0) {
  console.error(`\nbenchmarks that failed: ${failed.join(", ")}`);
  process.exitCode = 1;
}
