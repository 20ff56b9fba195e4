// Spans of a Markdown text that must not be cut in two when a long reply is split across
// messages: a link (its label and URL), an image, an inline code span, a footnote reference.
import type { Nodes } from "mdast";
import { parseMarkdown } from "./parse.ts";

const ATOMIC = new Set(["link", "linkReference", "image", "imageReference", "inlineCode", "footnoteReference"]);

export interface Range {
  start: number;
  end: number;
}

/** Source ranges of the inline constructs of `markdown` that must stay whole, in order. */
export function atomicRanges(markdown: string): Range[] {
  const out: Range[] = [];
  const visit = (node: Nodes): void => {
    if (ATOMIC.has(node.type) && node.position) {
      out.push({ start: node.position.start.offset!, end: node.position.end.offset! });
      return;
    }
    if ("children" in node) for (const child of node.children) visit(child);
  };
  visit(parseMarkdown(markdown));
  return out;
}
