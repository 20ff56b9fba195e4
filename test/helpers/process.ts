// Runs Palaver's own entry points as child processes, as an operator would.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start `node --import tsx <entry>` with only the given environment (plus PATH/HOME), stdin piped.
 * Node itself is the child (not the `tsx` or `npx` wrappers, which run node as a grandchild), so
 * a SIGKILL in a crash test really kills Palaver.
 */
export function runEntry(entry: string, env: Record<string, string>, input?: string): Running {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  if (input !== undefined) child.stdin!.end(input);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** SIGKILL whatever of `running` still runs, and wait for each to exit (a test's `after`). */
export async function killAll(running: readonly Running[]): Promise<void> {
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
  await Promise.all(running.map((r) => r.exited));
}
