// Claude's text never pings anyone. Slack reads <!here>, <!channel>, <!everyone>, <!subteam^…> and
// <@U…> as mentions; Discord reads @everyone, @here, <@id>, <@!id> and <@&role>. A word joiner
// (U+2060, invisible, not a space) after the "<" or "@" keeps the text as it looks while no
// platform can read it as a mention. Code is left alone: platforms show it literally.
import type { Nodes, Root } from "mdast";
import { parseMarkdown } from "./parse.ts";

export const WORD_JOINER = "\u2060";
const BROADCAST_WORDS = ["everyone", "here", "channel"];

/** True when plain text holds something a platform could read as a mention. */
export function looksLikePing(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (isPingStart(text, i, text[i]!)) return true;
  }
  return false;
}

/**
 * True when `ch` (the character at `at`, or the one a character reference there stands for)
 * starts a possible mention. `next` is where the following text starts, `end` where the text ends
 * (in Markdown source, where the text node ends: "__@here__" shows "@here" alone).
 */
function isPingStart(text: string, at: number, ch: string, next = at + 1, end = text.length): boolean {
  if (ch === "<") return text[next] === "!" || text[next] === "@";
  if (ch !== "@") return false;
  const rest = text.slice(next, Math.min(end, next + 8)).toLowerCase();
  // "_" does not end the word here: in raw HTML-like source ("<!here> __@everyone__" is an HTML
  // block to CommonMark) a platform may still read "__" as emphasis around "@everyone". A joiner
  // before a word that was never a ping costs nothing: it is invisible.
  return BROADCAST_WORDS.some((w) => rest.startsWith(w) && (next + w.length >= end || !/[\p{L}\p{N}]/u.test(text[next + w.length]!)));
}

/** Plain text (not Markdown) with every possible mention defused. */
export function defuseMentions(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    out += text[i]!;
    if (isPingStart(text, i, text[i]!)) out += WORD_JOINER;
  }
  return out;
}

/**
 * A character reference in Markdown source that stands for "<" or "@" (&lt;, &commat;, &#60;,
 * &#x40;…): CommonMark decodes these, so "&lt;!here>" is "<!here>" on screen.
 */
function referenceAt(src: string, at: number): { char: string; length: number } | undefined {
  if (src[at] !== "&") return undefined;
  const end = src.indexOf(";", at);
  if (end < 0 || end - at > 10) return undefined;
  const name = src.slice(at + 1, end).toLowerCase();
  let code: number | undefined;
  if (name === "lt") code = 0x3c;
  else if (name === "commat") code = 0x40;
  else if (name.startsWith("#x")) code = Number.parseInt(name.slice(2), 16);
  else if (name.startsWith("#")) code = Number.parseInt(name.slice(1), 10);
  return code === 0x3c || code === 0x40 ? { char: String.fromCharCode(code), length: end - at + 1 } : undefined;
}

/** Source ranges of the text Markdown shows as text (not code, not URLs). */
function textRanges(root: Root): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const visit = (node: Nodes): void => {
    if ((node.type === "text" || node.type === "html") && node.position) {
      ranges.push([node.position.start.offset!, node.position.end.offset!]);
    }
    if ("children" in node) for (const child of node.children) visit(child);
  };
  visit(root);
  return ranges;
}

/**
 * Markdown with every possible mention in its text defused, and nothing else changed: the source
 * is kept as written (only word joiners are added), so a longer text of the same reply yields a
 * longer output with the same beginning, as a native stream needs.
 */
export function defuseMarkdown(markdown: string, root: Root = parseMarkdown(markdown)): string {
  let out = "";
  let copied = 0;
  for (const [start, end] of textRanges(root)) {
    for (let i = start; i < end; i++) {
      const ref = referenceAt(markdown, i);
      const width = ref?.length ?? 1;
      if (isPingStart(markdown, i, ref?.char ?? markdown[i]!, i + width, end)) {
        out += markdown.slice(copied, i + width) + WORD_JOINER;
        copied = i + width;
      }
      i += width - 1;
    }
  }
  return out + markdown.slice(copied);
}
