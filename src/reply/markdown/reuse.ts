// Building a text's tree from an earlier text's tree (see breaks.ts for why this is exact): a
// streamed reply grows at its end, so it shares its beginning with the text formatted at the
// previous edit; a split's head is the beginning of the text it was cut from; the rest of a split
// reply shares its end with it. Only the part that is not shared is parsed.
import type { Root, RootContent } from "mdast";
import { isBreak, lineStart, readWhole, type Break, type Parsed } from "./breaks.ts";
import { parseFresh } from "./fresh.ts";
import { shifted, shiftedPoint } from "./shift.ts";

export interface Reuse {
  /** Characters of the new text whose tree is taken over rather than parsed. */
  chars: number;
  /**
   * The new text's tree, or undefined when the part parsed shows the reuse does not hold (it has
   * definitions or indented code, or nothing before the shared end closes where it starts).
   */
  build(): Root | undefined;
}

/** Characters compared before a whole shared end is looked for. */
const SUFFIX_PROBE_CHARS = 32;

const ORIGIN = { line: 1, column: 1, offset: 0 };

const rootOf = (children: RootContent[], end: NonNullable<Root["position"]>["end"]): Root => ({
  type: "root",
  children,
  position: { start: { ...ORIGIN }, end },
});

/** Number of breaks (from the first) for which `holds` is true, when it holds for a prefix of them. */
function countWhile(breaks: Break[], holds: (b: Break) => boolean): number {
  let lo = 0;
  let hi = breaks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (holds(breaks[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `text` begins like `old.text` up to (at least) the first line of one of its breaks: the blocks
 * before that break are kept, the rest of `text` is parsed.
 */
export function fromPrefix(old: Parsed, text: string): Reuse | undefined {
  if (old.breaks.length === 0 || text.charCodeAt(0) !== old.text.charCodeAt(0)) return undefined;
  const n = countWhile(old.breaks, (b) => text.startsWith(old.text.slice(0, b.firstLineEnd)));
  if (n === 0) return undefined;
  const at = old.breaks[n - 1]!;
  return {
    chars: at.start,
    build() {
      const rest = parseFresh(text.slice(at.start));
      if (readWhole(text.slice(at.start), rest.children)) return undefined;
      const lines = old.root.children[at.child]!.position!.start.line - 1;
      const children = [...old.root.children.slice(0, at.child), ...rest.children.map((node) => shifted(node, at.start, lines))];
      return rootOf(children, shiftedPoint(rest.position!.end, at.start, lines));
    },
  };
}

/**
 * `text` ends like `old.text` from one of its breaks on: the blocks from that break are kept
 * (moved), what comes before in `text` is parsed, together with the break's first line to check
 * that nothing before it continues into it (an unclosed code block, a list the line is indented into).
 */
export function fromSuffix(old: Parsed, text: string): Reuse | undefined {
  // Most kept texts end differently: a look at the last characters rules them out cheaply.
  if (old.breaks.length === 0 || !text.endsWith(old.text.slice(-SUFFIX_PROBE_CHARS))) return undefined;
  const skip = countWhile(old.breaks, (b) => !text.endsWith(old.text.slice(b.start)));
  const from = old.breaks[skip];
  if (!from) return undefined;
  const at = text.length - (old.text.length - from.start); // where the shared end starts in `text`
  const kept = old.root.children.slice(from.child);
  const firstLine = old.root.children[from.child]!.position!.start.line;
  return {
    chars: old.text.length - from.start,
    build() {
      const offset = at - from.start;
      if (at === 0) return rootOf(kept.map((node) => shifted(node, offset, 1 - firstLine)), shiftedPoint(old.root.position!.end, offset, 1 - firstLine));
      const headText = text.slice(0, at + from.firstLineEnd - from.start);
      const head = parseFresh(headText);
      const last = head.children.length - 1;
      const joint = head.children[last]?.position;
      if (!joint || lineStart(headText, joint.start.offset!) !== at || !isBreak(headText, head, last)) return undefined;
      if (readWhole(headText, head.children)) return undefined;
      const lines = joint.start.line - firstLine;
      const children = [...head.children.slice(0, last), ...kept.map((node) => shifted(node, offset, lines))];
      return rootOf(children, shiftedPoint(old.root.position!.end, offset, lines));
    },
  };
}
