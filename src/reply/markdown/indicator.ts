// Where a streaming indicator goes in a Markdown text that is still being written. Appended
// blindly it can land inside code: after an open fence it becomes part of the code, and on a
// closing fence line ("``` ▍") it stops that line from closing anything. A paragraph or heading
// takes it at its end; after a code block, table or other block it goes on its own line, with any
// fence still open closed first.
import type { Nodes, Root } from "mdast";
import { closeOpenFence, openFenceAtEnd } from "./fences.ts";
import { parseMarkdown } from "./parse.ts";

/** Blocks whose last line cannot take trailing text without changing what they show. */
const CLOSED_BLOCKS = new Set(["code", "table", "html", "thematicBreak", "definition"]);

/** The leaf block at the very end of the document (descending into lists and quotes). */
export function lastLeaf(root: Root): Nodes | undefined {
  let node: Nodes | undefined = root.children.at(-1);
  while (node && (node.type === "blockquote" || node.type === "list" || node.type === "listItem" || node.type === "footnoteDefinition")) {
    node = node.children.at(-1);
  }
  return node;
}

/** True when text appended to `markdown` would not be read as part of its last block's text. */
export function endsInClosedBlock(root: Root): boolean {
  const leaf = lastLeaf(root);
  return leaf !== undefined && CLOSED_BLOCKS.has(leaf.type);
}

/** `markdown` followed by `indicator`, placed outside any code block or table. */
export function appendIndicator(markdown: string, indicator: string): string {
  if (indicator === "") return markdown;
  if (openFenceAtEnd(markdown)) return `${closeOpenFence(markdown)}\n\n${indicator}`;
  if (endsInClosedBlock(parseMarkdown(markdown))) return `${markdown.trimEnd()}\n\n${indicator}`;
  return markdown + indicator;
}
