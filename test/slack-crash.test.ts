// Crash recovery on Slack, end to end: Palaver's `npm start` entry in Socket Mode against the fake Slack
// and the fake Claude, killed with SIGKILL while a reply is streaming natively, then started again:
// the reply's message ends with the interrupted note, its stream is closed, and the question is
// not answered again by itself.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { ALICE, BOT, GENERAL, startFakeSlack, type FakeSlack } from "./fakes/slack/index.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { ROOT } from "./helpers/process.ts";
import { mention, words } from "./helpers/slack.ts";
import { INTERRUPTED_NOTE } from "../src/reply/notes.ts";

interface Bot {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let slack: FakeSlack;
let claude: FakeClaude;
let env: Record<string, string>;
const running: Bot[] = [];

/** The entry point `npm start` runs ("tsx adapters/main.ts"). */
function startEntry(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const m = /^tsx\s+(\S+)$/.exec(pkg.scripts.start.trim());
  assert.ok(m, `npm start runs tsx <entry> (it runs: ${pkg.scripts.start})`);
  return m[1]!;
}

function startBot(): Bot {
  // `node --import tsx <entry>` is what `npx tsx <entry>` ends up running, minus the two wrapper
  // processes: the tsx CLI runs the script in a child, so a SIGKILL sent to the CLI would leave
  // Palaver itself running as an orphan. Here the signal reaches Palaver directly.
  const child = spawn(process.execPath, ["--import", "tsx", startEntry()], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const bot = { child, stderr: () => err, exited };
  running.push(bot);
  return bot;
}


before(async () => {
  slack = await startFakeSlack();
  claude = await startFakeClaude();
  env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    PALAVER_ENV: "test",
    ANTHROPIC_API_KEY: "sk-test-crash-0001",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_PATH: tempDbPath(),
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    PALAVER_SHUTDOWN_GRACE_MS: "500",
    // Any free port: other tests (and other programs) may hold the default 3000.
    PORT: "0",
    LOG_LEVEL: "info",
  };
});

after(async () => {
  for (const bot of running) {
    if (bot.child.exitCode === null && bot.child.signalCode === null) {
      bot.child.kill("SIGKILL");
      await bot.exited;
    }
  }
  await slack.close();
  await claude.close();
});

test("a reply cut by SIGKILL ends with the interrupted note after the restart", { timeout: 60_000 }, async () => {
  // A slow reply: about 20 s of streaming, so the kill lands in the middle of it.
  claude.enqueue({ text: words(400), chunkSize: 10, chunkDelayMs: 50 });
  const first = startBot();
  await waitFor(() => first.stderr().includes("Palaver is running") && slack.socket.connected, 30_000, "the bot to start").catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; stderr: ${first.stderr().slice(-2000)}`);
  });

  const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} tell me a long story` });
  await waitFor(() => (slack.botMessages(GENERAL.id, said.ts)[0]?.versions.length ?? 0) >= 3, 15_000, "the reply to be streaming");
  first.child.kill("SIGKILL");
  assert.equal((await first.exited).signal, "SIGKILL");
  const cut = slack.botMessages(GENERAL.id, said.ts);
  assert.equal(cut.length, 1);
  assert.ok(cut[0]!.streaming, "the native stream was left open by the crash");
  const shownAtCrash = cut[0]!.text;

  const second = startBot();
  await waitFor(() => !slack.botMessages(GENERAL.id, said.ts)[0]!.streaming, 30_000, "the stream to be closed");
  await waitFor(() => slack.botMessages(GENERAL.id, said.ts)[0]!.text.includes("Interrupted"), 10_000, "the note");
  const [message, ...others] = slack.botMessages(GENERAL.id, said.ts);
  assert.equal(others.length, 0, "no new message: the interrupted reply itself carries the note");
  const text = message!.text;
  // mrkdwn of the note (its _italics_ are the same in both formats).
  assert.ok(text.endsWith(INTERRUPTED_NOTE), `ends with the note: …${JSON.stringify(text.slice(-120))}`);
  const body = text.slice(0, -INTERRUPTED_NOTE.length).trimEnd();
  assert.ok(body.length > 0, "the text shown before the crash is kept");
  assert.ok(words(400).startsWith(body), "what is kept is the beginning of Claude's answer");
  assert.ok(shownAtCrash.startsWith(body) || body.startsWith(shownAtCrash), "and it matches what was on screen");
  assert.equal(claude.messageRequests().length, 1, "the question was not answered again by itself");

  second.child.kill("SIGTERM");
  const exit = await second.exited;
  assert.match(second.stderr(), /Palaver stopped/, "the restarted bot shut down gracefully");
  assert.equal(exit.code, 0);
});
