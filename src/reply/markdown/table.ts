// Tables as aligned plain text, for platforms without tables (Discord, Slack mrkdwn): columns are
// padded by display width (string-width), so CJK characters and emoji, which take two columns in
// a monospace font, keep the columns straight.
import type { AlignType, Table } from "mdast";
import stringWidth from "string-width";
import { plainText } from "./plain.ts";

const COLUMN_GAP = " | ";
const RULE_GAP = "-+-";

/**
 * Columns `text` takes in a monospace font. Printable ASCII (most cells) takes one a character;
 * only other text needs string-width's walk over grapheme clusters, which costs far more.
 */
function displayWidth(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return stringWidth(text);
  }
  return text.length;
}

function pad(cell: string, cellWidth: number, width: number, align: AlignType | undefined): string {
  const room = Math.max(0, width - cellWidth);
  if (align === "right") return " ".repeat(room) + cell;
  if (align === "center") return " ".repeat(Math.floor(room / 2)) + cell + " ".repeat(Math.ceil(room / 2));
  return cell + " ".repeat(room);
}

/** The table's lines: header, a rule, then the body rows. */
export function alignedTable(table: Table): string[] {
  const rows = table.children.map((row) => row.children.map((cell) => plainText(cell).replace(/\n/g, " ")));
  const cellWidths = rows.map((r) => r.map(displayWidth));
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(1, ...cellWidths.map((r) => r[c] ?? 0)));
  const line = (r: string[], k: number) =>
    widths
      .map((w, c) => pad(r[c] ?? "", cellWidths[k]![c] ?? 0, w, table.align?.[c]))
      .join(COLUMN_GAP)
      .trimEnd();
  const lines = rows.map(line);
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join(RULE_GAP));
  return lines;
}
