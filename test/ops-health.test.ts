// GET /livez and /readyz: alive whatever the platforms do; ready only when the database answers
// and every enabled platform is connected, and not while draining after SIGTERM. Real Bolt and
// discord.js against the fakes, whose connections are dropped the way the platforms drop them.
import { describe, test } from "node:test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import assert from "node:assert/strict";
import { startSlackHarness, ask, replyIn } from "./helpers/slack.ts";
import { startDiscordHarness } from "./helpers/discord.ts";
import { inbound, startCore, waitFor } from "./helpers/core.ts";
import { RecordingSurface } from "./fakes/surface.ts";
import { get } from "./helpers/ops.ts";
import { isPalaverError } from "../src/errors.ts";

/** Poll /readyz until it answers `status`; returns the last body. */
async function readyzBecomes(port: number, status: number, timeoutMs: number): Promise<{ status?: string; reason?: string }> {
  let last = { status: 0, body: "" };
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    last = await get(port, "/readyz");
    if (last.status === status) return JSON.parse(last.body) as { status?: string; reason?: string };
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`/readyz did not answer ${status} within ${timeoutMs} ms (last: ${last.status} ${last.body})`);
}

describe("readiness follows the platform connection", () => {
  test("Slack Socket Mode: 503 while Slack has the app reconnect, 200 again once it has", async () => {
    const h = await startSlackHarness({ mode: "socket" });
    try {
      const port = h.app.httpPort!;
      assert.deepEqual(JSON.parse((await get(port, "/readyz")).body), { status: "ready" });
      const connectionsBefore = h.slack.socket.connectionCount;
      h.slack.socket.requestReconnect();
      const down = await readyzBecomes(port, 503, 5000);
      assert.deepEqual(down, { status: "not ready", reason: "not connected: slack" });
      assert.equal((await get(port, "/livez")).status, 200, "alive all the same");
      // The Socket Mode client waits a few seconds before it reconnects.
      await readyzBecomes(port, 200, 15_000);
      assert.equal(h.slack.socket.connectionCount, connectionsBefore + 1, "a new connection was made");
      h.claude.enqueue({ text: "Back online." });
      const ts = await ask(h, "are you there?");
      assert.equal((await replyIn(h, ts))[0]?.text, "Back online.", "and it answers again");
    } finally {
      await h.close();
    }
  });

  test("Discord: 503 while the gateway is unreachable, 200 once discord.js has resumed", async () => {
    const h = await startDiscordHarness();
    try {
      const port = h.app.httpPort!;
      assert.equal((await get(port, "/readyz")).status, 200);
      h.discord.gateway.goOffline();
      const down = await readyzBecomes(port, 503, 5000);
      assert.deepEqual(down, { status: "not ready", reason: "not connected: discord" });
      // Still down a while later: discord.js keeps retrying against the outage.
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal((await get(port, "/readyz")).status, 503, "still not ready during the outage");
      assert.equal((await get(port, "/livez")).status, 200, "alive all the same");
      const resumesBefore = h.discord.gateway.resumes;
      h.discord.gateway.goOnline();
      await readyzBecomes(port, 200, 15_000);
      assert.ok(h.discord.gateway.resumes > resumesBefore, "the session was resumed");
    } finally {
      await h.close();
    }
  });

  test("Slack HTTP mode is ready once started (Slack calls in) and /slack/events is served on the same port", async () => {
    const h = await startSlackHarness({ mode: "http" });
    try {
      const port = h.app.httpPort!;
      assert.equal((await get(port, "/readyz")).status, 200);
      assert.equal(new URL(h.eventsUrl!).port, String(port), "one server for events and health");
      // An unsigned request reaches Bolt's receiver, which refuses it (signature verification).
      const unsigned = await fetch(h.eventsUrl!, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      assert.equal(unsigned.status, 401);
    } finally {
      await h.close();
    }
  });
});

describe("readiness and the process", () => {
  test("503 with the database's reason when the database does not answer", async () => {
    const h = await startCore();
    try {
      await h.app.start([]);
      const port = h.app.httpPort!;
      assert.equal((await get(port, "/readyz")).status, 200);
      await h.app.db.close();
      const res = await get(port, "/readyz");
      assert.equal(res.status, 503);
      const body = JSON.parse(res.body) as { reason: string };
      assert.match(body.reason, /^database: /);
      assert.equal(res.body.trim().split("\n").length, 1, "a one-line JSON reason");
      assert.equal((await get(port, "/livez")).status, 200, "alive: the process still runs");
    } finally {
      await h.close();
    }
  });

  test("503 while draining: a reply in flight finishes, /livez answers until the server closes", async () => {
    const h = await startCore({ PALAVER_SHUTDOWN_GRACE_MS: "10000" });
    await h.app.start([]);
    const port = h.app.httpPort!;
    h.claude.enqueue({ text: "A slow but complete answer.", chunkSize: 3, chunkDelayMs: 60 });
    const reply = h.app.bot.handle(inbound("take your time"), new RecordingSurface());
    await waitFor(() => h.claude.messageRequests().length === 1, 5000, "the request");
    const stopping = h.app.stop();
    const res = await get(port, "/readyz");
    assert.equal(res.status, 503);
    assert.deepEqual(JSON.parse(res.body), { status: "not ready", reason: "draining: Palaver is shutting down" });
    assert.equal((await get(port, "/livez")).status, 200, "alive while draining");
    assert.equal(await reply, "replied", "the reply in flight finished");
    await stopping;
    await assert.rejects(get(port, "/livez"), "the server is closed once stopped");
    await h.close();
  });

  test("unknown paths are 404 and other methods 405, as JSON", async () => {
    const h = await startCore();
    try {
      await h.app.start([]);
      const port = h.app.httpPort!;
      const missing = await get(port, "/slack/events");
      assert.equal(missing.status, 404, "no Slack endpoint without Slack in HTTP mode");
      const post = await fetch(`http://127.0.0.1:${port}/readyz`, { method: "POST" });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
    } finally {
      await h.close();
    }
  });
});

test("a PORT already in use stops start-up with one line naming PORT and the fix", async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  const port = (blocker.address() as AddressInfo).port;
  const h = await startCore({ PORT: String(port) });
  try {
    await assert.rejects(h.app.start([]), (err: unknown) => {
      assert.ok(isPalaverError(err));
      assert.equal(err.code, "http_failed");
      assert.equal(err.message, `PORT ${port} is already in use: stop what listens there or set PORT to a free port`);
      return true;
    });
  } finally {
    await h.close();
    await new Promise((resolve) => blocker.close(resolve));
  }
});
