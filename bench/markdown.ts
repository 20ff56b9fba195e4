// Formatting cost. A streaming reply is formatted at every edit (parse Claude's Markdown, print it
// for the platform) and split into platform-sized messages by the syntax tree. Prints p50/p99 for:
// - formatting a 4,000-character mixed reply never seen before ("cold": nothing to reuse), and
//   right after formatting all but its last edit's characters;
// - streaming a 4,000-character reply: each edit lays the growing text out (split check) and
//   formats it, as the renderer does; per edit and in total per reply;
// - splitting a finished 8,000-character reply into Discord messages (cold).
// A text's tree is reused for later texts sharing blocks with it (src/reply/markdown/parse.ts), so
// "cold" texts differ in every block; the parser alone is timed too, as the floor a cold text hits.
// The machine's load is printed with the figures: timings scale with it.
import { formatForDiscord } from "../adapters/discord/markdown.ts";
import { MAX_MESSAGE_LENGTH as DISCORD_MAX } from "../adapters/discord/limits.ts";
import { MAX_MESSAGE_CHARS as SLACK_MAX } from "../adapters/slack/limits.ts";
import { formatSlack, markdownContent, SlackFormatter } from "../adapters/slack/markdown.ts";
import { parseFresh } from "../src/reply/markdown/fresh.ts";
import { splitAll, splitOnce } from "../src/reply/split.ts";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { info, line, summarize, timeSync, verdict } from "./lib.ts";

/** Formatting a whole message should be a small part of an edit interval (≥ 1 s). */
const FORMAT_P50_TARGET_MS = 5;
/** Splitting a finished long reply into messages. */
const SPLIT_P50_TARGET_MS = 15;
/** Characters arriving between two edits (Claude streams a few hundred a second; edits ≥ 1 s apart). */
const CHARS_PER_EDIT = 100;
const RUNS = 60;
const WARMUP = 5;

/** A mixed reply of `chars` characters; `seed` makes every block differ, so nothing is reused across runs. */
function sample(chars: number, seed: number): string {
  const blocks = [
    `## Results ${seed} for **C#** users\n\nHere is *why* it works, with \`inline code\`, a [link](https://en.wikipedia.org/wiki/Mercury_(planet)) and ~~old~~ text.`,
    `- first point ${seed} with **bold**\n- second point\n  - nested \`x\`\n- [ ] a task`,
    `\`\`\`python\ndef __init__(self, a, b):  # ${seed}\n    self.a = a  # <tag> **not bold**\n    return None\n\`\`\``,
    `| name | 値 | notes |\n|:--|--:|:-:|\n| 日本語 | ${seed} | 🎉 |\n| alpha | 22 | ok |`,
    `> A quote ${seed} with @here and <!channel> defused.\n\n1. one\n2. two`,
    `A longer paragraph ${seed} of plain prose, as Claude writes between lists and code, with a URL https://example.com/a_b and an email x@example.com in it, and a line break  \nthen more words.`,
  ];
  let out = "";
  for (let i = 0; out.length < chars; i++) out += (out ? "\n\n" : "") + blocks[i % blocks.length];
  return out.slice(0, chars);
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
let seed = 0;

/** Wall and CPU milliseconds of `fn`. CPU time leaves out waiting for a core (2 shared cores here). */
function timed(fn: () => void): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1_000 };
}

function report(label: string, samples: Array<{ wall: number; cpu: number }>, target?: number): void {
  const wall = summarize(samples.map((s) => s.wall));
  const cpu = summarize(samples.map((s) => s.cpu));
  if (target === undefined) info(`${label} p50`, ms(wall.p50));
  else verdict(`${label} p50`, wall.p50, target, ms);
  info(`${label} p99`, ms(wall.p99));
  info(`${label} CPU p50 / p99`, `${ms(cpu.p50)} / ${ms(cpu.p99)}`);
}

function cold(label: string, chars: number, fn: (text: string) => void, target?: number): void {
  for (let i = 0; i < WARMUP; i++) fn(sample(chars, ++seed));
  const samples = Array.from({ length: RUNS }, () => {
    const text = sample(chars, ++seed);
    return timed(() => fn(text));
  });
  report(label, samples, target);
}

