// Claude's Markdown → Slack mrkdwn, for replies sent as classic message `text` (chat.postMessage /
// chat.update). Native streams take Markdown as it is (`markdown_text`), see surface.ts.
//
// Why mrkdwn text rather than Block Kit `markdown` blocks: classic `text` works in every workspace
// and client (GovSlack has no streaming and older clients no markdown blocks), it has one simple
// length limit (40,000, we split at 4,000) where markdown blocks share an undocumented ~13,200
// character payload ceiling (msg_blocks_too_long, bolt-js#2509), and escaping &, < and > here means
// nothing Claude writes can become a Slack control sequence (<!channel>, <@U…>, fake links).
//
// Code is never reformatted: fenced blocks become ``` blocks with their text untouched (only the
// three characters Slack requires escaped, which Slack shows unescaped) and inline `code` stays
// literal. Tables have no mrkdwn form, so they are shown as code blocks to keep their columns.
// Text that is still streaming may hold unfinished markup ("**bol"); it is left as typed until the
// closing marker arrives.

const FENCE = /^\s{0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const TASK = /^\[([ xX])\]\s+(.*)$/;
const ORDERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** The three characters Slack requires escaped in message text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function markdownToMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !isClosingFence(lines[i]!, marker)) body.push(lines[i++]!);
      i++; // the closing fence (or past the end while it is still streaming)
      out.push(codeBlock(body));
      continue;
    }
    if (TABLE_ROW.test(line) && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]!)) {
      const rows: string[] = [];
      while (i < lines.length && TABLE_ROW.test(lines[i]!)) rows.push(lines[i++]!.trim());
      out.push(codeBlock(rows));
      continue;
    }
    out.push(blockLine(line));
    i++;
  }
  return out.join("\n");
}

function isClosingFence(line: string, opener: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= opener.length && trimmed === opener[0]!.repeat(trimmed.length);
}

function codeBlock(lines: string[]): string {
  return "```\n" + escapeSlack(lines.join("\n")) + "\n```";
}

function blockLine(line: string): string {
  if (RULE.test(line)) return "──────────";
  const heading = HEADING.exec(line);
  if (heading) return bold(heading[1]!);
  const quote = QUOTE.exec(line);
  // A literal ">" starts a quote in mrkdwn; an escaped one would not.
  if (quote) return "> " + inline(quote[1]!);
  const bullet = BULLET.exec(line);
  if (bullet) {
    const indent = bullet[1]!;
    const task = TASK.exec(bullet[2]!);
    const rest = task ? `${task[1] === " " ? "☐" : "☑"} ${inline(task[2]!)}` : inline(bullet[2]!);
    return `${indent}${indent.length >= 2 ? "◦" : "•"} ${rest}`;
  }
  const ordered = ORDERED.exec(line);
  if (ordered) return `${ordered[1]}${ordered[2]}. ${inline(ordered[3]!)}`;
  return inline(line);
}

/** A heading or a bold span: one pair of *, whatever emphasis the Markdown already had. */
function bold(text: string): string {
  const inner = text.replace(/^(\*\*|__)(.*)\1$/, "$2").trim();
  return inner === "" ? "" : `*${inline(inner)}*`;
}

const WORD = /[\p{L}\p{N}]/u;

/** Inline Markdown (code spans, links, emphasis) → mrkdwn, escaping everything else. */
export function inline(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const ch = text[i]!;
    if (ch === "`") {
      const ticks = /^`+/.exec(rest)![0];
      const close = text.indexOf(ticks, i + ticks.length);
      if (close > i) {
        const code = text.slice(i + ticks.length, close);
        out += "`" + escapeSlack(code) + "`";
        i = close + ticks.length;
        continue;
      }
      out += ticks;
      i += ticks.length;
      continue;
    }
    const link = /^!?\[([^\]\n]*)\]\(\s*<?([^\s()<>]+)>?(?:\s+"[^"]*")?\s*\)/.exec(rest);
    if (link) {
      const url = link[2]!;
      const label = stripMarkers(link[1]!);
      out += label === "" || label === url ? `<${escapeUrl(url)}>` : `<${escapeUrl(url)}|${escapeSlack(label)}>`;
      i += link[0].length;
      continue;
    }
    const autolink = /^<((?:https?|mailto):[^\s<>]+)>/.exec(rest);
    if (autolink) {
      out += `<${escapeUrl(autolink[1]!)}>`;
      i += autolink[0].length;
      continue;
    }
    const span = emphasis(text, i);
    if (span) {
      out += span.open + inline(span.inner) + span.open;
      i = span.end;
      continue;
    }
    if (ch === "\\" && i + 1 < text.length && /[\\`*_{}[\]()#+\-.!~|>]/.test(text[i + 1]!)) {
      out += escapeSlack(text[i + 1]!);
      i += 2;
      continue;
    }
    out += escapeSlack(ch);
    i++;
  }
  return out;
}

interface Span {
  /** The mrkdwn marker: "*" bold, "_" italic, "~" strikethrough. */
  open: string;
  inner: string;
  end: number;
}

const MARKERS: Array<{ md: string; slack: string; intraword: boolean }> = [
  { md: "**", slack: "*", intraword: true },
  { md: "__", slack: "*", intraword: false },
  { md: "~~", slack: "~", intraword: true },
  { md: "*", slack: "_", intraword: true },
  { md: "_", slack: "_", intraword: false },
];

function emphasis(text: string, at: number): Span | undefined {
  for (const { md, slack, intraword } of MARKERS) {
    if (!text.startsWith(md, at)) continue;
    const before = at > 0 ? text[at - 1]! : " ";
    const first = text[at + md.length];
    // "**x" is not italic around "*x"; "***x***" is bold around italic, so only a lone marker
    // may not be followed by its own character.
    if (first === undefined || /\s/.test(first) || (md.length === 1 && first === md)) continue;
    if (!intraword && WORD.test(before)) continue;
    let search = at + md.length + 1;
    while (search <= text.length) {
      const close = text.indexOf(md, search);
      if (close < 0) break;
      const last = text[close - 1]!;
      const after = text[close + md.length];
      const nextIsMarker = after === md[0];
      if (!/\s/.test(last) && !nextIsMarker && (intraword || after === undefined || !WORD.test(after))) {
        const inner = text.slice(at + md.length, close);
        if (!inner.includes("\n")) return { open: slack, inner, end: close + md.length };
        return undefined;
      }
      search = close + 1;
    }
  }
  return undefined;
}

function stripMarkers(label: string): string {
  return label.replace(/(\*\*|__|~~|`)/g, "").trim();
}

function escapeUrl(url: string): string {
  // "|" and ">" end a Slack link; & must be escaped like anywhere else in text.
  return url.replace(/&/g, "&amp;").replace(/</g, "%3C").replace(/>/g, "%3E").replace(/\|/g, "%7C");
}
