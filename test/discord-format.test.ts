// Claude's Markdown → Discord's Markdown, printed from the syntax tree: one test per bug the old
// line-by-line converter had, and what Discord cannot show rewritten.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatForDiscord } from "../adapters/discord/markdown.ts";
import { STREAMING_INDICATOR } from "../adapters/discord/limits.ts";
import { openFenceAtEnd } from "../src/reply/markdown/fences.ts";

const WJ = "\u2060";

test("discord: native Markdown keeps its meaning (bold, italics, strike, code, links, lists, quotes)", () => {
  const md = "# Title\n\n**bold** *it* ~~s~~ `code` [link](https://x.y)\n\n- a\n- b\n\n> quote\n\n```ts\n#### not a heading\n| a | b |\n|---|---|\n```";
  assert.equal(formatForDiscord(md), md);
});

test("discord: `## Learn C#` keeps its #", () => {
  assert.equal(formatForDiscord("## Learn C#"), "## Learn C\\#");
});

test("discord: a link whose URL has parentheses stays a link (Wikipedia disambiguation)", () => {
  assert.equal(
    formatForDiscord("See [Mercury](https://en.wikipedia.org/wiki/Mercury_(planet)) now."),
    "See [Mercury](https://en.wikipedia.org/wiki/Mercury_%28planet%29) now.",
  );
});

test("discord: \\*not bold\\* stays literal, and so do stray markers", () => {
  assert.equal(formatForDiscord("\\*not bold\\* and snake_case"), "\\*not bold\\* and snake\\_case");
});

test("discord: a fence indented inside a list is code, so __init__ is not emphasis", () => {
  const md = "1. Define it:\n\n   ```python\n   def __init__(self):\n       pass\n   ```\n2. Done";
  const out = formatForDiscord(md);
  assert.ok(out.includes("```python\ndef __init__(self):\n    pass\n```"), out);
  assert.ok(!out.includes("**init**"));
});

test("discord: a heading that contains bold does not nest marks", () => {
  assert.equal(formatForDiscord("#### The **real** cost"), "**The real cost**");
  assert.equal(formatForDiscord("### The **real** cost"), "### The **real** cost");
});

test("discord: __x__ becomes bold (Discord shows it underlined) and ~~~ becomes a backtick fence", () => {
  assert.equal(formatForDiscord("__x__ and _y_"), "**x** and *y*");
  assert.equal(formatForDiscord("~~~js\nlet a = `b`;\n~~~"), "```js\nlet a = `b`;\n```");
});

test("discord: tables become code blocks aligned by display width (CJK, emoji)", () => {
  const md = "| name | 値 |\n|:--|--:|\n| 日本語 | 1 |\n| 🎉 party | 22 |";
  assert.equal(formatForDiscord(md), "```\nname     | 値\n---------+---\n日本語   |  1\n🎉 party | 22\n```");
});

test("discord: deep headings become bold lines, rules and images become text", () => {
  assert.equal(formatForDiscord("##### Costs\n\n---\n\n![chart](https://x.y/c.png)"), "**Costs**\n\n──────────\n\n[chart](https://x.y/c.png)");
});

test("discord: while streaming, an open fence is closed and the indicator is outside it", () => {
  const out = formatForDiscord("Here:\n\n```js\nlet a = 1;", STREAMING_INDICATOR);
  assert.equal(out, `Here:\n\n\`\`\`js\nlet a = 1;\n\`\`\`\n${STREAMING_INDICATOR}`);
  assert.equal(openFenceAtEnd(out), undefined);
  // Text after the code takes the indicator at its end, as before.
  assert.equal(formatForDiscord("Done **now**", STREAMING_INDICATOR), `Done **now**${STREAMING_INDICATOR}`);
});

test("discord: mentions in Claude's text are defused (allowed_mentions is the second guard)", () => {
  assert.equal(formatForDiscord("@everyone and @here, <@123> <@&9>"), `@${WJ}everyone and @${WJ}here, \\<${WJ}@123> \\<${WJ}@&9>`);
  assert.equal(formatForDiscord("`@everyone`"), "`@everyone`", "code is left as written");
});
