// Issue 9 item 4 and issue 12 (reply ownership), end to end with real child processes: Palaver's
// `npm start` entry against the fake Slack and the fake Claude, sharing one SQLite file.
//  - Two instances: a live instance's reply is never touched by the other; once it is SIGKILLed,
//    the survivor finishes its reply with the interrupted note within 15 s and answers the
//    message it had queued.
//  - A crash before the first token leaves a visible note after the restart.
//  - SIGTERM: the reply in flight finishes within the grace period, the queued message is not
//    started; the next start answers it, and its recovery leaves that new reply alone.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { ALICE, BOB, BOT, GENERAL, startFakeSlack, type FakeSlack } from "./fakes/slack/index.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { killAll, runEntry, type Running } from "./helpers/process.ts";
import { mention, SIGNING_SECRET, words } from "./helpers/slack.ts";
import { INTERRUPTED_NOTE } from "../src/reply/notes.ts";
import { ADOPTION_INTERVAL_MS, INSTANCE_STALE_MS } from "../src/pipeline/ownership.ts";

/** Issue 12: "a surviving instance finishes an orphaned reply with the interrupted note within 15 s". */
const ORPHAN_DEADLINE_MS = 15_000;

let slack: FakeSlack;
let claude: FakeClaude;
const running: Running[] = [];

before(async () => {
  slack = await startFakeSlack();
  claude = await startFakeClaude();
});

after(async () => {
  await killAll(running);
  await slack.close();
  await claude.close();
});

/** `npm start` on `databasePath`: in Socket Mode (receives the events) or HTTP mode (receives none here). */
async function start(databasePath: string, mode: "socket" | "http" = "socket", extra: Record<string, string> = {}): Promise<Running> {
  const r = runEntry("adapters/main.ts", {
    PALAVER_ENV: "test",
    ANTHROPIC_API_KEY: "sk-test-restart-0001",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_PATH: databasePath,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_API_URL: slack.apiUrl,
    ...(mode === "socket" ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    // Any free port for the HTTP server (health, metrics, Slack HTTP mode): two run at once here.
    PORT: "0",
    LOG_LEVEL: "info",
    ...extra,
  });
  running.push(r);
  await waitFor(() => r.stderr().includes("Palaver is running"), 30_000, "the bot to start").catch((err: Error) => {
    throw new Error(`${err.message}; stderr: ${r.stderr().slice(-2000)}`);
  });
  if (mode === "socket") await waitFor(() => slack.socket.connected, 10_000, "the socket");
  return r;
}

/** Rows of the inbox (accepted, not yet started), read from the shared database file. */
function inboxSize(databasePath: string): number {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM inbox").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function replyStatuses(databasePath: string): string[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT status FROM replies ORDER BY created_at").all() as { status: string }[]).map((r) => r.status);
  } finally {
    db.close();
  }
}

const texts = (threadTs: string): string[] => slack.botMessages(GENERAL.id, threadTs).map((m) => m.text);

