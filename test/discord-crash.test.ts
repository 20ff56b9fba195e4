// Crash recovery on Discord: `npm start` (adapters/main.ts) as a child process against the fake Discord
// and the fake Claude, SIGKILLed while a reply streams; started again on the same database, it
// finishes that reply's message with the interrupted note (the core drives it through
// adapter.reopen()).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { STREAMING_INDICATOR } from "../adapters/discord/limits.ts";
import { INTERRUPTED_NOTE as NOTE_MARKDOWN } from "../src/reply/notes.ts";
import { formatForDiscord } from "../adapters/discord/markdown.ts";

/** The note as Discord shows it (its _italics_ printed as Discord Markdown). */
const INTERRUPTED_NOTE = formatForDiscord(NOTE_MARKDOWN);
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { startFakeDiscord, type FakeDiscord } from "./fakes/discord/index.ts";
import { buildWorld, type DiscordWorld } from "./helpers/discord.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";
import { killAll, runEntry, type Running } from "./helpers/process.ts";

const ANSWER = Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} of a long answer.`).join(" ");

describe("discord crash recovery", () => {
  let discord: FakeDiscord;
  let claude: FakeClaude;
  let world: DiscordWorld;
  const running: Running[] = [];
  const databasePath = tempDbPath();

  const start = (): Running => {
    const r = runEntry("adapters/main.ts", {
      ANTHROPIC_API_KEY: "sk-test-abcd1234",
      ANTHROPIC_BASE_URL: claude.url,
      DATABASE_PATH: databasePath,
      DISCORD_BOT_TOKEN: discord.token,
      DISCORD_API_URL: discord.url,
      LOG_LEVEL: "info",
      // Any free port: other tests (and other programs) may hold the default 3000.
      PORT: "0",
    });
    running.push(r);
    return r;
  };

  before(async () => {
    claude = await startFakeClaude();
    discord = await startFakeDiscord();
    world = buildWorld(discord);
  });
  after(async () => {
    await killAll(running);
    await discord.close();
    await claude.close();
  });

  it("ends a reply cut by SIGKILL with the interrupted note after a restart", async () => {
    // ~1,400 characters, 20 per chunk every 200 ms: about 14 s of streaming, far longer than we wait.
    claude.enqueue({ text: ANSWER, chunkSize: 20, chunkDelayMs: 200 });
    const first = start();
    await waitFor(() => discord.gateway.identifies === 1 && first.stderr().includes("Palaver is running"), 20000, "first start").catch((err: Error) => {
      throw new Error(`${err.message}\n${first.stderr()}`);
    });
    // Start-up names the bot and the invite link with exactly the permissions Palaver uses:
    // View Channel 2^10, Send Messages 2^11, Read Message History 2^16, Create Public Threads 2^35,
    // Send Messages in Threads 2^38.
    const permissions = (1n << 10n) | (1n << 11n) | (1n << 16n) | (1n << 35n) | (1n << 38n);
    assert.match(first.stderr(), /discord: connected as Palaver/);
    assert.ok(
      first.stderr().includes(
        `https://discord.com/oauth2/authorize?client_id=${discord.state.applicationId}&scope=bot+applications.commands&permissions=${permissions}`,
      ),
      "invite URL in the log",
    );
    assert.ok(!first.stderr().includes(discord.token), "the bot token is never logged");
    const question = discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `<@${discord.state.bot.id}> tell me a lot` });
    await waitFor(() => discord.botMessagesIn(question.id).length === 1, 10000, "the reply's message");
    const reply = discord.botMessagesIn(question.id)[0]!;
    await waitFor(
      () => discord.callsTo("PATCH", new RegExp(`/messages/${reply.id}$`)).some((c) => c.status === 200),
      10000,
      "an edit while streaming",
    );
    first.child.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    const cut = discord.state.messages.get(reply.id)!.content;
    assert.ok(cut.endsWith(STREAMING_INDICATOR), "killed mid-stream");
    assert.ok(!cut.includes(INTERRUPTED_NOTE));

    const second = start();
    await waitFor(() => discord.state.messages.get(reply.id)!.content.endsWith(INTERRUPTED_NOTE), 20000, "recovery").catch((err: Error) => {
      throw new Error(`${err.message}\n${second.stderr()}`);
    });
    const final = discord.state.messages.get(reply.id)!.content;
    const body = final.slice(0, -`\n\n${INTERRUPTED_NOTE}`.length);
    assert.ok(body.length > 0 && ANSWER.startsWith(body), "the text shown before the crash, then the note");
    assert.ok(!body.endsWith(STREAMING_INDICATOR.trim()), "no streaming indicator left");
    assert.equal(discord.botMessagesIn(question.id).length, 1, "the same message was finished, nothing new posted");
    assert.equal(claude.messageRequests().length, 1, "the question is not answered again by itself");

    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0, "a clean shutdown on SIGTERM");
    assert.ok(!second.stderr().includes(discord.token), "the bot token is never logged");
  });
});
