// The fake Slack reads message content as Slack documents it (test/fakes/slack/content.ts):
// markdown blocks and markdown_text are stored as Markdown, a text-only chat.update keeps the
// message's blocks, and payloads Slack refuses are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ContentError, MARKDOWN_LIMIT, readContent, renderedView } from "./fakes/slack/content.ts";

const md = (text: string) => [{ type: "markdown", text }];

test("fake slack: a markdown block is what a person sees; text is the notification", () => {
  const c = readContent({ text: "*hi*", blocks: JSON.stringify(md("**hi**")) });
  assert.deepEqual([c.shown, c.format, c.text], ["**hi**", "markdown", "*hi*"]);
});

test("fake slack: a text-only chat.update keeps the message's blocks (chat.update docs)", () => {
  const posted = readContent({ text: "*v1*", blocks: md("**v1**") });
  const updated = readContent({ text: "*v2*" }, posted);
  assert.equal(updated.shown, "**v1**", "what a person sees did not change");
  assert.equal(updated.text, "*v2*");
  const cleared = readContent({ text: "*v3*", blocks: [] }, updated);
  assert.deepEqual([cleared.shown, cleared.format], ["*v3*", "mrkdwn"], "blocks: [] removes them");
});

test("fake slack: markdown_text is Markdown, and not to be combined with text or blocks", () => {
  assert.equal(readContent({ markdown_text: "# T" }).shown, "# T");
  assert.throws(() => readContent({ markdown_text: "# T", text: "t" }), (e: ContentError) => e.code === "invalid_arguments");
});

test("fake slack: markdown blocks past 12,000 characters in all are refused", () => {
  const half = "x".repeat(MARKDOWN_LIMIT / 2 + 1);
  assert.throws(() => readContent({ text: "t", blocks: [...md(half), ...md(half)] }), (e: ContentError) => e.code === "msg_blocks_too_long");
  assert.throws(() => readContent({ text: "t", blocks: [{ type: "markdown" }] }), (e: ContentError) => e.code === "invalid_blocks");
  assert.throws(() => readContent({ text: "t", blocks: "not json" }), (e: ContentError) => e.code === "invalid_blocks_format");
});

test("fake slack: the rendered view draws blocks, and text only for a message without blocks", () => {
  const seen = (c: { blocks: { type: string; text?: unknown }[]; text: string }) => renderedView({ blocks: c.blocks, apiText: c.text, text: "(the fake's own copy)" });
  const posted = readContent({ text: "*v1*", blocks: md("**v1**") });
  assert.equal(seen(posted), "**v1**");
  assert.equal(seen(readContent({ text: "*v2*" }, posted)), "**v1**", "a text-only update leaves the old blocks on screen");
  assert.equal(seen(readContent({ text: "*v3*", blocks: [] }, posted)), "*v3*", "no blocks: the text is drawn");
  assert.equal(seen({ blocks: [{ type: "section", text: { type: "mrkdwn", text: "*s*" } }], text: "t" }), "*s*");
});
