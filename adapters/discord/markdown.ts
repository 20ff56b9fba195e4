// Claude's Markdown → Discord's Markdown, printed from the syntax tree (src/reply/markdown/).
// Discord renders bold, italics, strikethrough, inline code, fenced code, lists, block quotes,
// masked links and headings # to ### (support.discord.com, "Markdown Text 101"). Everything else
// is rewritten: `__x__` (underline on Discord) becomes **x**, `~~~` fences become backtick fences,
// tables become code blocks aligned by display width, #### and deeper become bold lines, images
// become links. Text is escaped so that what Claude wrote literally (\*not bold\*, a stray `_`)
// stays literal, and mentions in it are defused.
import { defuseMentions } from "../../src/reply/markdown/mentions.ts";
import { appendToPrinted } from "../../src/reply/markdown/indicator.ts";
import { parseMarkdown } from "../../src/reply/markdown/parse.ts";
import { printMarkdown, type Dialect } from "../../src/reply/markdown/print.ts";

/** Headings Discord renders: #, ## and ###. */
const DEEPEST_HEADING = 3;
/** Discord has no horizontal rule: a line of box-drawing characters stands in. */
const RULE_TEXT = "──────────";
/** Characters Discord's Markdown may read as markup anywhere in a line. */
const MARKUP = new Set(["\\", "*", "_", "~", "`", "|", "[", "]", "<"]);
/** Characters that start a block (heading, quote, list, -# subtext) at the start of a line. */
const LINE_START_MARKUP = new Set(["#", ">", "-", "+"]);
/** Code block languages Discord highlights are plain words like ts, c++, c#, objective-c. */
const LANGUAGE_CHARS = /^[\w+#.-]+$/;

function escapeLine(line: string, atLineStart: boolean): string {
  let out = "";
  // Only whitespace so far: the next character starts the line's content.
  let blankSoFar = atLineStart;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    const startsLine = blankSoFar;
    blankSoFar &&= ch.trim() === "";
    if (MARKUP.has(ch) || (startsLine && LINE_START_MARKUP.has(ch))) out += "\\";
    out += ch;
    // "1. " at the start of a line is an ordered list: escape its dot.
    if (startsLine && ch >= "0" && ch <= "9") {
      let j = i + 1;
      while (line[j] !== undefined && line[j]! >= "0" && line[j]! <= "9") j++;
      if (line[j] === "." || line[j] === ")") {
        out += line.slice(i + 1, j) + "\\" + line[j];
        i = j;
      }
    }
  }
  return out;
}

function escapeText(value: string, atLineStart: boolean): string {
  return defuseMentions(value)
    .split("\n")
    .map((line, i) => escapeLine(line, atLineStart || i > 0))
    .join("\n");
}

/** Discord masked links take http(s) URLs; parentheses and spaces would end the URL early. */
function linkUrl(url: string): string {
  return url.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export const DISCORD_DIALECT: Dialect = {
  text: escapeText,
  strong: (inner) => `**${inner}**`,
  emphasis: (inner) => `*${inner}*`,
  strike: (inner) => `~~${inner}~~`,
  inlineCode: (value) => (value.includes("`") ? `\`\` ${value} \`\`` : `\`${value}\``),
  link(url, label, plainLabel) {
    if (plainLabel === "" || plainLabel === url || `mailto:${plainLabel}` === url) return escapeText(plainLabel || url, false);
    if (!/^https?:\/\//i.test(url)) return `${label} (${escapeText(url, false)})`;
    return `[${label}](${linkUrl(url)})`;
  },
  heading(depth, inner) {
    if (depth > DEEPEST_HEADING) return undefined;
    if (inner.trim() === "") return "";
    // A heading's trailing #s are a closing sequence to Markdown readers: keep a final # literal.
    const text = inner.endsWith("#") && !inner.endsWith("\\#") ? `${inner.slice(0, -1)}\\#` : inner;
    return `${"#".repeat(depth)} ${text}`;
  },
  codeBlock: (lang, value) => [`\`\`\`${lang && LANGUAGE_CHARS.test(lang) ? lang : ""}`, ...value.split("\n"), "```"],
  thematicBreak: RULE_TEXT,
  quotePrefix: "> ",
  bullet: () => "- ",
  task: (checked) => (checked ? "☑ " : "☐ "),
  hardBreak: "\n",
};

/**
 * Claude's Markdown as Discord shows it. `indicator` (while streaming) goes after the text, on a
 * line of its own when the text ends in a code block, so it is never shown inside the code.
 */
export function formatForDiscord(markdown: string, indicator = ""): string {
  const root = parseMarkdown(markdown);
  return appendToPrinted(printMarkdown(root, DISCORD_DIALECT), root, indicator);
}
