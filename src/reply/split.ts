// Splitting a long Markdown reply across several platform messages: at a paragraph break when
// there is one, else a line break, else a space; never inside a link or an inline code span, and
// never leaving a code fence open across messages (it is closed at the end of one message and
// reopened, with its language, in the next). Fences and links are read from the syntax tree
// (./markdown/), so a fence indented inside a list item counts as one.
import { openFenceAtEnd } from "./markdown/fences.ts";
import { atomicRanges, type Range } from "./markdown/ranges.ts";

/**
 * How far past the message limit the text is parsed to find links crossing a cut: a link longer
 * than the limit itself cannot be kept whole anyway.
 */
const LOOKAHEAD_FACTOR = 2;
/** A body this many times the limit cannot fit one message whatever formatting does. */
const FITS_NEVER_FACTOR = 4;

export interface Split {
  /** Text of the sealed message: body[0, cut) plus a closing fence when one is open there. */
  head: string;
  /** Characters of `body` the head consumed. */
  cut: number;
  /** What the next message starts with before body[cut…]: the reopened fence, or "". */
  carry: string;
}

/** Longest cut ≤ max at the best boundary available. */
function boundary(body: string, max: number): number {
  const window = body.slice(0, max);
  const minUseful = Math.floor(max / 3); // a boundary too early wastes most of a message
  const para = window.lastIndexOf("\n\n");
  if (para >= minUseful) return para + 2;
  const line = window.lastIndexOf("\n");
  if (line >= minUseful) return line + 1;
  const space = window.lastIndexOf(" ");
  if (space >= minUseful) return space + 1;
  return max;
}

/** A cut that falls inside a link or code span moves back to just before it. */
function outsideAtomic(cut: number, ranges: Range[]): number {
  for (const r of ranges) {
    if (r.start < cut && cut < r.end) return r.start > 0 ? r.start : cut;
  }
  return cut;
}

/**
 * Split `body` so the head fits in `limit` characters (as measured by `measure`, e.g. the length
 * after platform formatting). Returns undefined when the whole body fits.
 */
export function splitOnce(
  body: string,
  limit: number,
  measure: (text: string) => number = (t) => t.length,
): Split | undefined {
  // Formatting changes a text's length by a little (escapes, a closed fence), never fourfold: a
  // body that long is not worth formatting whole (on Markdown parsers that is the costly part).
  if (body.length <= limit * FITS_NEVER_FACTOR && measure(body) <= limit) return undefined;
  let max = Math.min(body.length, limit);
  const ranges = atomicRanges(body.slice(0, limit * LOOKAHEAD_FACTOR));
  for (let tries = 0; tries < 20 && max > 0; tries++) {
    let cut = outsideAtomic(boundary(body, max), ranges);
    // Never split a surrogate pair.
    if (cut > 0 && cut < body.length && /[\uD800-\uDBFF]/.test(body[cut - 1]!)) cut -= 1;
    const headRaw = body.slice(0, cut);
    const fence = openFenceAtEnd(headRaw);
    const head = fence ? `${headRaw}${headRaw.endsWith("\n") ? "" : "\n"}${fence.closing}` : headRaw;
    const size = measure(head);
    if (size <= limit && cut > 0) return { head, cut, carry: fence ? `${fence.opening}\n` : "" };
    // Too long once formatted (or once the fence is closed): try a shorter window.
    max = Math.max(1, Math.min(cut - 1, max - Math.max(1, size - limit)));
  }
  return { head: body.slice(0, 1), cut: 1, carry: "" };
}

/** Split a whole text into chunks that each fit (used for finished texts and tests). */
export function splitAll(text: string, limit: number, measure?: (text: string) => number): string[] {
  const chunks: string[] = [];
  let body = text;
  for (;;) {
    const s = splitOnce(body, limit, measure);
    if (!s) {
      chunks.push(body);
      return chunks;
    }
    chunks.push(s.head);
    body = s.carry + body.slice(s.cut);
  }
}
