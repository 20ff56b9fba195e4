// Slack ids and reply addresses: what the adapter encodes, it decodes back exactly; anything else
// is refused with a PalaverError rather than misread.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  conversationId,
  decodeAddress,
  decodeMessageId,
  decodeUserId,
  encodeAddress,
  messageId,
  userId,
} from "../adapters/slack/ids.ts";
import { isPalaverError } from "../src/errors.ts";

const slackId = (prefix: string) => fc.stringMatching(/^[A-Z0-9]{2,12}$/).map((s) => prefix + s);
const ts = fc
  .tuple(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999 }))
  .map(([s, us]) => `${s}.${String(us).padStart(6, "0")}`);

test("message, conversation, user ids and reply addresses round-trip", () => {
  fc.assert(
    fc.property(slackId("T"), fc.oneof(slackId("C"), slackId("G"), slackId("D")), ts, slackId("U"), slackId("T"), (team, channel, t, user, userTeam) => {
      const id = messageId({ team, channel, ts: t });
      assert.deepEqual(decodeMessageId(id), { team, channel, ts: t });
      assert.equal(conversationId(team, channel, t), id, "a conversation is named by its thread root");
      assert.equal(decodeUserId(userId(user)), user);
      const address = { team, channel, threadTs: t, recipientUser: user, recipientTeam: userTeam };
      assert.deepEqual(decodeAddress(encodeAddress(address)), address);
    }),
  );
});

test("ids of other platforms or malformed ids are refused", () => {
  for (const bad of ["discord:g1:c1:m1", "slack:T1:C1", "slack:T1:C1:notats", "slack:t1:C1:1.2", "slack:T1:C1:1.2:extra"]) {
    assert.throws(() => decodeMessageId(bad), (err) => isPalaverError(err, "adapter_failed"), bad);
  }
  assert.throws(() => decodeUserId("discord:123"), (err) => isPalaverError(err, "adapter_failed"));
  assert.throws(() => decodeAddress("slack:T1:C1:1.2"), (err) => isPalaverError(err, "adapter_failed"));
});
