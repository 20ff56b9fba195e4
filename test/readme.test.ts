// Issue 9 item 11: the README says only what the code does. Each claim below is checked against
// the code that makes it true: forget on Slack, the settings scopes the commands really set, the
// shutdown grace period, and what a restart does.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ROOT } from "./helpers/process.ts";
import { startCore, type CoreHarness } from "./helpers/core.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { helpText } from "../src/commands/usage-lines.ts";
import { HEARTBEAT_INTERVAL_MS, INSTANCE_STALE_MS, ADOPTION_INTERVAL_MS } from "../src/pipeline/ownership.ts";
import { selectAll } from "./helpers/db.ts";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
/** One "- **Title** …" bullet of the README, up to the next bullet or blank line. */
function bullet(title: string): string {
  const m = new RegExp(`^- \\*\\*${title}\\*\\*[^]*?(?=\\n- \\*\\*|\\n\\n)`, "m").exec(README);
  assert.ok(m, `README has a "${title}" bullet`);
  return m[0].replace(/\s+/g, " ");
}

let h: CoreHarness;
before(async () => {
  h = await startCore({ PALAVER_ADMINS: "console:admin" });
});
after(async () => {
  await h.close();
});

test("README: forget on Slack is the message shortcut the manifest declares", () => {
  const manifest = parse(fs.readFileSync(path.join(ROOT, "adapters/slack/manifest.yml"), "utf8")) as {
    features: { shortcuts?: { name: string; callback_id: string }[] };
  };
  const names = (manifest.features.shortcuts ?? []).map((s) => s.name);
  assert.ok(names.length > 0, "the manifest has a shortcut");
  for (const name of names) assert.ok(bullet("Forget a thread:").includes(name), `the Slack section names "${name}"`);
  assert.ok(bullet("Forget").includes(names[0]!), "the Forget bullet names it too");
  assert.ok(helpText().includes(names[0]!), "and so does /palaver help");
});

test("README: the settings scopes it describes are the ones the commands set", async () => {
  const thread = "console:W:C:1700.000100";
  const base = { platform: "console" as const, workspaceId: "console:W", channelId: "console:W:C", isDM: false };
  const admin = { id: "console:admin", displayName: "Admin", isPlatformAdmin: false };
  // Run in a thread, `prompt set` sets the channel's prompt: there is no thread scope to set.
  assert.match(await h.app.bot.command({ ...base, conversationId: thread, user: admin, text: "prompt set Be brief." }), /This channel's system prompt is set/);
  assert.match(await h.app.bot.command({ ...base, conversationId: thread, user: admin, text: "model set claude-haiku-4-5" }), /This channel's model/);
  const scopes = ((await selectAll(h.app.db, "SELECT DISTINCT scope FROM settings")) as { scope: string }[]).map((r) => r.scope);
  assert.deepEqual(scopes, ["channel:console:W:C"]);
  // Cleared, the default applies: no workspace setting sits in between.
  assert.match(await h.app.bot.command({ ...base, user: admin, text: "prompt clear" }), /PALAVER_SYSTEM_PROMPT|default/);
  const settings = bullet("Settings");
  assert.match(settings, /set per channel/);
  assert.match(settings, /no commands for thread or workspace settings/);
  assert.doesNotMatch(README, /back to the workspace \/ default prompt/);
  assert.doesNotMatch(helpText(), /workspace \/ default/);
});

test("README: the shutdown grace period and restarts, as the code does them", () => {
  const config = parseConfig({ ANTHROPIC_API_KEY: "sk-test-readme-0001" });
  const row = README.split("\n").find((l) => l.startsWith("| `PALAVER_SHUTDOWN_GRACE_MS` |"));
  assert.ok(row, "the configuration table lists PALAVER_SHUTDOWN_GRACE_MS");
  assert.ok(row.includes(`(default ${config.shutdownGraceMs})`), row);
  assert.match(row, /not started, and are answered at the next start/);
  const flat = README.replace(/\s+/g, " ");
  assert.ok(flat.includes(`heartbeat row in \`instances\` every ${HEARTBEAT_INTERVAL_MS / 1000} s`));
  assert.ok(flat.includes(`every ${ADOPTION_INTERVAL_MS / 1000} s after, each instance looks for work whose instance is gone: not seen for ${INSTANCE_STALE_MS / 1000} s`));
  const worst = (HEARTBEAT_INTERVAL_MS + INSTANCE_STALE_MS + ADOPTION_INTERVAL_MS) / 1000;
  assert.ok(flat.includes(`finished within about ${worst} s`), `the worst case is ${worst} s`);
  assert.doesNotMatch(flat, /SIGTERM lets replies in flight finish for a few seconds first/);
});
