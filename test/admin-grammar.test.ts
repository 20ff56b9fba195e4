// The /palaver grammar: every subcommand, every error (one line plus that subcommand's usage).
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatParseError, parseCommand, type Command } from "../src/commands/grammar.ts";
import { USAGE, OVERVIEW } from "../src/commands/usage-lines.ts";
import { BUILT_IN_PRICES } from "../src/claude/pricing.ts";
import { formatUsd, parseUsd } from "../src/claude/money.ts";

const options = { knownModels: Object.keys(BUILT_IN_PRICES) };

function ok(text: string): Command {
  const r = parseCommand(text, options);
  assert.ok(r.ok, `expected "${text}" to parse, got ${r.ok ? "" : r.error}`);
  return r.command;
}

function fails(text: string, usage: string, errorPattern: RegExp): void {
  const r = parseCommand(text, options);
  assert.ok(!r.ok, `expected "${text}" to fail`);
  assert.match(r.error, errorPattern);
  assert.equal(r.usage, `Usage: \`${usage}\``);
  assert.ok(!r.error.includes("\n"), "the error is one line");
  const shown = formatParseError(r);
  assert.equal(shown.split("\n").length, 2, "error line + usage line");
}

test("help, and an empty command, show help", () => {
  assert.deepEqual(ok(""), { kind: "help" });
  assert.deepEqual(ok("help"), { kind: "help" });
  assert.deepEqual(ok("  HELP  "), { kind: "help" });
  fails("help me", USAGE.help, /Unexpected "me"/);
});

test("unknown subcommand: error plus the list of subcommands", () => {
  fails("frobnicate now", OVERVIEW, /Unknown subcommand "frobnicate"/);
  fails("promptset x", OVERVIEW, /Unknown subcommand "promptset"/);
  const long = parseCommand("x".repeat(500), options);
  assert.ok(!long.ok && long.error.length < 80, "what the user typed is echoed clipped");
});

test("prompt: show, set (verbatim text), clear, and its errors", () => {
  assert.deepEqual(ok("prompt"), { kind: "prompt.show" });
  assert.deepEqual(ok("prompt show"), { kind: "prompt.show" });
  assert.deepEqual(ok("prompt set You are a pirate."), { kind: "prompt.set", text: "You are a pirate." });
  assert.deepEqual(ok("Prompt SET  Line one\n\n  line two  "), { kind: "prompt.set", text: "Line one\n\n  line two" });
  assert.deepEqual(ok("prompt set set clear"), { kind: "prompt.set", text: "set clear" });
  assert.deepEqual(ok("prompt clear"), { kind: "prompt.clear" });
  fails("prompt set", USAGE.prompt, /needs the prompt text/);
  fails("prompt set   ", USAGE.prompt, /needs the prompt text/);
  fails("prompt delete", USAGE.prompt, /Unknown prompt action "delete"/);
  fails("prompt clear now", USAGE.prompt, /Unexpected "now"/);
  fails("prompt show all", USAGE.prompt, /Unexpected "all"/);
});

test("model: show, set (must be in the price table), and its errors", () => {
  assert.deepEqual(ok("model"), { kind: "model.show" });
  assert.deepEqual(ok("model show"), { kind: "model.show" });
  assert.deepEqual(ok("model set claude-haiku-4-5"), { kind: "model.set", model: "claude-haiku-4-5" });
  fails("model set", USAGE.model, /needs a model id/);
  fails("model set gpt-5", USAGE.model, /Unknown model "gpt-5"; known models: .*claude-haiku-4-5/);
  fails("model set claude-haiku-4-5 now", USAGE.model, /Unexpected "now"/);
  fails("model use claude-haiku-4-5", USAGE.model, /Unknown model action "use"/);
  fails("model show x", USAGE.model, /Unexpected "x"/);
});

test("usage: period and dimension in either order, defaults, and its errors", () => {
  assert.deepEqual(ok("usage"), { kind: "usage", period: "30d", by: undefined });
  for (const period of ["today", "7d", "30d", "month", "all"] as const) {
    assert.deepEqual(ok(`usage ${period}`), { kind: "usage", period, by: undefined });
  }
  for (const by of ["user", "channel", "model", "day"] as const) {
    assert.deepEqual(ok(`usage by ${by}`), { kind: "usage", period: "30d", by });
  }
  assert.deepEqual(ok("usage 7d by channel"), { kind: "usage", period: "7d", by: "channel" });
  assert.deepEqual(ok("usage BY Model MONTH"), { kind: "usage", period: "month", by: "model" });
  fails("usage 90d", USAGE.usage, /Unknown period "90d"/);
  fails("usage by", USAGE.usage, /`by` needs user, channel, model or day/);
  fails("usage by team", USAGE.usage, /Cannot break usage down by "team"/);
  fails("usage 7d today", USAGE.usage, /at most one period/);
  fails("usage by user by day", USAGE.usage, /`by` at most once/);
});

