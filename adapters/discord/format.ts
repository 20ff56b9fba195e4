// Claude's Markdown → Discord's Markdown. Discord renders most of it as is (bold, italics, strike,
// inline code, fenced code with languages, lists, block quotes, masked links, headings # to ###,
// -# subtext). What it does not render is rewritten; code blocks are never touched:
//   - tables       → the same table, columns aligned, inside a code block (Discord has no tables)
//   - #### and deeper headings → a bold line
//   - horizontal rules (---, ***, ___) → a line of box-drawing characters
//   - images ![alt](url) → a link [alt](url) (Discord does not inline Markdown images)

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const DEEP_HEADING = /^ {0,3}#{4,6}\s+(.+?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const IMAGE = /!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const RULE_TEXT = "──────────";

function cells(row: string): string[] {
  const trimmed = row.trim().replace(/^\|/, "").replace(/\|$/, "");
  return trimmed.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

function renderTable(lines: string[]): string[] {
  const rows = lines.filter((_, i) => i !== 1).map(cells);
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ").trimEnd();
  const body = rows.map((r) => line(Array.from({ length: columns }, (_, c) => r[c] ?? "")));
  body.splice(1, 0, widths.map((w) => "-".repeat(Math.max(1, w))).join("-+-"));
  return ["```", ...body, "```"];
}

function outsideCode(line: string): string {
  const heading = DEEP_HEADING.exec(line);
  if (heading) return `**${heading[1]}**`;
  if (RULE.test(line)) return RULE_TEXT;
  return line.replace(IMAGE, (_, alt: string, url: string) => `[${alt || "image"}](${url})`);
}

export function formatForDiscord(markdown: string): string {
  const lines = markdown.split("\n");
  const out: string[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = FENCE.exec(line);
    if (fence) {
      out.push(line);
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && line.trim() === f[1]) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1]!;
      out.push(line);
      continue;
    }
    if (TABLE_ROW.test(line) && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]!)) {
      let end = i + 2;
      while (end < lines.length && TABLE_ROW.test(lines[end]!)) end++;
      out.push(...renderTable(lines.slice(i, end)));
      i = end - 1;
      continue;
    }
    out.push(outsideCode(line));
  }
  return out.join("\n");
}
