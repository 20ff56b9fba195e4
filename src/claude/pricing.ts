// Models Palaver knows, their list prices and context windows. Prices change: the operator can
// override or extend this table with PALAVER_PRICES_FILE (JSON, USD per million tokens) without
// editing code. Source of the figures: ../shared/docs/platform-facts.md (Claude API, "Known list
// prices"), verify before each release.
import fs from "node:fs";
import { z } from "zod";
import { PalaverError } from "../errors.ts";
import { MICROS_PER_USD } from "./money.ts";

/** Prices are quoted per million tokens. */
const TOKENS_PER_MTOK = 1_000_000;

/** Cache pricing multipliers of the base input price (platform-facts.md, prompt caching). */
const CACHE_WRITE_5M_MULTIPLIER = 1.25;
const CACHE_WRITE_1H_MULTIPLIER = 2;
const CACHE_READ_MULTIPLIER = 0.1;

/** Every current Claude model has a 200k-token context window by default. */
export const DEFAULT_CONTEXT_WINDOW_TOKENS = 200_000;

export interface ModelPrice {
  /** USD per million tokens. */
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  contextWindow: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  /** Web searches run (usage.server_tool_use.web_search_requests), billed apart from tokens. */
  webSearchRequests?: number;
}

/**
 * "$10 per 1,000 searches, plus standard token costs for search-generated content"; errored
 * searches are not billed (platform-facts-2.md §5.1, web search tool doc). Web fetch has no
 * charge beyond tokens (§5.2).
 */
export const WEB_SEARCH_MICROS = 10 * MICROS_PER_USD / 1_000;

function listPrice(input: number, output: number): ModelPrice {
  return {
    input,
    output,
    cacheWrite5m: input * CACHE_WRITE_5M_MULTIPLIER,
    cacheWrite1h: input * CACHE_WRITE_1H_MULTIPLIER,
    cacheRead: input * CACHE_READ_MULTIPLIER,
    contextWindow: DEFAULT_CONTEXT_WINDOW_TOKENS,
  };
}

export const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-sonnet-4-6": listPrice(3, 15),
  "claude-sonnet-4-5": listPrice(3, 15),
  "claude-haiku-4-5": listPrice(1, 5),
  "claude-opus-4-5": listPrice(5, 25),
  "claude-opus-4-6": listPrice(5, 25),
  "claude-opus-4-7": listPrice(5, 25),
  "claude-opus-4-8": listPrice(5, 25),
  "claude-opus-5": listPrice(5, 25),
  "claude-sonnet-5": listPrice(2, 10),
};

const overrideSchema = z.record(
  z.string().min(1),
  z.object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cacheWrite5m: z.number().nonnegative().optional(),
    cacheWrite1h: z.number().nonnegative().optional(),
    cacheRead: z.number().nonnegative().optional(),
    contextWindow: z.number().int().positive().optional(),
  }),
);

export class PriceTable {
  private readonly prices: Map<string, ModelPrice>;

  constructor(prices: Record<string, ModelPrice> = BUILT_IN_PRICES) {
    this.prices = new Map(Object.entries(prices));
  }

  /** The built-in table with the operator's file (if any) laid over it. */
  static load(file?: string): PriceTable {
    if (!file) return new PriceTable();
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
      throw new PalaverError(
        "config_invalid",
        `PALAVER_PRICES_FILE: cannot read ${file} as JSON (${(err as Error).message}); fix the file or unset the variable`,
        { cause: err },
      );
    }
    const parsed = overrideSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PalaverError(
        "config_invalid",
        `PALAVER_PRICES_FILE: ${issue.path.join(".")} ${issue.message}; each model needs {"input": USD/MTok, "output": USD/MTok}`,
      );
    }
    const merged: Record<string, ModelPrice> = { ...BUILT_IN_PRICES };
    for (const [model, p] of Object.entries(parsed.data)) {
      const base = listPrice(p.input, p.output);
      merged[model] = {
        ...base,
        cacheWrite5m: p.cacheWrite5m ?? base.cacheWrite5m,
        cacheWrite1h: p.cacheWrite1h ?? base.cacheWrite1h,
        cacheRead: p.cacheRead ?? base.cacheRead,
        contextWindow: p.contextWindow ?? base.contextWindow,
      };
    }
    return new PriceTable(merged);
  }

  /** Model ids the table knows, sorted. */
  models(): string[] {
    return [...this.prices.keys()].sort();
  }

  /** Price of a model; dated ids ("claude-sonnet-4-5-20250929") resolve to their family. */
  get(model: string): ModelPrice | undefined {
    return this.prices.get(model) ?? this.prices.get(model.replace(/-\d{8}$/, ""));
  }

  has(model: string): boolean {
    return this.get(model) !== undefined;
  }

  contextWindow(model: string): number {
    return this.get(model)?.contextWindow ?? DEFAULT_CONTEXT_WINDOW_TOKENS;
  }

  /**
   * The table's most expensive model (by output, then input price): what a request that cannot
   * be priced is charged at, so an unpriced model never spends outside the budgets.
   */
  mostExpensive(): { model: string; price: ModelPrice } {
    let best: { model: string; price: ModelPrice } | undefined;
    for (const [model, price] of this.prices) {
      if (!best || price.output > best.price.output || (price.output === best.price.output && price.input > best.price.input)) {
        best = { model, price };
      }
    }
    if (!best) throw new PalaverError("config_invalid", "the price table is empty; PALAVER_PRICES_FILE must price at least one model");
    return best;
  }

  /** The price a request for `model` is charged at: its own, or the most expensive model's. */
  chargedPrice(model: string): ModelPrice {
    return this.get(model) ?? this.mostExpensive().price;
  }

  /** Cost in integer micro-dollars, or undefined for a model without a price. */
  costMicros(model: string, usage: TokenUsage, cacheTtl: "5m" | "1h" = "5m"): number | undefined {
    const p = this.get(model);
    return p ? priceMicros(p, usage, cacheTtl) : undefined;
  }

  /** What a request is charged: its cost, or for a model without a price the most expensive model's (never $0). */
  chargeMicros(model: string, usage: TokenUsage, cacheTtl: "5m" | "1h" = "5m"): number {
    return priceMicros(this.chargedPrice(model), usage, cacheTtl);
  }
}

function priceMicros(p: ModelPrice, usage: TokenUsage, cacheTtl: "5m" | "1h"): number {
  const write = cacheTtl === "1h" ? p.cacheWrite1h : p.cacheWrite5m;
  const usdTimesMtok =
    usage.inputTokens * p.input +
    usage.outputTokens * p.output +
    usage.cacheWriteTokens * write +
    usage.cacheReadTokens * p.cacheRead;
  return Math.round((usdTimesMtok * MICROS_PER_USD) / TOKENS_PER_MTOK) + (usage.webSearchRequests ?? 0) * WEB_SEARCH_MICROS;
}
