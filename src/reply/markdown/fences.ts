// Which fenced code block is still open at the end of a text: a reply being streamed or split
// ends wherever the tokens stopped, often inside a code block. Read from the syntax tree: the
// last leaf is a fenced code block, and its last source line is not a closing fence (CommonMark:
// the same fence character, at least as many as opened it, nothing else but container markers).
import type { Root } from "mdast";
import { lastLeaf } from "./leaf.ts";
import { parseMarkdown } from "./parse.ts";

export interface OpenFence {
  /** The fence sequence that opened the block, e.g. "```" or "~~~~". */
  marker: string;
  /** The opening fence without its container prefix, e.g. "```ts", to reopen the block elsewhere. */
  opening: string;
  /** A line that closes the block where it stands (inside its list item or block quote). */
  closing: string;
}

const count = (text: string, ch: string) => [...text].filter((c) => c === ch).length;

/** True when `line` closes a block opened by `fence` on a line whose containers were `prefix`. */
function closes(line: string, fence: string, prefix: string): boolean {
  const trimmed = line.trimEnd();
  let start = trimmed.length;
  while (start > 0 && trimmed[start - 1] === fence[0]) start--;
  if (trimmed.length - start < fence.length) return false;
  const before = trimmed.slice(0, start);
  return [...before].every((c) => c === ">" || c === " " || c === "\t") && count(before, ">") === count(prefix, ">");
}

/**
 * The prefix a later line needs to stay in the containers of a line that began with `prefix`:
 * block-quote markers stay, list markers become the spaces of their width.
 */
function containerIndent(prefix: string): string {
  let out = "";
  for (const ch of prefix) out += ch === ">" || ch === " " || ch === "\t" ? ch : " ";
  return out;
}

/** The fenced code block open at the end of `markdown` (whose tree is `root`), if any. */
export function openFenceAtEnd(markdown: string, root: Root = parseMarkdown(markdown)): OpenFence | undefined {
  const leaf = lastLeaf(root);
  if (leaf?.type !== "code" || !leaf.position) return undefined;
  const start = leaf.position.start.offset!;
  const end = leaf.position.end.offset!;
  const ch = markdown[start];
  if (ch !== "`" && ch !== "~") return undefined; // indented code has no fence
  let length = 0;
  while (markdown[start + length] === ch) length++;
  const marker = ch.repeat(length);
  const lineStart = markdown.lastIndexOf("\n", start - 1) + 1;
  const prefix = markdown.slice(lineStart, start);
  const openingEnd = markdown.indexOf("\n", start);
  if (openingEnd >= 0 && openingEnd < end) {
    const lastLine = markdown.slice(markdown.lastIndexOf("\n", end - 1) + 1, end);
    if (closes(lastLine, marker, prefix)) return undefined;
  }
  const opening = markdown.slice(start, openingEnd < 0 ? markdown.length : openingEnd).trimEnd();
  return { marker, opening, closing: containerIndent(prefix) + marker };
}

/** `markdown` with the code block open at its end (if any) closed. */
export function closeOpenFence(markdown: string, root?: Root): string {
  const open = openFenceAtEnd(markdown, root);
  if (!open) return markdown;
  return `${markdown}${markdown.endsWith("\n") ? "" : "\n"}${open.closing}`;
}
