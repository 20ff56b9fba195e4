// Discord shards split between instances: two Palavers on one database, one with shard 0 and one
// with shard 1 of 2 (DISCORD_SHARD_IDS / DISCORD_SHARD_COUNT). Discord sends a guild's events only
// to shard (guild_id >> 22) % num_shards and DMs only to shard 0
// (discord.com/developers/docs/topics/gateway#sharding), so each instance answers only its guilds.
// Each instance talks to a Claude of its own, which shows which instance answered.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { App } from "../src/runtime/app.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { silentLogger } from "../src/runtime/log.ts";
import { createDiscordAdapter } from "../adapters/discord/index.ts";
import { startFakeClaude, type FakeClaude } from "./fakes/claude.ts";
import { startFakeDiscord, type FakeChannel, type FakeDiscord } from "./fakes/discord/index.ts";
import { CloseCode, Op, shardForGuild } from "./fakes/discord/gateway.ts";
import { buildWorld, type DiscordWorld } from "./helpers/discord.ts";
import { tempDbPath, waitFor } from "./helpers/core.ts";

const SHARD_COUNT = 2;

describe("discord shards split between two instances", () => {
  let discord: FakeDiscord;
  let world: DiscordWorld;
  /** One text channel in a guild of each shard. */
  const channelOnShard: FakeChannel[] = [];
  const claudes: FakeClaude[] = [];
  const apps: App[] = [];

  before(async () => {
    discord = await startFakeDiscord();
    world = buildWorld(discord);
    // Snowflakes carry their millisecond, so guilds made one after another fall on both shards.
    while (channelOnShard.filter(Boolean).length < SHARD_COUNT) {
      const guild = discord.state.addGuild(`Server ${discord.state.guilds.size + 1}`);
      const shard = shardForGuild(guild.id, SHARD_COUNT);
      if (channelOnShard[shard]) continue;
      discord.state.addMember(guild.id, world.ada.id);
      channelOnShard[shard] = discord.state.addTextChannel(guild.id, "general");
    }
    const databasePath = tempDbPath();
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      const claude = await startFakeClaude();
      claude.setResponder(() => ({ text: `answer from shard ${shard}` }));
      claudes.push(claude);
      const config = parseConfig({
        ANTHROPIC_API_KEY: "sk-test-abcd1234",
        ANTHROPIC_BASE_URL: claude.url,
        DATABASE_PATH: databasePath,
        LOG_LEVEL: "silent",
        DISCORD_BOT_TOKEN: discord.token,
        DISCORD_API_URL: discord.url,
        DISCORD_SHARD_IDS: String(shard),
        DISCORD_SHARD_COUNT: String(SHARD_COUNT),
        PORT: "0",
      });
      const app = await App.create(config, { logger: silentLogger(), retryBaseMs: 10 });
      apps.push(app);
      await app.start([createDiscordAdapter(config.discord!, silentLogger())]);
    }
    await waitFor(() => discord.gateway.shardSessions.length === SHARD_COUNT && discord.gateway.connected, 10000, "both shards");
  });

  after(async () => {
    for (const app of apps) await app.stop();
    await discord.close();
    for (const claude of claudes) await claude.close();
  });

  it("each instance identifies with its own shard and receives only its guilds' messages", async () => {
    assert.deepEqual(
      discord.gateway.shardSessions.map((s) => [s.shard, s.count]).sort(),
      [
        [0, 2],
        [1, 2],
      ],
    );
    const mention = `<@${discord.state.bot.id}>`;
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      const question = discord.say({ channelId: channelOnShard[shard]!.id, authorId: world.ada.id, content: `${mention} which shard?` });
      await waitFor(
        () => discord.botMessagesIn(question.id).some((m) => m.content.includes(`answer from shard ${shard}`)),
        10000,
        `the reply from shard ${shard}'s instance`,
      );
    }
    assert.deepEqual(
      claudes.map((c) => c.messageRequests().length),
      [1, 1],
      "each question reached exactly one instance: the one holding its guild's shard",
    );
  });

  it("DMs go to the instance holding shard 0", async () => {
    const before = claudes.map((c) => c.messageRequests().length);
    discord.say({ channelId: world.adaDM.id, authorId: world.ada.id, content: "hello in private" });
    await waitFor(() => discord.botMessagesIn(world.adaDM.id).some((m) => m.content.includes("answer from shard 0")), 10000, "the DM reply");
    assert.deepEqual(
      claudes.map((c, i) => c.messageRequests().length - before[i]!),
      [1, 0],
    );
  });

  it("the fake gateway refuses a shard outside [0, num_shards) with close 4010, as Discord does", async () => {
    const socket = new WebSocket(discord.gatewayUrl);
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    socket.on("open", () =>
      socket.send(JSON.stringify({ op: Op.Identify, d: { token: discord.token, intents: 0, properties: {}, shard: [2, 2] } })),
    );
    assert.equal(await closed, CloseCode.InvalidShard);
  });
});
