// Prints a Markdown syntax tree in a platform's own markup. The walk over blocks (paragraphs,
// headings, lists, quotes, code, tables) is the same for every platform; a Dialect says how each
// construct is written there (Discord's Markdown, Slack's mrkdwn). Code is always printed
// verbatim and never indented, so what Claude put in a code block is exactly what is shown.
import type { Definition, Nodes, PhrasingContent, Root, RootContent } from "mdast";
import { alignedTable } from "./table.ts";
import { plainText } from "./plain.ts";
import { originalOf } from "./shift.ts";

export interface Dialect {
  /** Literal text, escaped so the platform shows it as written. `atLineStart`: it starts a line. */
  text(value: string, atLineStart: boolean): string;
  strong(inner: string): string;
  emphasis(inner: string): string;
  strike(inner: string): string;
  inlineCode(value: string): string;
  /** `label` is already printed; `plainLabel` is its text without markup. */
  link(url: string, label: string, plainLabel: string): string;
  /** A heading the platform has, or undefined to show it as a bold line. */
  heading(depth: number, inner: string): string | undefined;
  /** A code block's lines (the value is never changed beyond the platform's required escapes). */
  codeBlock(lang: string | undefined, value: string): string[];
  thematicBreak: string;
  quotePrefix: string;
  bullet(depth: number): string;
  task(checked: boolean): string;
  hardBreak: string;
}

interface Line {
  text: string;
  /** Code: kept at the start of the line inside lists (indenting it would change the code). */
  verbatim: boolean;
}

interface Context {
  dialect: Dialect;
  definitions: Map<string, Definition>;
  /** Inside a bold heading line: strong is already implied (no nested marks). */
  bold: boolean;
  listDepth: number;
}

const prose = (text: string): Line[] => text.split("\n").map((t) => ({ text: t, verbatim: false }));

function inline(nodes: PhrasingContent[], ctx: Context): string {
  let out = "";
  for (const node of nodes) out += phrase(node, ctx, out === "" || out.endsWith("\n"));
  return out;
}

function phrase(node: PhrasingContent, ctx: Context, atLineStart: boolean): string {
  const d = ctx.dialect;
  switch (node.type) {
    case "text":
      return d.text(node.value, atLineStart);
    case "html":
      return d.text(node.value, atLineStart);
    case "strong": {
      const inner = inline(node.children, ctx);
      return ctx.bold ? inner : d.strong(inner);
    }
    case "emphasis":
      return d.emphasis(inline(node.children, ctx));
    case "delete":
      return d.strike(inline(node.children, ctx));
    case "inlineCode":
      return d.inlineCode(node.value);
    case "break":
      return d.hardBreak;
    case "link":
      return d.link(node.url, inline(node.children, ctx), plainText(node));
    case "image":
      return d.link(node.url, d.text(node.alt || node.url, false), node.alt || node.url);
    case "linkReference":
    case "imageReference": {
      const def = ctx.definitions.get(node.identifier);
      const label = node.type === "linkReference" ? inline(node.children, ctx) : d.text(node.alt ?? "", false);
      const plain = node.type === "linkReference" ? plainText(node) : (node.alt ?? "");
      return def ? d.link(def.url, label, plain) : label;
    }
    case "footnoteReference":
      return d.text(`[^${node.label ?? node.identifier}]`, atLineStart);
    default:
      return "";
  }
}

function blocks(nodes: RootContent[], ctx: Context, tight: boolean, print = block): Line[] {
  const out: Line[] = [];
  for (const node of nodes) {
    const lines = print(node, ctx);
    if (lines.length === 0) continue;
    if (out.length > 0 && !tight) out.push({ text: "", verbatim: false });
    out.push(...lines);
  }
  return out;
}

function block(node: RootContent, ctx: Context): Line[] {
  const d = ctx.dialect;
  switch (node.type) {
    case "paragraph":
      return prose(inline(node.children, ctx));
    case "heading": {
      const native = d.heading(node.depth, inline(node.children, ctx));
      if (native !== undefined) return native === "" ? [] : prose(native);
      const inner = inline(node.children, { ...ctx, bold: true });
      return inner.trim() === "" ? [] : prose(d.strong(inner));
    }
    case "code":
      return d.codeBlock(node.lang ?? undefined, node.value).map((text) => ({ text, verbatim: true }));
    case "table":
      return d.codeBlock(undefined, alignedTable(node).join("\n")).map((text) => ({ text, verbatim: true }));
    case "thematicBreak":
      return prose(d.thematicBreak);
    case "html":
      return prose(d.text(node.value, true));
    case "blockquote":
      return blocks(node.children, ctx, false).map((l) => ({ ...l, text: l.text === "" ? d.quotePrefix.trimEnd() : d.quotePrefix + l.text }));
    case "list": {
      const out: Line[] = [];
      node.children.forEach((item, i) => {
        const marker = node.ordered ? `${(node.start ?? 1) + i}. ` : d.bullet(ctx.listDepth);
        const task = item.checked === null || item.checked === undefined ? "" : d.task(item.checked);
        const body = blocks(item.children, { ...ctx, listDepth: ctx.listDepth + 1 }, !item.spread);
        if (out.length > 0 && node.spread) out.push({ text: "", verbatim: false });
        const indent = " ".repeat(marker.length);
        if (body.length === 0 || body[0]!.verbatim) out.push({ text: (marker + task).trimEnd(), verbatim: false });
        body.forEach((l, j) => {
          if (j === 0 && !l.verbatim) out.push({ text: marker + task + l.text, verbatim: false });
          else out.push(l.verbatim || l.text === "" ? l : { text: indent + l.text, verbatim: false });
        });
      });
      return out;
    }
    case "footnoteDefinition": {
      const body = blocks(node.children, ctx, true);
      const label = d.text(`[^${node.label ?? node.identifier}]: `, true);
      return body.length > 0 && !body[0]!.verbatim ? [{ text: label + body[0]!.text, verbatim: false }, ...body.slice(1)] : [{ text: label, verbatim: false }, ...body];
    }
    default:
      // definitions (printed where they are used), yaml and the like show nothing.
      return [];
  }
}

function collectDefinitions(node: Nodes, into: Map<string, Definition>): Map<string, Definition> {
  if (node.type === "definition" && !into.has(node.identifier)) into.set(node.identifier, node);
  if ("children" in node) for (const child of node.children) collectDefinitions(child, into);
  return into;
}

/**
 * Top-level blocks already printed, per dialect. A streamed reply is printed again at every edit,
 * and its tree reuses the blocks that did not change (parse.ts): their lines are taken from here.
 * Only trees without definitions are remembered (a definition changes how references print).
 */
const printedBlocks = new WeakMap<Dialect, WeakMap<RootContent, Line[]>>();

function topLevelBlock(node: RootContent, ctx: Context): Line[] {
  if (ctx.definitions.size > 0) return block(node, ctx);
  let printed = printedBlocks.get(ctx.dialect);
  if (!printed) printedBlocks.set(ctx.dialect, (printed = new WeakMap()));
  // A block moved by a reuse prints like the block it was copied from (printing ignores positions).
  const original = originalOf(node) as RootContent;
  let lines = printed.get(original);
  if (!lines) printed.set(original, (lines = block(node, ctx)));
  return lines;
}

/** The whole tree printed in `dialect`. */
export function printMarkdown(root: Root, dialect: Dialect): string {
  const ctx: Context = { dialect, definitions: collectDefinitions(root, new Map()), bold: false, listDepth: 0 };
  return blocks(root.children, ctx, false, topLevelBlock)
    .map((l) => l.text)
    .join("\n");
}
