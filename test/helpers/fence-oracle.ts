// An independent reading of "which fenced code block is open at the end of a text", for tests:
// micromark's tokens, where a closed block has two fences (opening and closing) and an open one
// only its opening fence. src/reply/markdown/fences.ts answers the same from the mdast tree (one
// parse shared with printing); the property tests check that both agree.
import { parse, postprocess, preprocess } from "micromark";
import { gfm } from "micromark-extension-gfm";

export interface OpenFence {
  /** The fence sequence that opened the block, e.g. "```" or "~~~~". */
  marker: string;
  /** The opening fence without its container prefix, e.g. "```ts", to reopen the block elsewhere. */
  opening: string;
  /** A line that closes the block where it stands (inside its list item or block quote). */
  closing: string;
}

interface Fenced {
  fences: number;
  marker: string;
  openingStart: number;
  sequenceStart: number;
  end: number;
}

function events(markdown: string) {
  const chunks = preprocess()(markdown, undefined, true);
  return postprocess(parse({ extensions: [gfm()] }).document().write(chunks));
}

/** The fenced code block open at the end of `markdown`, if any. */
export function openFenceAtEnd(markdown: string): OpenFence | undefined {
  let last: Fenced | undefined;
  let current: Fenced | undefined;
  for (const [kind, token] of events(markdown)) {
    if (token.type === "codeFenced") {
      if (kind === "enter") current = { fences: 0, marker: "", openingStart: token.start.offset, sequenceStart: -1, end: -1 };
      else if (current) {
        current.end = token.end.offset;
        last = current;
        current = undefined;
      }
    } else if (current && kind === "enter" && token.type === "codeFencedFence") {
      current.fences++;
    } else if (current && kind === "enter" && token.type === "codeFencedFenceSequence" && current.fences === 1) {
      current.marker = markdown.slice(token.start.offset, token.end.offset);
      current.sequenceStart = token.start.offset;
    }
  }
  // Trailing blank lines may fall outside the block and still leave it open.
  if (!last || last.fences !== 1 || last.end < markdown.trimEnd().length) return undefined;
  const lineStart = markdown.lastIndexOf("\n", last.sequenceStart - 1) + 1;
  const lineEnd = markdown.indexOf("\n", last.sequenceStart);
  const opening = markdown.slice(last.sequenceStart, lineEnd < 0 ? markdown.length : lineEnd).trimEnd();
  return { marker: last.marker, opening, closing: containerIndent(markdown.slice(lineStart, last.sequenceStart)) + last.marker };
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

