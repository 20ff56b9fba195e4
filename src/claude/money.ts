// Money in Palaver is integer micro-dollars (1 USD = 1,000,000 µ$), as the usage and budgets
// tables store it: sums of many small request costs stay exact, which floats would not.
// (src/claude/pricing.ts turns tokens into micro-dollars; this file parses and prints amounts.)

/** Micro-dollars in one dollar: the unit every stored amount is counted in. */
export const MICROS_PER_USD = 1_000_000;

/** The largest budget an admin may set (issue 5: "Amounts are dollars, 0 to 1,000,000"). */
export const MAX_BUDGET_USD = 1_000_000;
/** Budgets are exact to the micro-dollar, so an amount may have at most 6 decimals. */
export const MAX_USD_DECIMALS = 6;

export type UsdParse = { ok: true; micros: number } | { ok: false; error: string };

/**
 * "5", "2.50", "$0.000001", ".5" → micro-dollars, by string arithmetic (no float rounding).
 * Rejects negatives, non-numbers, more than 6 decimals and amounts over 1,000,000.
 */
export function parseUsd(text: string): UsdParse {
  const raw = text.trim().replace(/^\$/, "");
  if (/^-/.test(raw)) return { ok: false, error: `"${text}" is negative: a budget is 0 or more dollars` };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(raw);
  if (!m || raw === "" || raw === "." || (m[1] === "" && (m[2] ?? "") === "")) {
    return { ok: false, error: `"${text}" is not an amount of dollars, e.g. 25 or 2.50` };
  }
  const whole = m[1] === "" ? "0" : m[1]!;
  const fraction = m[2] ?? "";
  if (fraction.length > MAX_USD_DECIMALS) {
    return { ok: false, error: `"${text}" has more than ${MAX_USD_DECIMALS} decimals` };
  }
  const wholeNumber = Number(whole);
  const micros = wholeNumber * MICROS_PER_USD + Number(fraction.padEnd(MAX_USD_DECIMALS, "0"));
  if (!Number.isSafeInteger(micros) || micros > MAX_BUDGET_USD * MICROS_PER_USD) {
    return { ok: false, error: `"${text}" is over the maximum of $${MAX_BUDGET_USD.toLocaleString("en-US")}` };
  }
  return { ok: true, micros };
}

/** Dollars from a whole environment value (config.ts has validated the range already). */
export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/**
 * How an amount reads:
 * - "prose": "$12.34"; under a dollar up to 4 decimals, so a few requests' spend does not read
 *   "$0.00" ("$0.0123", "$0.60");
 * - "table": the same with a fixed 4 decimals under a dollar, so a column lines up;
 * - "exact": every significant decimal, at least 2 (limits an admin typed: "$2.50", "$0.000001").
 */
export type UsdStyle = "prose" | "table" | "exact";

export function formatUsd(micros: number, style: UsdStyle = "prose"): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  const decimals = style === "exact" ? MAX_USD_DECIMALS : abs >= MICROS_PER_USD || abs === 0 ? 2 : 4;
  const scale = 10 ** (MAX_USD_DECIMALS - decimals);
  let whole = Math.floor(abs / MICROS_PER_USD);
  let fraction = Math.round((abs % MICROS_PER_USD) / scale);
  if (fraction >= 10 ** decimals) {
    fraction -= 10 ** decimals;
    whole += 1;
  }
  let digits = String(fraction).padStart(decimals, "0");
  if (style !== "table" && decimals > 2) digits = digits.replace(/0+$/, "").padEnd(2, "0");
  return `${sign}$${whole.toLocaleString("en-US")}.${digits}`;
}
