// Where a streaming indicator goes in a Markdown text that is still being written. Appended
// blindly it can land inside code: after an open fence it becomes part of the code, and on a
// closing fence line ("``` ▍") it stops that line from closing anything. A paragraph or heading
// takes it at its end; after a code block, table or other block it goes on its own line, with any
// fence still open closed first.
import type { Root } from "mdast";
import { openFenceAtEnd } from "./fences.ts";
import { lastLeaf } from "./leaf.ts";
import { parseMarkdown } from "./parse.ts";

/** Blocks whose last line cannot take trailing text without changing what they show. */
const CLOSED_BLOCKS = new Set(["code", "table", "html", "thematicBreak", "definition"]);

/** True when text appended to the document would not be read as part of its last block's text. */
export function endsInClosedBlock(root: Root): boolean {
  const leaf = lastLeaf(root);
  return leaf !== undefined && CLOSED_BLOCKS.has(leaf.type);
}

/**
 * What to add after `markdown` (whose tree is `root`) to show `indicator` outside any code block:
 * the closing fence of a block still open, then the indicator on its own line; or the indicator
 * alone at the end of a paragraph.
 */
export function indicatorSuffix(markdown: string, indicator: string, root: Root = parseMarkdown(markdown)): string {
  if (indicator === "") return "";
  const open = openFenceAtEnd(markdown, root);
  if (open) return `${markdown.endsWith("\n") ? "" : "\n"}${open.closing}\n\n${indicator}`;
  return endsInClosedBlock(root) ? `\n\n${indicator}` : indicator;
}

/** `markdown` followed by `indicator`, placed outside any code block or table. */
export function appendIndicator(markdown: string, indicator: string, root?: Root): string {
  return markdown + indicatorSuffix(markdown, indicator, root);
}

/**
 * A platform's printed text (code blocks always closed by the printer) followed by `indicator`:
 * on a line of its own when the text ends in a code block or table, else at the end of the text.
 */
export function appendToPrinted(printed: string, root: Root, indicator: string): string {
  if (indicator === "") return printed;
  return endsInClosedBlock(root) ? `${printed}\n${indicator}` : printed + indicator;
}
