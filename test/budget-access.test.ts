// Access lists, DMs on/off and the per-user request rate, through the real Gate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Gate } from "../src/admission/gate.ts";
import { ManualClock } from "../src/runtime/clock.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { openSqlite as openDatabase } from "../src/store/sqlite/open.ts";
import { PriceTable } from "../src/claude/pricing.ts";
import type { InboundMessage } from "../src/types.ts";

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);

async function gateWith(env: Record<string, string>) {
  const config = parseConfig({ ANTHROPIC_API_KEY: "sk-test-1234", DATABASE_PATH: ":memory:", ...env });
  const clock = new ManualClock(T0);
  return { clock, gate: new Gate(config, { db: await openDatabase(":memory:"), clock, prices: new PriceTable() }) };
}

let seq = 0;
function msg(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    id: `test:m${++seq}`,
    platform: "console",
    conversationId: "test:W:C:t",
    workspaceId: "test:W",
    channelId: "test:W:C",
    isDM: false,
    addressedBy: "mention",
    author: { id: "test:U1", displayName: "Ada", isBot: false, isMe: false },
    text: "hi",
    createdAt: T0,
    ...over,
  };
}

async function admit(gate: Gate, m: InboundMessage) {
  const r = (await gate.admit({ message: m, model: "claude-haiku-4-5" }));
  if (r.ok) await r.admission.release();
  return r;
}

const bob = { id: "test:U2", displayName: "Bob", isBot: false, isMe: false };

test("allowed users: others get a short reason", async () => {
  const { gate } = (await gateWith({ PALAVER_ALLOWED_USERS: "test:U1, test:U3" }));
  assert.equal((await admit(gate, msg())).ok, true);
  const r = (await admit(gate, msg({ author: bob })));
  assert.ok(!r.ok);
  assert.match(r.reply, /not on the list of people who may use Palaver/);
});

test("allowed channels: other channels are refused, DMs are not channel-listed", async () => {
  const { gate } = (await gateWith({ PALAVER_ALLOWED_CHANNELS: "test:W:C" }));
  assert.equal((await admit(gate, msg())).ok, true);
  const r = (await admit(gate, msg({ channelId: "test:W:OTHER" })));
  assert.ok(!r.ok);
  assert.match(r.reply, /not enabled in this channel/);
  assert.equal((await admit(gate, msg({ channelId: "test:W:D1", isDM: true }))).ok, true);
});

test("PALAVER_DMS=off refuses DMs with a reason, channels still work", async () => {
  const { gate } = (await gateWith({ PALAVER_DMS: "off" }));
  const r = (await admit(gate, msg({ isDM: true, channelId: "test:W:D1" })));
  assert.ok(!r.ok);
  assert.match(r.reply, /Direct messages to Palaver are turned off/);
  assert.equal((await admit(gate, msg())).ok, true);
});

test("per-user rate: the N+1st request in the window is refused, per user, until the oldest ages out", async () => {
  const { gate, clock } = (await gateWith({ PALAVER_USER_RATE: "3/minute" }));
  for (let i = 0; i < 3; i++) {
    assert.equal((await admit(gate, msg())).ok, true, `request ${i + 1}`);
    clock.advance(10_000);
  }
  // t = 30 s: three requests in the last minute (at 0, 10, 20 s).
  const r = (await admit(gate, msg()));
  assert.ok(!r.ok);
  assert.equal(r.reply, "You have reached the limit of 3 requests per minute (3 requests in the last minute); try again in 30 s.");
  assert.equal((await admit(gate, msg({ author: bob }))).ok, true, "another user has their own allowance");

  clock.set(T0 + 60_000); // the request at 0 s has left the window
  assert.equal((await admit(gate, msg())).ok, true);
  assert.equal((await admit(gate, msg())).ok, false, "10 s and 20 s and 60 s are still inside");
  clock.set(T0 + 80_001);
  assert.equal((await admit(gate, msg())).ok, true);
});

test("a refused request does not use up the rate allowance", async () => {
  const { gate } = (await gateWith({ PALAVER_USER_RATE: "1/hour", PALAVER_BUDGET_DAILY_USD: "0" }));
  for (let i = 0; i < 3; i++) {
    const r = (await admit(gate, msg()));
    assert.ok(!r.ok);
    assert.match(r.reply, /budget is \$0/, "refused by the budget, not by the rate");
  }
});

test("hourly wording", async () => {
  const { gate, clock } = (await gateWith({ PALAVER_USER_RATE: "1/hour" }));
  assert.equal((await admit(gate, msg())).ok, true);
  clock.advance(15 * 60_000);
  const r = (await admit(gate, msg()));
  assert.ok(!r.ok);
  assert.equal(r.reply, "You have reached the limit of 1 request per hour (1 request in the last hour); try again in 45 min.");
});