/** Formatting `chars` characters right after formatting them minus the last edit's characters. */
function afterEdit(label: string, chars: number, fn: (text: string) => void, target: number): void {
  const samples = Array.from({ length: RUNS }, () => {
    const text = sample(chars, ++seed);
    fn(text.slice(0, chars - CHARS_PER_EDIT));
    return timed(() => fn(text));
  });
  report(label, samples, target);
}

/**
 * The formatting work of streaming `reply` as the renderer does it (renderer.ts layout() and
 * flush()): at each edit, split off full messages, then format the current message with the
 * indicator. Milliseconds per edit.
 */
function streamEdits(reply: string, limit: number, format: (text: string, indicator: string) => string, indicator: string): Array<{ wall: number; cpu: number }> {
  const times: Array<{ wall: number; cpu: number }> = [];
  const measure = (t: string) => format(t, indicator).length;
  let start = 0; // where the current message's own text starts in the reply
  let reopened = ""; // the fence it reopens
  for (let end = CHARS_PER_EDIT; end < reply.length + CHARS_PER_EDIT; end += CHARS_PER_EDIT) {
    times.push(
      timed(() => {
        let body = reopened + reply.slice(start, end);
        for (let s = splitOnce(body, limit, measure); s; s = splitOnce(body, limit, measure)) {
          start += s.cut - reopened.length;
          reopened = s.carry;
          body = reopened + reply.slice(start, end);
        }
        format(body, indicator);
      }),
    );
  }
  return times;
}

function streaming(label: string, limit: number, format: () => (text: string, indicator: string) => string, indicator: string): void {
  const perEdit: Array<{ wall: number; cpu: number }> = [];
  const totals: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < WARMUP + RUNS / 4; i++) {
    const edits = streamEdits(sample(4_000, ++seed), limit, format(), indicator);
    if (i < WARMUP) continue;
    perEdit.push(...edits);
    totals.push({ wall: edits.reduce((a, b) => a + b.wall, 0), cpu: edits.reduce((a, b) => a + b.cpu, 0) });
  }
  report(`${label}: per edit`, perEdit, FORMAT_P50_TARGET_MS);
  report(`${label}: total per reply`, totals);
}

line(`Markdown formatting (load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} CPUs)`);
const discord = (t: string) => void formatForDiscord(t, " …");
const slack = (t: string) => {
  const text = formatSlack(t, " ▍");
  void markdownContent(text.markdown, text.mrkdwn);
};
line("cold: a 4,000-character mixed reply no part of which was formatted before");
cold("parser alone (the floor)", 4_000, (t) => void parseFresh(t));
cold("discord: parse + print", 4_000, discord, FORMAT_P50_TARGET_MS);
cold("slack: markdown + mrkdwn", 4_000, slack, FORMAT_P50_TARGET_MS);
line(`after an edit: the same, its first ${4_000 - CHARS_PER_EDIT} characters formatted at the edit before`);
afterEdit("discord: parse + print", 4_000, discord, FORMAT_P50_TARGET_MS);
afterEdit("slack: markdown + mrkdwn", 4_000, slack, FORMAT_P50_TARGET_MS);
line(`streaming a 4,000-character reply, an edit every ${CHARS_PER_EDIT} characters (layout + format of the growing text)`);
streaming("discord", DISCORD_MAX, () => formatForDiscord, " …");
streaming("slack", SLACK_MAX, () => {
  const formatter = new SlackFormatter();
  return (text, indicator) => formatter.format(text, indicator);
}, " ▍");
line("splitting a finished reply into Discord messages (cold)");
const splitDiscord = (t: string) => void splitAll(t, DISCORD_MAX, (x) => formatForDiscord(x, " …").length);
cold("split 8,000 chars", 8_000, splitDiscord, SPLIT_P50_TARGET_MS);
const big = summarize(timeSync(() => splitDiscord(sample(40_000, ++seed)), 5, 1));
info("split 40,000 chars p50", ms(big.p50));
line(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
