// The platform-neutral Markdown tools (src/reply/markdown/): open fences, the streaming indicator,
// defused mentions, and splitting by the syntax tree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeOpenFence, openFenceAtEnd } from "../src/reply/markdown/fences.ts";
import { appendIndicator } from "../src/reply/markdown/indicator.ts";
import { defuseMarkdown, WORD_JOINER as WJ } from "../src/reply/markdown/mentions.ts";
import { splitOnce } from "../src/reply/split.ts";

test("open fences: found by the parser, also indented inside a list item or quote, and closed in place", () => {
  assert.equal(openFenceAtEnd("```ts\ncode")?.opening, "```ts");
  assert.equal(openFenceAtEnd("```ts\ncode\n```"), undefined);
  assert.equal(openFenceAtEnd("~~~~\n```\n~~~")?.marker, "~~~~", "a shorter fence does not close a longer one");
  assert.equal(closeOpenFence("- step\n\n  ```py\n  x = 1"), "- step\n\n  ```py\n  x = 1\n  ```");
  assert.equal(closeOpenFence("> ```\n> a"), "> ```\n> a\n> ```");
  assert.equal(openFenceAtEnd(closeOpenFence("1. a\n   ```\n   b")), undefined);
});

test("streaming indicator: after the text, never inside code (open fence closed first), never on a fence line", () => {
  assert.equal(appendIndicator("Some text", " ▍"), "Some text ▍");
  assert.equal(appendIndicator("Look:\n\n```js\nlet a", " ▍"), "Look:\n\n```js\nlet a\n```\n\n ▍");
  assert.equal(appendIndicator("```js\nlet a\n```", " ▍"), "```js\nlet a\n```\n\n ▍", "not on the closing fence line");
  assert.equal(appendIndicator("| a |\n|---|\n| 1 |", " ▍"), "| a |\n|---|\n| 1 |\n\n ▍", "not as a table row");
  assert.equal(appendIndicator("anything", ""), "anything");
});

test("defused Markdown: mentions in text get a word joiner, code and URLs are untouched", () => {
  assert.equal(defuseMarkdown("Hey <!here> and @channel, `<!here>`"), `Hey <${WJ}!here> and @${WJ}channel, \`<!here>\``);
  assert.equal(defuseMarkdown("&lt;!channel&gt; &#60;@U1>"), `&lt;${WJ}!channel&gt; &#60;${WJ}@U1>`);
  assert.equal(defuseMarkdown("```\n<!everyone>\n```"), "```\n<!everyone>\n```");
  assert.equal(defuseMarkdown("[docs](https://x.test/@here)"), "[docs](https://x.test/@here)");
  // A longer text of the same reply keeps the same beginning (native streams append).
  const full = "Team: <!here> look at **this** and the [link](https://x.test) now.";
  for (let i = 1; i < full.length; i++) {
    const a = defuseMarkdown(full.slice(0, i));
    const b = defuseMarkdown(full);
    if (!b.startsWith(a)) assert.fail(`prefix ${i} ${JSON.stringify(a)} is not a prefix of ${JSON.stringify(b)}`);
  }
});

test("split: a fence indented in a list is closed at the cut and reopened; a link is never cut", () => {
  const code = Array.from({ length: 20 }, (_, i) => `  x${i} = ${i}`).join("\n");
  const s = splitOnce(`- step:\n\n  \`\`\`py\n${code}\n  \`\`\``, 120)!;
  assert.equal(openFenceAtEnd(s.head), undefined);
  assert.ok(s.head.endsWith("\n  ```"), s.head);
  assert.equal(s.carry, "```py\n");
  const link = "[Mercury (planet)](https://en.wikipedia.org/wiki/Mercury_(planet))";
  const text = `${"word ".repeat(16)}${link} tail`;
  const cut = splitOnce(text, 100)!;
  assert.ok(!cut.head.includes("[Mercury") || cut.head.includes(link), cut.head);
});
