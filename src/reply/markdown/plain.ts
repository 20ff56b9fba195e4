// The text a reader sees in an inline tree, without its markup (for table cells and link labels).
import type { Nodes } from "mdast";

export function plainText(node: Nodes): string {
  switch (node.type) {
    case "text":
    case "inlineCode":
    case "html":
      return node.value;
    case "break":
      return "\n";
    case "image":
      return node.alt ?? "";
    default:
      return "children" in node ? node.children.map((c) => plainText(c)).join("") : "";
  }
}
