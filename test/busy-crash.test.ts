// Issue 9 item 10: a SQLite busy error in any event listener is handled and never exits the
// process. `npm start` as a child process on a database file another connection holds locked
// (as a second Palaver, a backup or `sqlite3` in a shell can): an edit, a deletion and a message
// arrive while the lock is held; after it is released, Palaver is still running and answers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { startFakeDiscord, type FakeDiscord } from "./fakes/discord/index.ts";
import { buildWorld, type DiscordWorld } from "./helpers/discord.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { runEntry, type Running } from "./helpers/process.ts";

/** SQLite's busy timeout in src/store/sqlite/open.ts is 5 s: hold the lock past it. */
const HOLD_LOCK_MS = 6_500;

describe("a locked database in event listeners", () => {
  let discord: FakeDiscord;
  let claude: FakeClaude;
  let world: DiscordWorld;
  let bot: Running | undefined;
  const databasePath = tempDbPath();

  before(async () => {
    claude = await startFakeClaude();
    discord = await startFakeDiscord();
    world = buildWorld(discord);
  });
  after(async () => {
    if (bot && bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill("SIGKILL");
    await bot?.exited;
    await discord.close();
    await claude.close();
  });

  it("SQLITE_BUSY while handling an edit, a deletion and a message never exits the process", { timeout: 60_000 }, async () => {
    bot = runEntry("adapters/main.ts", {
      ANTHROPIC_API_KEY: "sk-test-busy-0001",
      ANTHROPIC_BASE_URL: claude.url,
      DATABASE_PATH: databasePath,
      DISCORD_BOT_TOKEN: discord.token,
      DISCORD_API_URL: discord.url,
      PORT: "0",
      LOG_LEVEL: "info",
    });
    const b = bot;
    await waitFor(() => b.stderr().includes("Palaver is running"), 20_000, "start").catch((err: Error) => {
      throw new Error(`${err.message}\n${b.stderr()}`);
    });
    claude.enqueue({ text: "First." });
    const first = discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `<@${discord.state.bot.id}> hello` });
    await waitFor(() => discord.state.messages.get(first.id)?.threadId !== undefined, 5000, "thread");
    const threadId = discord.state.messages.get(first.id)!.threadId!;
    await waitFor(() => discord.botMessagesIn(threadId)[0]?.content === "First.", 10_000, "first reply");

    const lock = new Database(databasePath);
    lock.exec("BEGIN EXCLUSIVE");
    try {
      discord.userEdit(first.id, `<@${discord.state.bot.id}> hello, edited`);
      discord.userDelete(first.id);
      discord.say({ channelId: threadId, authorId: world.ada.id, content: "a follow-up while the database is locked" });
      await new Promise((r) => setTimeout(r, HOLD_LOCK_MS));
    } finally {
      lock.exec("ROLLBACK");
      lock.close();
    }
    await waitFor(() => /SQLITE_BUSY|database is locked/.test(b.stderr()), 15_000, "the busy error to be met (and logged)");
    assert.equal(b.child.exitCode, null, `still running; stderr: ${b.stderr().slice(-1500)}`);
    assert.doesNotMatch(b.stderr(), /"level":60/, `nothing fatal was logged: ${b.stderr().split("\n").filter((l) => l.includes(`"level":60`)).join("\n")}`);

    claude.enqueue({ text: "Still here." });
    discord.say({ channelId: threadId, authorId: world.ada.id, content: `<@${discord.state.bot.id}> are you there?` });
    await waitFor(() => discord.botMessagesIn(threadId).some((m) => m.content === "Still here."), 30_000, "an answer after the lock").catch((err: Error) => {
      throw new Error(`${err.message}\n${b.stderr().slice(-2000)}`);
    });
    b.child.kill("SIGTERM");
    assert.equal((await b.exited).code, 0);
  });
});
