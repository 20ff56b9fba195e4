// Claude's Markdown → Slack mrkdwn, printed from the syntax tree (src/reply/markdown/). Replies are
// sent as Markdown (markdown blocks, native streams: see markdown.ts); mrkdwn is kept only where
// Slack takes no Markdown: a message's notification `text`, the fallback when Slack refuses a
// markdown block, and ephemeral command answers' `text`.
//
// mrkdwn (docs.slack.dev/messaging/formatting-message-text): *bold*, _italic_, ~strike~, `code`,
// ```code blocks```, > quotes, <url|label> links; no headings, lists or tables. Slack requires
// &, < and > escaped as &amp; &lt; &gt; in text; escaping every < means nothing Claude writes can
// become a control sequence (<!channel>, <@U…>, a fake link). mrkdwn has no backslash escape, so
// a literal *, _, ~ or ` that could open or close a span is shown with a look-alike character.
import { defuseMentions } from "../../src/reply/markdown/mentions.ts";
import { parseMarkdown } from "../../src/reply/markdown/parse.ts";
import { printMarkdown, type Dialect } from "../../src/reply/markdown/print.ts";

const RULE_TEXT = "──────────";
/** mrkdwn markers and the look-alikes that show a literal one without formatting anything. */
const LOOKALIKE: Record<string, string> = { "*": "\u2217", _: "\u02cd", "~": "\u223c", "`": "\u02cb" };
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/u;
const LINK_SCHEMES = /^(https?|mailto):/i;

/** The three characters Slack requires escaped in message text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A marker that could open (before a non-space, not inside a word) or close a span is made inert. */
function inertMarkers(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const lookalike = LOOKALIKE[ch];
    if (lookalike === undefined) {
      out += ch;
      continue;
    }
    const before = text[i - 1];
    const after = text[i + 1];
    const opens = (before === undefined || !WORD.test(before)) && after !== undefined && !SPACE.test(after);
    const closes = before !== undefined && !SPACE.test(before) && (after === undefined || !WORD.test(after));
    out += opens || closes || ch === "`" ? lookalike : ch;
  }
  return out;
}

function slackUrl(url: string): string {
  // "|" and ">" end a Slack link; & must be escaped like anywhere else in text.
  return url.replace(/&/g, "&amp;").replace(/</g, "%3C").replace(/>/g, "%3E").replace(/\|/g, "%7C");
}

const text = (value: string): string => inertMarkers(escapeSlack(defuseMentions(value)));

export const MRKDWN_DIALECT: Dialect = {
  text,
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  inlineCode: (value) => `\`${escapeSlack(value.replace(/`/g, LOOKALIKE["`"]!))}\``,
  link(url, _label, plainLabel) {
    const label = plainLabel.trim();
    // Only web and mail links become <…>: a URL like "!here" or "@U1" would be a control sequence.
    if (!LINK_SCHEMES.test(url)) return label === "" ? text(url) : `${text(label)} (${text(url)})`;
    if (label === "" || label === url || `mailto:${label}` === url) return `<${slackUrl(url)}>`;
    return `<${slackUrl(url)}|${escapeSlack(defuseMentions(label))}>`;
  },
  heading: () => undefined,
  codeBlock: (_lang, value) => ["```", ...escapeSlack(value).split("\n"), "```"],
  thematicBreak: RULE_TEXT,
  quotePrefix: "> ",
  bullet: (depth) => (depth === 0 ? "• " : "◦ "),
  task: (checked) => (checked ? "☑ " : "☐ "),
  hardBreak: "\n",
};

export function markdownToMrkdwn(markdown: string): string {
  return printMarkdown(parseMarkdown(markdown), MRKDWN_DIALECT);
}
