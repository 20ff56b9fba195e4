// Property tests over generated Markdown: what every platform printer and the splitter promise
// whatever Claude writes. Code comes out verbatim; a split never breaks a fence or a link; no
// text pings anyone (judged by the fakes' readings of Slack's and Discord's mention rules).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Code, Nodes } from "mdast";
import { formatForDiscord } from "../adapters/discord/markdown.ts";
import { createBody, editBody } from "../adapters/discord/surface.ts";
import { formatSlack, markdownContent, slackMarkdown } from "../adapters/slack/markdown.ts";
import { markdownToMrkdwn } from "../adapters/slack/mrkdwn.ts";
import { parseMarkdown } from "../src/reply/markdown/parse.ts";
import { openFenceAtEnd } from "../src/reply/markdown/fences.ts";
import { atomicRanges } from "../src/reply/markdown/ranges.ts";
import { splitAll, splitOnce } from "../src/reply/split.ts";
import { pingsOf } from "./fakes/discord/mentions.ts";
import { slackPings } from "./fakes/slack/mentions.ts";
import { openFenceAtEnd as oracleOpenFence } from "./helpers/fence-oracle.ts";

const RUNS = 100;

const word = fc.constantFrom("alpha", "snake_case", "C#", "2 * 3", "a_b_", "x~y", "<tag>", "&amp;", "日本語", "🎉", "1.", "#", "-");
const ping = fc.constantFrom("<!here>", "<!channel>", "<!everyone>", "<!subteam^S1>", "<@U0ALICE>", "<@123>", "<@!123>", "<@&77>", "@everyone", "@here", "@channel", "&lt;!here&gt;", "\\<!here>", "&#60;@U1>");
const inlineText = fc.array(fc.oneof(word, ping), { minLength: 1, maxLength: 6 }).map((ws) => ws.join(" "));
const inlineMarkup = fc.oneof(
  inlineText,
  inlineText.map((t) => `**${t}**`),
  inlineText.map((t) => `*${t}*`),
  inlineText.map((t) => `__${t}__`),
  inlineText.map((t) => `~~${t}~~`),
  inlineText.map((t) => `\\*${t}\\*`),
  fc.constantFrom("`code <!here>`", "[Mercury](https://en.wikipedia.org/wiki/Mercury_(planet))", "<https://x.test/a_b>", "[me](!here)"),
);
const paragraph = fc.array(inlineMarkup, { minLength: 1, maxLength: 5 }).map((xs) => xs.join(" "));
/** Code lines: anything but a line that could close the fence. */
const codeLine = fc.oneof(
  fc.constantFrom("def __init__(self):", "    return **kw", "<!here> @everyone", "| a | b |", "# not a heading", "", "  x = `y`", "\t\ttab"),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n`~]/g, "")),
);
const code = fc.array(codeLine, { maxLength: 6 }).map((ls) => ls.join("\n"));
const block = fc.oneof(
  paragraph,
  paragraph.map((p) => `## ${p}`),
  paragraph.map((p) => `#### ${p}`),
  paragraph.map((p) => `> ${p}`),
  fc.array(paragraph, { minLength: 1, maxLength: 3 }).map((ps) => ps.map((p) => `- ${p}`).join("\n")),
  fc.tuple(fc.constantFrom("```", "~~~", "````"), fc.constantFrom("", "ts", "python"), code).map(([f, lang, c]) => `${f}${lang}\n${c}\n${f}`),
  fc.tuple(paragraph, code).map(([p, c]) => `1. ${p}\n\n   \`\`\`\n${c.split("\n").map((l) => (l === "" ? "" : `   ${l}`)).join("\n")}\n   \`\`\``),
  fc.array(fc.array(inlineText, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 }).map((rows) =>
    ["| h1 | h2 |", "|---|---|", ...rows.map((r) => `| ${r.join(" | ").replace(/\|/g, "|")} |`)].join("\n"),
  ),
);
const markdown = fc.array(block, { minLength: 1, maxLength: 6 }).map((bs) => bs.join("\n\n"));

