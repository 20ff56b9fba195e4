// The block a Markdown text ends in: where streamed text is still arriving.
import type { Nodes, Root } from "mdast";

/** The leaf block at the very end of the document (descending into lists and quotes). */
export function lastLeaf(root: Root): Nodes | undefined {
  let node: Nodes | undefined = root.children.at(-1);
  while (node && (node.type === "blockquote" || node.type === "list" || node.type === "listItem" || node.type === "footnoteDefinition")) {
    node = node.children.at(-1);
  }
  return node;
}
