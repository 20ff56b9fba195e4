// Formatting cost: every edit of a streaming reply parses its message's Markdown and prints it for
// the platform, and a long reply is split by the syntax tree. Prints per-message times for a
// 4,000-character mixed reply (Slack's message size; Discord's is 2,000) and for splitting a
// 40,000-character reply.
import { formatForDiscord } from "../adapters/discord/markdown.ts";
import { formatSlack, markdownContent } from "../adapters/slack/markdown.ts";
import { splitAll } from "../src/reply/split.ts";
import os from "node:os";
import { info, line, summarize, timeSync, verdict } from "./lib.ts";

/** An edit is sent at most once a second: formatting should take a small part of that. */
const FORMAT_P99_TARGET_MS = 50;
/** Splitting a whole long reply (done again as it grows) should stay well under an edit interval. */
const SPLIT_TARGET_MS = 2_000;
const RUNS = 50;

function sample(chars: number): string {
  const blocks = [
    "## Results for **C#** users\n\nHere is *why* it works, with `inline code`, a [link](https://en.wikipedia.org/wiki/Mercury_(planet)) and ~~old~~ text.",
    "- first point with **bold**\n- second point\n  - nested `x`\n- [ ] a task",
    "```python\ndef __init__(self, a, b):\n    self.a = a  # <tag> **not bold**\n    return None\n```",
    "| name | 値 | notes |\n|:--|--:|:-:|\n| 日本語 | 1 | 🎉 |\n| alpha | 22 | ok |",
    "> A quote with @here and <!channel> defused.\n\n1. one\n2. two",
  ];
  let out = "";
  for (let i = 0; out.length < chars; i++) out += (out ? "\n\n" : "") + blocks[i % blocks.length];
  return out.slice(0, chars);
}

const message = sample(4_000);
const ms = (v: number) => `${v.toFixed(2)} ms`;
// Timings scale with the machine's load: print it with the figures.
line(`Markdown formatting (4,000-character mixed reply, per edit; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs)`);
for (const [label, fn] of [
  ["discord: parse + print", () => formatForDiscord(message, " …")],
  ["slack: markdown block + mrkdwn notification", () => {
    const text = formatSlack(message, " ▍");
    return markdownContent(text.markdown, text.mrkdwn);
  }],
] as const) {
  const s = summarize(timeSync(() => void fn(), RUNS));
  info(`${label} p50`, ms(s.p50));
  verdict(`${label} p99`, s.p99, FORMAT_P99_TARGET_MS, ms);
}
const long = sample(40_000);
const split = summarize(timeSync(() => void splitAll(long, 2_000, (t) => formatForDiscord(t, " …").length), 10, 1));
verdict("split 40,000 chars into Discord messages (median)", split.p50, SPLIT_TARGET_MS, ms);