function codeValues(md: string): string[] {
  const out: string[] = [];
  const visit = (n: Nodes): void => {
    if (n.type === "code") out.push((n as Code).value);
    if ("children" in n) n.children.forEach(visit);
  };
  visit(parseMarkdown(md));
  return out;
}

function assertInOrder(actual: string[], expected: string[], where: string): void {
  let i = 0;
  for (const value of actual) if (value === expected[i]) i++;
  assert.equal(i, expected.length, `${where}: code blocks ${JSON.stringify(expected)} in ${JSON.stringify(actual)}`);
}

const unescapeSlack = (t: string) => t.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

test("property: code block contents come out verbatim on Discord and in Slack mrkdwn", () => {
  fc.assert(
    fc.property(markdown, (md) => {
      // Discord cannot show ``` inside a code block; the generator's code has no backtick runs.
      // Printed tables are code blocks too, so Claude's code blocks come out in order among them.
      const expected = codeValues(md);
      assertInOrder(codeValues(formatForDiscord(md)), expected, "discord");
      assertInOrder(codeValues(markdownToMrkdwn(md)).map(unescapeSlack), expected, "slack mrkdwn");
      assert.deepEqual(codeValues(slackMarkdown(md)), expected, "slack markdown");
    }),
    { numRuns: RUNS },
  );
});

test("property: the open fence read from the tree agrees with micromark's tokens, at every cut", () => {
  fc.assert(
    fc.property(markdown, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (md, cuts) => {
      for (const cut of cuts) {
        const head = md.slice(0, cut % (md.length + 1));
        assert.deepEqual(openFenceAtEnd(head), oracleOpenFence(head), JSON.stringify(head));
      }
    }),
    { numRuns: RUNS },
  );
});

test("property: splitting a long reply never breaks a fence or a link, and loses nothing", () => {
  fc.assert(
    fc.property(fc.array(markdown, { minLength: 2, maxLength: 5 }), fc.integer({ min: 120, max: 600 }), (mds, limit) => {
      const text = mds.join("\n\n");
      const links = atomicRanges(text).filter((r) => r.end - r.start < limit / 3);
      let body = text;
      let offset = 0; // where body's own text (after the reopened fence) starts in `text`
      let carry = 0;
      for (;;) {
        const s = splitOnce(body, limit);
        if (!s) break;
        assert.ok(s.head.length <= limit, `${s.head.length} > ${limit}`);
        assert.equal(openFenceAtEnd(s.head), undefined, `a fence left open:\n${s.head}`);
        const at = offset + s.cut - carry;
        for (const r of links) assert.ok(!(r.start < at && at < r.end), `cut at ${at} inside ${text.slice(r.start, r.end)}`);
        offset = at;
        carry = s.carry.length;
        body = s.carry + body.slice(s.cut);
      }
      assert.equal(body.slice(carry), text.slice(offset), "the rest of the text is the last message");
      assert.ok(splitAll(text, limit).every((c) => c.length <= limit));
    }),
    { numRuns: 50 },
  );
});

test("property: no text ever pings anyone on Slack (markdown block, notification text) or Discord", () => {
  fc.assert(
    fc.property(markdown, (md) => {
      const formatted = formatSlack(md, " ▍");
      const slack = markdownContent(formatted.markdown, formatted.mrkdwn);
      assert.deepEqual(slackPings(slack), [], `slack: ${JSON.stringify(slack)}`);
      const discord = formatForDiscord(md, " …");
      for (const body of [createBody(discord, "1", true), editBody(discord)]) {
        assert.deepEqual(pingsOf(body as Record<string, unknown>), { users: [], roles: [], everyone: false });
      }
      // Even read without allowed_mentions, the content itself holds no live mention.
      assert.deepEqual(pingsOf({ content: discord }), { users: [], roles: [], everyone: false }, discord);
    }),
    { numRuns: RUNS },
  );
});
