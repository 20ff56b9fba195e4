// The fake Claude server, exercised through the real @anthropic-ai/sdk client.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { asMessagesBody, echoResponder, startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { MODEL, sdk } from "./helpers/anthropic.ts";


async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("expected the promise to reject");
}

void describe("fake Claude: replies", () => {
  let fake: FakeClaude;
  before(async () => {
    fake = await startFakeClaude();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  void test("streams text in several deltas; finalMessage carries usage and stop_reason", async () => {
    const text = "The quick brown fox jumps over the lazy dog.";
    fake.enqueue({ text, chunkSize: 5 });
    const stream = sdk(fake).messages.stream({
      model: MODEL,
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "Tell me about foxes, please." }],
    });
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    assert.equal(deltas.length, 9);
    assert.equal(deltas[0], "The q");
    assert.equal(deltas.join(""), text);
    assert.equal(message.id, "msg_fake_1");
    assert.equal(message.model, MODEL);
    assert.deepEqual(message.content.map((b) => (b.type === "text" ? b.text : b.type)), [text]);
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.stop_sequence, null);
    // ceil(9/4) + ceil(28/4) = 3 + 7
    assert.equal(message.usage.input_tokens, 10);
    assert.equal(message.usage.cache_creation_input_tokens, 0);
    assert.equal(message.usage.cache_read_input_tokens, 0);
    assert.equal(message.usage.output_tokens, 11);

    const [recorded] = fake.messageRequests();
    assert.ok(recorded);
    // SDK 1.13.0 sends the apiKey as a bearer token, not x-api-key; the fake accepts either.
    assert.equal(recorded.headers.authorization, "Bearer test");
    assert.equal(asMessagesBody(recorded.body).stream, true);
    const { response } = await sdk(fake).messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: "user", content: "x" }], stream: true }).withResponse();
    assert.equal(response.headers.get("request-id"), "req_fake_2");
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    await response.body?.cancel();
  });

  void test("non-streaming returns the JSON Message; default responder echoes the last user text", async () => {
    const message = await sdk(fake).messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: [{ type: "text", text: "what is two plus two" }] },
      ],
    });
    assert.equal(message.type, "message");
    assert.equal(message.role, "assistant");
    assert.deepEqual(message.content, [{ type: "text", text: "Echo: what is two plus two" }]);
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.usage.output_tokens, 7); // 26 chars
    assert.equal(message.usage.input_tokens, 2 + 1 + 5);
    assert.equal(fake.messageRequests().length, 1);
  });

  void test("max_tokens truncates a longer reply to ≈ max_tokens × 4 chars", async () => {
    fake.enqueue({ text: "a".repeat(100) });
    const message = await sdk(fake).messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: "user", content: "hi" }] });
    assert.equal(message.stop_reason, "max_tokens");
    assert.deepEqual(message.content, [{ type: "text", text: "a".repeat(20) }]);
    assert.equal(message.usage.output_tokens, 5);
  });

  void test("setResponder replaces the default reply; enqueued scripts go first", async () => {
    fake.setResponder((body) => ({ text: `${body.messages.length} message(s)`, stopReason: "refusal" }));
    try {
      fake.enqueue({ text: "queued" });
      const client = sdk(fake);
      const params = { model: MODEL, max_tokens: 20, messages: [{ role: "user" as const, content: "hi" }] };
      const first = await client.messages.create(params);
      const second = await client.messages.create(params);
      assert.deepEqual(first.content, [{ type: "text", text: "queued" }]);
      assert.deepEqual(second.content, [{ type: "text", text: "1 message(s)" }]);
      assert.equal(second.stop_reason, "refusal");
    } finally {
      fake.setResponder(echoResponder);
    }
  });
});

