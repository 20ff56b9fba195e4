// The mdast tree of Claude's Markdown (parser: fresh.ts). Parsing is the costly part of formatting
// (micromark with GFM takes microseconds a character), and the same text is read again and again:
// a streamed reply is formatted at every edit as it grows, and splitting a long reply parses its
// head and its rest. So the trees of recent texts are kept, and a new text takes over the blocks
// it shares with one of them (reuse.ts), parsing only the rest.
//
// Trees are shared between texts and callers: never change a tree you were given.
import type { Root } from "mdast";
import { describe, type Parsed } from "./breaks.ts";
import { parseFresh } from "./fresh.ts";
import { fromPrefix, fromSuffix, type Reuse } from "./reuse.ts";

/** Recent texts kept: a few per reply being streamed (its text, a split's heads), for many replies at once. */
const KEPT_TEXTS = 64;
/** Characters of text kept in all: a tree takes about 50 bytes a character, so some 10 MB at most. */
const KEPT_CHARS = 200_000;

/** Most recently used last. */
const recent: Parsed[] = [];
let keptChars = 0;

function remember(parsed: Parsed): void {
  if (parsed.text.length > KEPT_CHARS) return;
  recent.push(parsed);
  keptChars += parsed.text.length;
  while (recent.length > KEPT_TEXTS || keptChars > KEPT_CHARS) keptChars -= recent.shift()!.text.length;
}

interface Candidate {
  /** The most characters this way could reuse. */
  bound: number;
  reuse(): Reuse | undefined;
}

/**
 * The kept text sharing the most with `markdown`. Comparing texts costs time too, so the ways to
 * reuse are tried from the largest possible gain down, and the search stops when none left could
 * beat what was found (the previous edit of a streamed reply usually wins at once).
 */
function bestReuse(markdown: string): Reuse | undefined {
  const candidates: Candidate[] = [];
  for (const old of recent) {
    if (old.whole || old.breaks.length === 0) continue;
    candidates.push({ bound: Math.min(old.breaks.at(-1)!.start, markdown.length), reuse: () => fromPrefix(old, markdown) });
    candidates.push({ bound: Math.min(old.text.length - old.breaks[0]!.start, markdown.length), reuse: () => fromSuffix(old, markdown) });
  }
  candidates.sort((a, b) => b.bound - a.bound);
  let best: Reuse | undefined;
  for (const candidate of candidates) {
    if (best && best.chars >= candidate.bound) break;
    const reuse = candidate.reuse();
    if (reuse && (!best || reuse.chars > best.chars)) best = reuse;
  }
  return best;
}

/** The mdast tree of `markdown`, with source positions (offsets into `markdown`). Do not change it. */
export function parseMarkdown(markdown: string): Root {
  const index = recent.findIndex((p) => p.text === markdown);
  if (index >= 0) {
    const [hit] = recent.splice(index, 1);
    recent.push(hit!);
    return hit!.root;
  }
  const root = bestReuse(markdown)?.build() ?? parseFresh(markdown);
  remember(describe(markdown, root));
  return root;
}

/** Forget every kept tree (benchmarks measuring a first parse; tests comparing with one). */
export function forgetParses(): void {
  recent.length = 0;
  keptChars = 0;
}
