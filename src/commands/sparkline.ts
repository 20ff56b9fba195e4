// A one-line chart of daily values: ▁▂▃▄▅▆▇█, "·" for a day with nothing.

const LEVELS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const ZERO = "·";

/**
 * At most this many characters: a month of days fits one per character, and the line stays
 * readable inside a Discord message (2,000 chars, platform-facts.md) on a phone.
 */
export const MAX_SPARKLINE_WIDTH = 31;

/** One character per value, or per bucket of consecutive values (summed) when there are more. */
export function sparkline(values: number[], maxWidth: number = MAX_SPARKLINE_WIDTH): string {
  const bucket = Math.max(1, Math.ceil(values.length / maxWidth));
  const sums: number[] = [];
  for (let i = 0; i < values.length; i += bucket) {
    sums.push(values.slice(i, i + bucket).reduce((a, b) => a + b, 0));
  }
  const max = Math.max(0, ...sums);
  return sums
    .map((v) => (v <= 0 ? ZERO : LEVELS[Math.max(0, Math.ceil((v / max) * LEVELS.length) - 1)]!))
    .join("");
}

/** How many days each character of a sparkline over `count` days stands for. */
export function daysPerCharacter(count: number, maxWidth: number = MAX_SPARKLINE_WIDTH): number {
  return Math.max(1, Math.ceil(count / maxWidth));
}
