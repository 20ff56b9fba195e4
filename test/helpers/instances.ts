// Several Palaver processes (`node --import tsx adapters/main.ts`, as in the crash tests) sharing
// one database, each on its own HTTP port, as an operator runs them behind a load balancer.
import net from "node:net";
import { get } from "./ops.ts";
import { killAll, runEntry, type Running } from "./process.ts";

export interface Instance extends Running {
  port: number;
}

/** A port nothing listens on now (the OS picks it; the instance binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Start `count` instances with the same environment (plus each one's PORT); resolves when all are ready. */
export async function startInstances(count: number, env: Record<string, string>, timeoutMs = 30_000): Promise<Instance[]> {
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    instances.push({ ...runEntry("adapters/main.ts", { ...env, PORT: String(port) }), port });
  }
  const deadline = Date.now() + timeoutMs;
  for (const instance of instances) {
    for (;;) {
      if (instance.child.exitCode !== null) throw new Error(`the instance on port ${instance.port} exited: ${instance.stderr().slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for the instance on port ${instance.port}: ${instance.stderr().slice(-2000)}`);
      const ready = instance.stderr().includes("Palaver is running") && (await get(instance.port, "/readyz").catch(() => undefined))?.status === 200;
      if (ready) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return instances;
}

/** SIGKILL whatever still runs (a test's `after`). */
export async function stopInstances(instances: Instance[]): Promise<void> {
  await killAll(instances);
}
