// Bench: what prompt caching saves on a long thread. 20 turns in one conversation with a
// ~2,000-token system prompt (8,000 chars), against the fake Claude's cache simulation (it reads
// the cache_control breakpoints Palaver sends; minimum cacheable prefix 1,024 tokens, as the API's).
// Billed input with caching (each usage row priced: input × base + cache write × 1.25 × base +
// cache read × 0.1 × base, from PriceTable) as a fraction of the same requests without caching
// (every prompt token at the base input price). Lower is better. The per-turn table shows that
// turn N+1 reads what turn N wrote. A second run has a second person join the thread at turn 11.
import { startFakeClaude } from "../../test/fakes/claude.ts";
import type { App } from "../../src/runtime/app.ts";
import { check, heading, info, line, table } from "../lib.ts";
import { humanMessage, startApp } from "./setup.ts";
import { TimedSurface } from "./timed-surface.ts";
import { selectAll } from "../../test/helpers/db.ts";

const TURNS = 20;
const SYSTEM_PROMPT_CHARS = 8_000;
const QUESTION = "Could you go over the trade-offs of the approach we discussed, with an example or two? ";
const ANSWER = "Here is how I would think about it, step by step, with the main trade-offs spelled out. ".repeat(7).trim();

interface Row {
  input_tokens: number;
  cache_write_tokens: number;
  cache_read_tokens: number;
}

function systemPrompt(): string {
  const rule = "You are Palaver, a helpful assistant for an engineering team. Answer precisely, cite the docs when you can, and keep code blocks intact. ";
  return rule.repeat(Math.ceil(SYSTEM_PROMPT_CHARS / rule.length)).slice(0, SYSTEM_PROMPT_CHARS);
}

async function thread(app: App, name: string, secondHumanFrom?: number): Promise<Row[]> {
  for (let turn = 1; turn <= TURNS; turn++) {
    const author = secondHumanFrom !== undefined && turn >= secondHumanFrom && turn % 2 === 1 ? { id: "console:grace", displayName: "Grace" } : { id: "console:ada", displayName: "Ada" };
    const outcome = await app.bot.handle(humanMessage(name, `${QUESTION.repeat(3)}(turn ${turn})`, author), new TimedSurface(`console:bench-cache-${name}-${turn}`));
    if (outcome !== "replied") throw new Error(`turn ${turn} of ${name}: ${outcome}`);
  }
  return (await selectAll(app.db, "SELECT input_tokens, cache_write_tokens, cache_read_tokens FROM usage WHERE conversation_id = ? ORDER BY id", `console:bench:${name}`)) as Row[];
}

function cost(app: App, rows: Row[]): { withCache: number; without: number } {
  const price = app.prices.get(app.config.model);
  if (!price) throw new Error(`no price for ${app.config.model}`);
  let withCache = 0;
  let without = 0;
  for (const r of rows) {
    withCache += r.input_tokens * price.input + r.cache_write_tokens * price.cacheWrite5m + r.cache_read_tokens * price.cacheRead;
    without += (r.input_tokens + r.cache_write_tokens + r.cache_read_tokens) * price.input;
  }
  return { withCache, without };
}

function report(app: App, rows: Row[]): number {
  const prompt = (r: Row) => r.input_tokens + r.cache_write_tokens + r.cache_read_tokens;
  table([
    ["turn", "prompt", "input", "cache write", "cache read", "read = turn N−1's prompt"],
    ...rows.map((r, i) => {
      const prev = rows[i - 1];
      return [i + 1, prompt(r), r.input_tokens, r.cache_write_tokens, r.cache_read_tokens, prev ? (r.cache_read_tokens === prompt(prev) ? "yes" : `no (${prompt(prev)})`) : "-"];
    }),
  ]);
  const { withCache, without } = cost(app, rows);
  const usd = (x: number) => `$${(x / 1e6).toFixed(4)}`;
  line();
  info("billed input without caching", usd(without));
  info("billed input with caching", usd(withCache));
  info("with / without (lower is better)", (withCache / without).toFixed(3));
  return withCache / without;
}

export async function benchCaching(): Promise<void> {
  heading(`4. Prompt caching: a ${TURNS}-turn thread, ${SYSTEM_PROMPT_CHARS.toLocaleString("en")}-char (~${SYSTEM_PROMPT_CHARS / 4}-token) system prompt`);
  const claude = await startFakeClaude();
  claude.setResponder(() => ({ text: ANSWER }));
  const bench = await startApp(claude.url, { PALAVER_SYSTEM_PROMPT: systemPrompt() });
  try {
    info("model (prices from PriceTable)", bench.app.config.model);
    line();
    line("  4a. one person asking");
    const rows = await thread(bench.app, "cache-one");
    const fraction = report(bench.app, rows);
    const chained = rows.slice(1).every((r, i) => r.cache_read_tokens === rows[i]!.input_tokens + rows[i]!.cache_write_tokens + rows[i]!.cache_read_tokens);
    check("every turn N+1 reads all of turn N's prompt", chained);
    check("caching cuts billed input (fraction < 1)", fraction < 1, `fraction ${fraction.toFixed(3)}`);

    line();
    line("  4b. a second person joins at turn 11 (names are then prefixed to every human turn)");
    claude.resetCache();
    const joined = await thread(bench.app, "cache-two", 11);
    report(bench.app, joined);
  } finally {
    await bench.close();
    await claude.close();
  }
}
