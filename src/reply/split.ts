// Splitting a long Markdown reply across several platform messages: at a paragraph break when
// there is one, else a line break, else a space; never leaving a code fence open across messages
// (it is closed at the end of one message and reopened, with its language, in the next).

/** A fence line: up to 3 spaces, then ``` or ~~~ (3 or more), then an optional info string. */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

export interface FenceState {
  /** The fence characters that opened the block, e.g. "```". */
  marker: string;
  /** The whole opening line, e.g. "```ts", to reopen the block in the next message. */
  opening: string;
}

/** The fence still open at the end of `text`, if any. */
export function openFenceAt(text: string, initial?: FenceState): FenceState | undefined {
  let open = initial;
  for (const line of text.split("\n")) {
    const m = FENCE.exec(line);
    if (!m) continue;
    const marker = m[1]!;
    if (!open) open = { marker, opening: line.trimStart() };
    else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && m[2]!.trim() === "") open = undefined;
  }
  return open;
}

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

/**
 * Split `body` so the head fits in `limit` characters (as measured by `measure`, e.g. the length
 * after platform formatting). Returns undefined when the whole body fits.
 */
export function splitOnce(
  body: string,
  limit: number,
  measure: (text: string) => number = (t) => t.length,
): Split | undefined {
  if (measure(body) <= limit) return undefined;
  let max = Math.min(body.length, limit);
  for (let tries = 0; tries < 20 && max > 0; tries++) {
    let cut = boundary(body, max);
    // Never split a surrogate pair.
    if (cut > 0 && cut < body.length && /[\uD800-\uDBFF]/.test(body[cut - 1]!)) cut -= 1;
    const fence = openFenceAt(body.slice(0, cut));
    const headRaw = body.slice(0, cut);
    const head = fence ? `${headRaw}${headRaw.endsWith("\n") ? "" : "\n"}${fence.marker}` : headRaw;
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
