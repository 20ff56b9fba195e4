// Reused parses (src/reply/markdown/parse.ts keeps recent trees and builds a new text's tree from
// the blocks it shares with one of them) must be exactly what parsing the text afresh gives, node
// for node and position for position, for every way the texts are related in use: a streamed text
// growing, the head of a split, the rest of a split with a reopened fence. Printing a reused tree
// (top-level blocks' printed lines are kept) gives what printing the fresh tree gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { forgetParses, parseMarkdown } from "../src/reply/markdown/parse.ts";
import { parseFresh } from "../src/reply/markdown/fresh.ts";
import { printMarkdown } from "../src/reply/markdown/print.ts";
import { DISCORD_DIALECT } from "../adapters/discord/markdown.ts";
import { MRKDWN_DIALECT } from "../adapters/slack/mrkdwn.ts";

/**
 * Lines chosen for the constructs whose reading depends on the lines around them: list items and
 * what continues them after a blank line, setext underlines, table rows after a paragraph, lazy
 * quote lines, HTML blocks that run past blank lines, indented code, fences, definitions.
 */
const line = fc.constantFrom(
  "para\n| a | b |\n|---|---|",
  "Title\n===",
  "Title\n---",
  "\tcode\n\n3) x",
  "- a\n\n  continued",
  "> q\nlazy",
  "Some text with **bold** and a [link](https://x.test/a_(b))",
  "plain words",
  "- item",
  "* star item",
  "1. first",
  "3) third",
  "  indented two",
  "    indented four",
  "\tTabbed",
  "      deep",
  "> quote",
  ">",
  "# Heading",
  "###### six",
  "===",
  "---",
  "***",
  "| a | b |",
  "|---|---|",
  "| 1 | 2 |",
  "```",
  "```ts",
  "~~~",
  "  ```",
  "<div>",
  "</div>",
  "<!-- comment",
  "-->",
  "<pre>",
  "</pre>",
  "[ref]: https://x.test/ref",
  "see [ref] and [^1]",
  "[^1]: a footnote",
  "www.example.com and x@y.test",
  "- [ ] task",
  "&lt;!here&gt; &#60;",
  "trailing spaces   ",
  "-",
  "2.",
  "10. ten",
  "+ plus",
  "  - nested",
  "   ```",
  "- ```",
  "  code in an item",
  "  > nested quote",
  "<div>x</div>",
  "<x-custom a=\"1\">",
  "<?php",
  "?>",
  "![image](https://x.test/i.png)",
  "",
  " ",
);
const separator = fc.constantFrom("\n", "\n", "\n", "\n\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r", "\n \n");
const markdown = fc.array(fc.tuple(line, separator), { minLength: 1, maxLength: 24 }).map((parts) => parts.map(([l, s]) => l + s).join(""));

const RUNS = Number(process.env.REUSE_RUNS ?? 300);

/** Same tree, and the same printed text (printed blocks are kept for reused and moved blocks). */
function assertSameAsFresh(text: string, where: string): void {
  const reused = parseMarkdown(text);
  const fresh = parseFresh(text);
  assert.deepEqual(reused, fresh, `${where}: ${JSON.stringify(text)}`);
  for (const dialect of [DISCORD_DIALECT, MRKDWN_DIALECT]) {
    assert.equal(printMarkdown(reused, dialect), printMarkdown(fresh, dialect), `${where}, printed: ${JSON.stringify(text)}`);
  }
}

test("property: a growing text (a streamed reply) parses to the same tree as afresh", () => {
  fc.assert(
    fc.property(markdown, fc.integer({ min: 1, max: 40 }), (md, step) => {
      forgetParses();
      for (let end = step; end < md.length + step; end += step) assertSameAsFresh(md.slice(0, end), "prefix");
    }),
    { numRuns: RUNS },
  );
});

