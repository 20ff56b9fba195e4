// Where a parsed Markdown text falls apart into pieces that parse the same on their own, so a
// later text sharing a piece with it can reuse that piece's tree instead of parsing it again.
//
// CommonMark reads blocks line by line: whether a line continues the open blocks or starts a new
// one depends only on that line and the blocks open before it (inline parsing then works inside
// each closed block). A top-level block that starts on its own line after a blank line has
// nothing open before it but what that very line closes (a list or indented code continues past
// a blank line only if this line is indented into it). So:
// - every top-level block before such a "break" is final once the break's first line is there,
//   whatever follows it;
// - the text from the break on parses on its own into the same blocks (shifted).
// The blank line matters: without it a paragraph can be taken over by the next lines (a setext
// underline, a table's delimiter row after a header row), so the line alone would not settle it.
// Two things reach across the whole text, and texts holding them are never reused:
// - a link or footnote reference is a reference only if a definition for it exists anywhere;
// - indented code: micromark reads the lines after it (past blank lines) before it knows the block
//   has ended, and meanwhile counts it as open, so how the next lines read depends on where the
//   text around it ends ("10. x" after it is a list or not). Claude fences its code; indented code
//   is rare.
import type { Nodes, Root } from "mdast";

export interface Break {
  /** Index in root.children of the top-level block starting at this break. */
  child: number;
  /** Where that block's first line starts. */
  start: number;
  /** Just past that first line's line ending. */
  firstLineEnd: number;
}

/** A text with its tree, and what of it later texts may reuse. */
export interface Parsed {
  text: string;
  root: Root;
  /** In order of position. */
  breaks: Break[];
  /** Whether the text holds what makes it parse only whole (see above): then nothing of it is reused. */
  whole: boolean;
}

const isLineEnding = (ch: string | undefined) => ch === "\n" || ch === "\r";

/** Where the line holding `offset` starts (CommonMark line endings: \n, \r\n, \r). */
export function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && !isLineEnding(text[i - 1])) i--;
  return i;
}

/** Just past the first line ending at or after `offset`, or -1 when the text ends first. */
export function lineEnd(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && !isLineEnding(text[i])) i++;
  if (i === text.length) return -1;
  return text[i] === "\r" && text[i + 1] === "\n" ? i + 2 : i + 1;
}

/**
 * Line endings in text[from, to) (\r\n counting once), or -1 when something other than spaces,
 * tabs and line endings is there.
 */
function blankLineEndings(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const ch = text[i];
    if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) n++;
    else if (ch !== " " && ch !== "\t" && ch !== "\r") return -1;
  }
  return n;
}

/**
 * True when the top-level block `child` of `root` starts on its own line after a blank line (all
 * between the previous block's end and this block is blank lines and indentation): the text from
 * there on parses on its own into the same blocks.
 */
export function isBreak(text: string, root: Root, child: number): boolean {
  const node = root.children[child]?.position;
  const previous = child > 0 ? root.children[child - 1]!.position : { end: { offset: 0 } };
  if (!node || !previous) return false;
  const endings = blankLineEndings(text, previous.end.offset!, node.start.offset!);
  return child === 0 ? endings >= 0 : endings >= 2;
}

/** The breaks of a parsed text whose first line is complete (a later text can only match those). */
function breaksOf(text: string, root: Root): Break[] {
  const out: Break[] = [];
  for (let child = 1; child < root.children.length; child++) {
    if (!isBreak(text, root, child)) continue;
    const offset = root.children[child]!.position!.start.offset!;
    const firstLineEnd = lineEnd(text, offset);
    if (firstLineEnd >= 0) out.push({ child, start: lineStart(text, offset), firstLineEnd });
  }
  return out;
}

/**
 * True when the blocks hold a link reference or footnote definition, or indented code (a code
 * block whose source does not start with a fence): then the text is only ever parsed whole.
 */
export function readWhole(text: string, nodes: readonly Nodes[]): boolean {
  for (const node of nodes) {
    if (node.type === "definition" || node.type === "footnoteDefinition") return true;
    if (node.type === "code" && text[node.position!.start.offset!] !== "`" && text[node.position!.start.offset!] !== "~") return true;
    if ((node.type === "blockquote" || node.type === "list" || node.type === "listItem") && readWhole(text, node.children)) return true;
  }
  return false;
}

export function describe(text: string, root: Root): Parsed {
  const whole = readWhole(text, root.children);
  return { text, root, breaks: whole ? [] : breaksOf(text, root), whole };
}