void describe("fake Claude: errors", () => {
  let fake: FakeClaude;
  before(async () => {
    fake = await startFakeClaude();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });
  const params = { model: MODEL, max_tokens: 50, messages: [{ role: "user" as const, content: "hello" }] };

  void test("429 with retry-after 0 is retried by the SDK and both requests are recorded", async () => {
    fake.enqueue({ status: 429, retryAfterSeconds: 0 });
    const message = await sdk(fake, 2).messages.create(params);
    assert.deepEqual(message.content, [{ type: "text", text: "Echo: hello" }]);
    const recorded = fake.messageRequests();
    assert.equal(recorded.length, 2);
    assert.equal(recorded[0]?.headers["x-stainless-retry-count"], "0");
    assert.equal(recorded[1]?.headers["x-stainless-retry-count"], "1");
  });

  void test("529 with a positive retry-after is retried without the default backoff", async () => {
    fake.enqueue({ status: 529, retryAfterSeconds: 0.001 }, { status: 500, retryAfterSeconds: 0.001 });
    const started = Date.now();
    const message = await sdk(fake, 2).messages.create(params);
    assert.ok(Date.now() - started < 300, "retry-after 0.001 should not wait for the 0.5 s default backoff");
    assert.deepEqual(message.content, [{ type: "text", text: "Echo: hello" }]);
    assert.equal(fake.messageRequests().length, 3);
  });

  void test("401 raises AuthenticationError and is not retried", async () => {
    fake.enqueue({ status: 401 });
    const err = await rejection(sdk(fake, 2).messages.create(params));
    assert.ok(err instanceof Anthropic.AuthenticationError);
    assert.equal(err.status, 401);
    assert.equal(err.type, "authentication_error");
    assert.match(err.requestID ?? "", /^req_fake_\d+$/);
    assert.deepEqual(err.error, {
      type: "error",
      error: { type: "authentication_error", message: "invalid x-api-key" },
      request_id: err.requestID,
    });
    assert.equal(fake.messageRequests().length, 1);
  });

  void test("status scripts map to the API error types and SDK classes", async () => {
    const cases = [
      [400, "invalid_request_error", Anthropic.BadRequestError],
      [403, "permission_error", Anthropic.PermissionDeniedError],
      [404, "not_found_error", Anthropic.NotFoundError],
      [413, "request_too_large", Anthropic.APIError],
      [429, "rate_limit_error", Anthropic.RateLimitError],
      [500, "api_error", Anthropic.InternalServerError],
      [529, "overloaded_error", Anthropic.InternalServerError],
    ] as const;
    for (const [status, type, cls] of cases) {
      fake.enqueue({ status, errorMessage: `boom ${status}` });
      const err = await rejection(sdk(fake).messages.create(params));
      assert.ok(err instanceof cls, `status ${status}`);
      assert.equal(err.status, status);
      assert.equal(err.type, type);
      assert.equal(err.apiMessage, `boom ${status}`);
    }
  });

  void test("a mid-stream overloaded error makes the SDK stream throw after some text, without retry", async () => {
    fake.enqueue({ text: "abcdefghijklmnopqrstuvwxyz", chunkSize: 4, midStreamError: { afterChars: 10 } });
    const stream = sdk(fake, 2).messages.stream(params);
    let seen = "";
    stream.on("text", (delta) => {
      seen += delta;
    });
    stream.on("error", () => {}); // finalMessage() below observes the error
    const err = await rejection(stream.finalMessage());
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, undefined);
    assert.equal(err.type, "overloaded_error");
    assert.equal(seen, "abcdefghij");
    assert.equal(fake.messageRequests().length, 1);
  });

  void test("a midStreamError script answers a non-streaming request with HTTP 529", async () => {
    fake.enqueue({ text: "never sent", midStreamError: { afterChars: 3 } });
    const err = await rejection(sdk(fake).messages.create(params));
    assert.ok(err instanceof Anthropic.InternalServerError);
    assert.equal(err.status, 529);
    assert.equal(err.type, "overloaded_error");
  });

  void test("non-alternating messages get a 400 invalid_request_error and are still recorded", async () => {
    const err = await rejection(
      sdk(fake, 2).messages.create({
        model: MODEL,
        max_tokens: 50,
        messages: [
          { role: "user", content: "one" },
          { role: "user", content: "two" },
        ],
      }),
    );
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.equal(err.type, "invalid_request_error");
    assert.match(err.apiMessage ?? "", /alternate/);
    const [recorded] = fake.messageRequests();
    assert.equal(asMessagesBody(recorded?.body).messages.length, 2);
  });

  void test("every validation rule answers 400 (raw HTTP)", async () => {
    const user = { role: "user", content: "hi" };
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["missing model", { max_tokens: 5, messages: [user] }, /model/],
      ["missing max_tokens", { model: MODEL, messages: [user] }, /max_tokens/],
      ["missing messages", { model: MODEL, max_tokens: 5 }, /messages/],
      ["system role", { model: MODEL, max_tokens: 5, messages: [{ role: "system", content: "x" }, user] }, /role/],
      ["assistant first", { model: MODEL, max_tokens: 5, messages: [{ role: "assistant", content: "x" }, user] }, /first/],
      ["assistant last", { model: MODEL, max_tokens: 5, messages: [user, { role: "assistant", content: "x" }] }, /final/],
      ["empty string", { model: MODEL, max_tokens: 5, messages: [{ role: "user", content: "" }] }, /non-empty/],
      ["empty text block", { model: MODEL, max_tokens: 5, messages: [{ role: "user", content: [{ type: "text", text: "" }] }] }, /non-empty/],
      [
        "five breakpoints",
        {
          model: MODEL,
          max_tokens: 5,
          messages: [{ role: "user", content: Array.from({ length: 5 }, () => ({ type: "text", text: "x", cache_control: { type: "ephemeral" } })) }],
        },
        /maximum of 4/,
      ],
    ];
    for (const [name, body, pattern] of cases) {
      const res = await fetch(`${fake.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": "test" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, name);
      const json = (await res.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(json.type, "error", name);
      assert.equal(json.error.type, "invalid_request_error", name);
      assert.match(json.error.message, pattern, name);
    }
    assert.equal(fake.messageRequests().length, cases.length);
  });
});
