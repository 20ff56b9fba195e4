// Text in both directions: Claude's Markdown → Slack mrkdwn (notification text and fallback), and Slack's
// message markup → the plain text the core stores (mentions as names, escapes undone).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { markdownToMrkdwn } from "../adapters/slack/mrkdwn.ts";
import { commandText, slackToPlain } from "../adapters/slack/text.ts";

const WJ = "\u2060";

const cases: Array<[string, string, string]> = [
  ["bold", "a **b** c", "a *b* c"],
  ["bold with underscores", "__b__", "*b*"],
  ["italic", "an *i* here", "an _i_ here"],
  ["italic underscores", "an _i_ here", "an _i_ here"],
  ["snake_case stays", "call snake_case_name now", "call snake_case_name now"],
  ["strike", "~~x~~", "~x~"],
  ["bold italic", "***both***", "_*both*_"],
  ["link", "[docs](https://x.test/a_b?c=1&d=2)", "<https://x.test/a_b?c=1&amp;d=2|docs>"],
  ["link with parentheses (Wikipedia)", "[Mercury](https://en.wikipedia.org/wiki/Mercury_(planet))", "<https://en.wikipedia.org/wiki/Mercury_(planet)|Mercury>"],
  ["a link to a non-web URL is not a Slack link", "[x](!here)", `x (!here)`],
  ["autolink", "<https://x.test>", "<https://x.test>"],
  ["image", "![chart](https://x.test/c.png)", "<https://x.test/c.png|chart>"],
  ["heading", "## Results", "*Results*"],
  ["heading keeps its #", "## Learn C#", "*Learn C#*"],
  ["heading with bold does not nest marks", "## **Results** for *you*", "*Results for _you_*"],
  ["bullets", "- a\n- b\n  - nested", "• a\n• b\n  ◦ nested"],
  ["task list", "- [ ] todo\n- [x] done", "• ☐ todo\n• ☑ done"],
  ["ordered", "1. first\n2. second", "1. first\n2. second"],
  ["quote", "> said **this**", "> said *this*"],
  ["rule", "---", "──────────"],
  ["escapes and mentions", "1 < 2 & 3 > 2, <!here> @channel", `1 &lt; 2 &amp; 3 &gt; 2, &lt;${WJ}!here&gt; @${WJ}channel`],
  ["inline code is literal", "`**x** <y>`", "`**x** &lt;y&gt;`"],
  ["\\*not bold\\* is not bold", "\\*not bold\\*", "\u2217not bold\u2217"],
  ["fence keeps code", "```python\nx = '**a**'  # <b>\n\n  y = 1\n```", "```\nx = '**a**'  # &lt;b&gt;\n\n  y = 1\n```"],
  ["fence indented in a list is code", "- step:\n\n  ```py\n  def __init__(self): pass\n  ```", "• step:\n\n```\ndef __init__(self): pass\n```"],
  ["tilde fence", "~~~\ncode\n~~~", "```\ncode\n```"],
  ["unclosed fence while streaming", "text\n```js\nlet a", "text\n\n```\nlet a\n```"],
  ["unfinished bold while streaming stays plain", "so **bol", "so \u2217\u2217bol"],
  ["table aligned by display width", "| a | 名前 |\n|---|:-:|\n| 😀 | b |\n\nafter", "```\na  | 名前\n---+-----\n😀 |  b\n```\n\nafter"],
];

for (const [name, md, expected] of cases) {
  test(`markdown → mrkdwn: ${name}`, () => {
    assert.equal(markdownToMrkdwn(md), expected);
  });
}

test("code inside fences is never changed beyond Slack's three escapes", () => {
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[^`~\n]*$/), { maxLength: 8 }), (lines) => {
      const code = lines.join("\n");
      const out = markdownToMrkdwn("Before **x**\n```\n" + code + "\n```\nafter _y_");
      const inner = /```\n([\s\S]*)\n```/.exec(out)?.[1];
      const unescaped = inner?.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      assert.equal(unescaped, code);
    }),
  );
});

test("nothing Claude writes survives as a live Slack control sequence", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const out = markdownToMrkdwn(s);
      // Every "<" we emit opens a link we built from a Markdown link (http/mailto), never <!…> or <@…>.
      for (const m of out.matchAll(/<([^>]*)>/g)) assert.match(m[1]!, /^(https?|mailto):/);
    }),
  );
});

const names: Record<string, string> = { U0ALICE: "Alice", U0BOB: "Bob", U0BOT: "Palaver" };
const ctx = { botUserId: "U0BOT", nameOf: (id: string) => Promise.resolve(names[id] ?? id) };

test("slack text → plain text: mentions become names, markup readable, escapes undone", async () => {
  assert.equal(await slackToPlain("<@U0BOT> hi <@U0BOB>, see <#C1|general>", ctx), "hi @Bob, see #general");
  assert.equal(await slackToPlain("<@U0BOT>", ctx), "", "a bare mention is empty (the core answers with a hint)");
  assert.equal(await slackToPlain("ask <@U0BOT> or <@U0ALICE|alice>", ctx), "ask @Palaver or @Alice");
  assert.equal(await slackToPlain("<https://x.test|the docs> and <https://y.test>", ctx), "the docs (https://x.test) and https://y.test");
  assert.equal(await slackToPlain("<!here> 1 &lt; 2 &amp;&amp; 3 &gt; 2", ctx), "@here 1 < 2 && 3 > 2");
  assert.equal(await slackToPlain("<!subteam^S1|@devs> ping", ctx), "@devs ping");
});

test("slash command text: <@U…|name> mentions become <@slack:U…>", () => {
  assert.equal(commandText("budget set user <@U0BOB|bob> daily 5 "), "budget set user <@slack:U0BOB> daily 5");
  assert.equal(commandText("budget show <@W123>"), "budget show <@slack:W123>");
});