test("budget: show, set and clear for each scope, with a mention for users", () => {
  assert.deepEqual(ok("budget"), { kind: "budget.show" });
  assert.deepEqual(ok("budget show"), { kind: "budget.show" });
  assert.deepEqual(ok("budget set workspace daily 25"), {
    kind: "budget.set",
    scope: "workspace",
    period: "daily",
    limitMicros: 25_000_000,
  });
  assert.deepEqual(ok("budget set channel monthly 2.50"), {
    kind: "budget.set",
    scope: "channel",
    period: "monthly",
    limitMicros: 2_500_000,
  });
  assert.deepEqual(ok("budget set user <@slack:U2> daily $0.000001"), {
    kind: "budget.set",
    scope: "user",
    userId: "slack:U2",
    period: "daily",
    limitMicros: 1,
  });
  // Discord's typed options may arrive with the user last, and Slack mentions may carry a label.
  assert.deepEqual(ok("budget set user daily 5 <@discord:81234>"), {
    kind: "budget.set",
    scope: "user",
    userId: "discord:81234",
    period: "daily",
    limitMicros: 5_000_000,
  });
  assert.deepEqual(ok("budget set user <@slack:U2|bob> monthly 0"), {
    kind: "budget.set",
    scope: "user",
    userId: "slack:U2",
    period: "monthly",
    limitMicros: 0,
  });
  assert.deepEqual(ok("budget set workspace daily 1000000"), {
    kind: "budget.set",
    scope: "workspace",
    period: "daily",
    limitMicros: 1_000_000_000_000,
  });
  assert.deepEqual(ok("budget clear channel daily"), { kind: "budget.clear", scope: "channel", period: "daily" });
  assert.deepEqual(ok("budget clear user <@slack:U2> monthly"), {
    kind: "budget.clear",
    scope: "user",
    userId: "slack:U2",
    period: "monthly",
  });
});

test("budget: every error names the problem and quotes the budget usage line", () => {
  const u = USAGE.budget;
  fails("budget raise", u, /Unknown budget action "raise"/);
  fails("budget set", u, /needs a scope/);
  fails("budget clear", u, /needs a scope/);
  fails("budget set team daily 5", u, /Unknown budget scope "team"/);
  fails("budget set user daily 5", u, /needs the user, as a mention/);
  fails("budget set user @bob daily 5", u, /needs the user, as a mention/);
  fails("budget set channel <@slack:U2> daily 5", u, /does not take a user/);
  fails("budget set user <@slack:U2> <@slack:U3> daily 5", u, /one user at a time/);
  fails("budget set workspace", u, /daily or monthly/);
  fails("budget set workspace weekly 5", u, /Unknown budget period "weekly"/);
  fails("budget set workspace daily", u, /needs an amount/);
  fails("budget set workspace daily -5", u, /Bad amount: "-5" is negative/);
  fails("budget set workspace daily five", u, /Bad amount: "five" is not an amount/);
  fails("budget set workspace daily 1e3", u, /Bad amount: "1e3" is not an amount/);
  fails("budget set workspace daily 1,000", u, /Bad amount/);
  fails("budget set workspace daily 1000000.01", u, /Bad amount: .*over the maximum of \$1,000,000/);
  fails("budget set workspace daily 0.0000001", u, /Bad amount: .*more than 6 decimals/);
  fails("budget set workspace daily 5 now", u, /Unexpected "now"/);
  fails("budget clear workspace daily 5", u, /Unexpected "5"/);
  fails("budget show me", u, /Unexpected "me"/);
});

test("forget, and its one error", () => {
  assert.deepEqual(ok("forget"), { kind: "forget" });
  fails("forget everything", USAGE.forget, /Unexpected "everything"/);
});

test("dollar amounts: exact to the micro-dollar both ways", () => {
  assert.deepEqual(parseUsd("0"), { ok: true, micros: 0 });
  assert.deepEqual(parseUsd(".5"), { ok: true, micros: 500_000 });
  assert.deepEqual(parseUsd("0.1"), { ok: true, micros: 100_000 });
  assert.deepEqual(parseUsd("123456.654321"), { ok: true, micros: 123_456_654_321 });
  assert.equal(parseUsd(".").ok, false);
  assert.equal(parseUsd("").ok, false);
  assert.equal(formatUsd(0), "$0.00");
  assert.equal(formatUsd(12_345_678), "$12.35");
  assert.equal(formatUsd(1_234), "$0.0012");
  assert.equal(formatUsd(600_000), "$0.60");
  assert.equal(formatUsd(600_000, "table"), "$0.6000");
  assert.equal(formatUsd(-250_000), "-$0.25");
  assert.equal(formatUsd(999_999_999), "$1,000.00");
  assert.equal(formatUsd(2_500_000, "exact"), "$2.50");
  assert.equal(formatUsd(1, "exact"), "$0.000001");
  assert.equal(formatUsd(1_000_000_000_000, "exact"), "$1,000,000.00");
});