describe("restarts and several instances on one database", () => {
  test("a survivor leaves a live instance's reply alone, then finishes it within 15 s of a SIGKILL and answers what it had queued", { timeout: 90_000 }, async () => {
    const databasePath = tempDbPath();
    // ~40 s of streaming: the reply is alive through the whole "leave it alone" window.
    claude.enqueue({ text: words(800), chunkSize: 10, chunkDelayMs: 50 });
    const a = await start(databasePath, "socket");
    const b = await start(databasePath, "http");
    const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} tell me a long story` });
    await waitFor(() => (slack.botMessages(GENERAL.id, said.ts)[0]?.versions.length ?? 0) >= 2, 15_000, "the reply to be streaming");
    // Bob's follow-up waits behind that reply (one reply at a time per conversation).
    await slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: said.ts, text: "and what happened to the dragon?" });
    await waitFor(() => inboxSize(databasePath) === 1, 10_000, "the follow-up to be accepted");

    // Longer than B needs to call an instance dead and adopt its work: A is alive, so nothing.
    await new Promise((r) => setTimeout(r, INSTANCE_STALE_MS + 2 * ADOPTION_INTERVAL_MS));
    const live = slack.botMessages(GENERAL.id, said.ts);
    assert.equal(live.length, 1);
    assert.ok(live[0]!.streaming && !live[0]!.text.includes("Interrupted"), "a live instance's reply is never touched");
    assert.equal(inboxSize(databasePath), 1, "nor its queued message");

    claude.enqueue({ text: "The dragon retired to the seaside." });
    a.child.kill("SIGKILL");
    assert.equal((await a.exited).signal, "SIGKILL");
    const killedAt = Date.now();
    await waitFor(() => texts(said.ts).some((t) => t.endsWith(INTERRUPTED_NOTE)), ORPHAN_DEADLINE_MS, "the survivor to finish the orphaned reply").catch(
      (err: Error) => {
        throw new Error(`${err.message}; survivor's stderr: ${b.stderr().slice(-2000)}`);
      },
    );
    assert.ok(Date.now() - killedAt <= ORPHAN_DEADLINE_MS);
    await waitFor(() => texts(said.ts).includes("The dragon retired to the seaside."), 10_000, "the queued follow-up to be answered");
    const [story, answer, ...rest] = slack.botMessages(GENERAL.id, said.ts);
    assert.equal(rest.length, 0, "one finished story, one answer");
    assert.ok(words(800).startsWith(story!.text.slice(0, -INTERRUPTED_NOTE.length).trimEnd()), "the story keeps what was shown");
    assert.equal(answer!.text, "The dragon retired to the seaside.");
    const asked = JSON.stringify(claude.messageRequests().at(-1)!.body);
    assert.match(asked, /what happened to the dragon/, "the answer is to the queued message");
    assert.equal(claude.messageRequests().length, 2, "the story was not asked again");
    assert.equal(inboxSize(databasePath), 0);

    b.child.kill("SIGTERM");
    assert.equal((await b.exited).code, 0);
  });

  test("a crash before the first token leaves a visible note after the restart", { timeout: 60_000 }, async () => {
    const databasePath = tempDbPath();
    const before = claude.messageRequests().length;
    claude.enqueue({ text: "never shown", firstTokenDelayMs: 60_000 });
    const first = await start(databasePath);
    const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} think hard` });
    await waitFor(() => claude.messageRequests().length === before + 1, 10_000, "the request to Claude");
    first.child.kill("SIGKILL");
    await first.exited;
    assert.equal(slack.botMessages(GENERAL.id, said.ts).length, 0, "nothing was posted before the crash");

    const second = await start(databasePath);
    await waitFor(() => slack.botMessages(GENERAL.id, said.ts).length === 1, ORPHAN_DEADLINE_MS, "the note");
    assert.equal(texts(said.ts)[0], INTERRUPTED_NOTE);
    assert.equal(claude.messageRequests().length, before + 1, "not asked again by itself");
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0);
  });

  test("SIGTERM: the reply in flight finishes in the grace period, the queued one waits for the next start, which leaves its own reply alone", { timeout: 60_000 }, async () => {
    const databasePath = tempDbPath();
    const grace = { PALAVER_SHUTDOWN_GRACE_MS: "8000" };
    const before = claude.messageRequests().length;
    // About 2.4 s of streaming (24 chunks, 100 ms apart): inside the grace period.
    const first = words(60);
    claude.enqueue({ text: first, chunkSize: 20, chunkDelayMs: 100 });
    const one = await start(databasePath, "socket", grace);
    const said = await slack.userSays({ user: ALICE.id, channel: GENERAL.id, text: `${mention(BOT.userId)} first question` });
    await waitFor(() => slack.botMessages(GENERAL.id, said.ts).length === 1, 10_000, "the reply to start");
    await slack.userSays({ user: BOB.id, channel: GENERAL.id, threadTs: said.ts, text: "second question" });
    await waitFor(() => inboxSize(databasePath) === 1, 10_000, "the follow-up to be queued");
    one.child.kill("SIGTERM");
    assert.equal((await one.exited).code, 0);
    assert.deepEqual(texts(said.ts), [first], "the reply in flight finished, without a note");
    assert.equal(claude.messageRequests().length, before + 1, "the queued message was not started");
    assert.equal(inboxSize(databasePath), 1, "it is left for the next start");

    // The answer streams for about 4.5 s, across several adoption passes of the new process: they must not touch it.
    const second = words(40);
    claude.enqueue({ text: second, chunkSize: 10, chunkDelayMs: 150 });
    const two = await start(databasePath, "socket", grace);
    await waitFor(() => texts(said.ts)[1] === second, 20_000, "the queued message's answer, in full");
    await waitFor(() => replyStatuses(databasePath).every((s) => s !== "streaming"), 5_000, "the reply to be recorded");
    assert.deepEqual(replyStatuses(databasePath), ["complete", "complete"], "no reply was taken for an orphan");
    assert.equal(texts(said.ts).length, 2, "and no note was added anywhere");
    assert.match(JSON.stringify(claude.messageRequests().at(-1)!.body), /second question/);
    assert.equal(inboxSize(databasePath), 0);
    two.child.kill("SIGTERM");
    assert.equal((await two.exited).code, 0);
  });
});
