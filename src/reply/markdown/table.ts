// Tables as aligned plain text, for platforms without tables (Discord, Slack mrkdwn): columns are
// padded by display width (string-width), so CJK characters and emoji, which take two columns in
// a monospace font, keep the columns straight.
import type { AlignType, Table } from "mdast";
import stringWidth from "string-width";
import { plainText } from "./plain.ts";

const COLUMN_GAP = " | ";
const RULE_GAP = "-+-";

function pad(cell: string, width: number, align: AlignType | undefined): string {
  const room = Math.max(0, width - stringWidth(cell));
  if (align === "right") return " ".repeat(room) + cell;
  if (align === "center") return " ".repeat(Math.floor(room / 2)) + cell + " ".repeat(Math.ceil(room / 2));
  return cell + " ".repeat(room);
}

/** The table's lines: header, a rule, then the body rows. */
export function alignedTable(table: Table): string[] {
  const rows = table.children.map((row) => row.children.map((cell) => plainText(cell).replace(/\n/g, " ")));
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(1, ...rows.map((r) => stringWidth(r[c] ?? ""))));
  const line = (r: string[]) =>
    widths
      .map((w, c) => pad(r[c] ?? "", w, table.align?.[c]))
      .join(COLUMN_GAP)
      .trimEnd();
  const lines = rows.map(line);
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join(RULE_GAP));
  return lines;
}