test("property: heads and rests of a text (a split, with or without a reopened fence) parse as afresh", () => {
  fc.assert(
    fc.property(markdown, fc.nat(), fc.boolean(), fc.constantFrom("", "```ts\n", "~~~\n", "- ", "> "), fc.constantFrom("", "\n```", "\n\n"), (md, at, afterBlank, carry, closing) => {
      forgetParses();
      // A split prefers a paragraph break: cut just after a blank line as often as not.
      let cut = at % (md.length + 1);
      if (afterBlank && md.indexOf("\n\n", cut) >= 0) cut = md.indexOf("\n\n", cut) + 2;
      assertSameAsFresh(md, "whole");
      assertSameAsFresh(md.slice(0, cut) + closing, "head");
      assertSameAsFresh(carry + md.slice(cut), "rest");
      assertSameAsFresh(carry + md.slice(cut, cut + (md.length - cut) / 2), "head of the rest");
    }),
    { numRuns: RUNS },
  );
});

/**
 * Documents where a line's reading depends on its neighbours: a table taking over a paragraph's
 * last line, setext underlines, list continuation past blank lines, lazy quote lines, code and
 * HTML running past blank lines, a list after indented code, definitions, CRLF line endings.
 */
const TRICKY = [
  "Intro text\n\npara\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n",
  "Intro\n\nTitle\n===\n\nnext\n---\n\nend",
  "\tcode\n\n3) third\n\n10. ten\n",
  "- item\n\n  continued\n\nnot continued\n\n- again\n",
  "> quote\nlazy line\n\n> again\n\nplain\n",
  "```ts\nopen fence\n\nstill code\n```\n\nafter\n",
  "<div>\n\nhtml ends at blank\n\n<!-- comment\n\nstill comment -->\n\nafter\n",
  "1. a\n\n   ```\n   code\n   ```\n\n2. b\n",
  "see [ref] and [^1]\n\n[ref]: https://x.test\n\n[^1]: note\n",
  "para\r\n\r\n| a |\r\n|---|\r\n\r\nend\r\n",
];

test("every prefix, head and rest of documents whose lines read by their neighbours parses as afresh", () => {
  for (const doc of TRICKY) {
    forgetParses();
    for (let end = 1; end <= doc.length; end++) assertSameAsFresh(doc.slice(0, end), "growing");
    for (let cut = 0; cut <= doc.length; cut++) {
      forgetParses();
      assertSameAsFresh(doc, "whole");
      assertSameAsFresh(doc.slice(0, cut), "head");
      assertSameAsFresh(doc.slice(cut), "rest");
      assertSameAsFresh("```\n" + doc.slice(cut), "rest after a reopened fence");
    }
  }
});

test("reuse is taken: a text extending a parsed one keeps its finished blocks (same objects)", () => {
  forgetParses();
  const first = parseMarkdown("# Title\n\nA paragraph.\n\n- a list\n- going on");
  const second = parseMarkdown("# Title\n\nA paragraph.\n\n- a list\n- going on\n- and on");
  assert.equal(second.children[0], first.children[0], "the heading is reused");
  assert.equal(second.children[1], first.children[1], "the paragraph is reused");
  assert.notEqual(second.children[2], first.children[2], "the list that grew is parsed again");
  const rest = parseMarkdown("A paragraph.\n\n- a list\n- going on\n- and on");
  assert.equal(rest.children[0]!.position!.start.offset, 0, "a reused block is moved to where it is in the new text");
  assert.deepEqual(rest, parseFresh("A paragraph.\n\n- a list\n- going on\n- and on"));
});

test("definitions are never reused: a later definition turns earlier text into a link", () => {
  forgetParses();
  parseMarkdown("see [ref]\n\nmore\n\n");
  const withDefinition = parseMarkdown("see [ref]\n\nmore\n\n[ref]: https://x.test");
  assert.equal(withDefinition.children[0]!.type, "paragraph");
  assert.deepEqual(withDefinition, parseFresh("see [ref]\n\nmore\n\n[ref]: https://x.test"));
  assert.ok(JSON.stringify(withDefinition).includes("linkReference"), "the reference is read as one");
});
