// Palaver's real App with the real Discord adapter (real discord.js), against the fake Discord and
// the fake Claude, plus a small world to talk in: one server with #general, a member (Ada), an
// admin with Manage Server (Max), and a DM with Ada.
import { App } from "../../src/runtime/app.ts";
import { parseConfig, type Config } from "../../src/runtime/config.ts";
import { createLogger, silentLogger } from "../../src/runtime/log.ts";
import { asMessagesBody, startFakeClaude, type FakeClaude } from "../fakes/claude.ts";
import { Perm, startFakeDiscord, type FakeChannel, type FakeDiscord, type FakeDiscordOptions, type FakeGuild, type FakeUser } from "../fakes/discord/index.ts";
import { createDiscordAdapter, type DiscordAdapterOptions } from "../../adapters/discord/index.ts";

export interface DiscordWorld {
  guild: FakeGuild;
  general: FakeChannel;
  ada: FakeUser;
  max: FakeUser;
  adaDM: FakeChannel;
  /** Max's permissions (Manage Server) as Discord computes them for interactions. */
  adminPermissions: bigint;
  memberPermissions: bigint;
}

export function buildWorld(discord: FakeDiscord): DiscordWorld {
  const s = discord.state;
  const guild = s.addGuild("Test Server");
  const general = s.addTextChannel(guild.id, "general");
  const admins = s.addRole(guild.id, "Admins", Perm.ManageGuild);
  const ada = s.addUser("ada", { globalName: "Ada Lovelace" });
  const max = s.addUser("max");
  s.addMember(guild.id, ada.id);
  s.addMember(guild.id, max.id, { roles: [admins.id], nick: "Max the Admin" });
  const adaDM = s.addDM(ada.id);
  const memberPermissions = s.permissionsIn(general.id, ada.id);
  return { guild, general, ada, max, adaDM, adminPermissions: memberPermissions | Perm.ManageGuild, memberPermissions };
}

export interface DiscordHarness {
  discord: FakeDiscord;
  claude: FakeClaude;
  app: App;
  config: Config;
  world: DiscordWorld;
  /** `<@bot>` as Discord writes a mention of Palaver. */
  mention: string;
  close(): Promise<void>;
}

export interface DiscordHarnessOptions {
  env?: Record<string, string> | ((world: DiscordWorld) => Record<string, string>);
  discord?: FakeDiscordOptions;
  claude?: FakeClaude;
  adapter?: DiscordAdapterOptions;
  /** Change the world before the bot connects (permissions, extra channels…). */
  setup?(discord: FakeDiscord, world: DiscordWorld): void;
}

export async function startDiscordHarness(o: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const claude = o.claude ?? (await startFakeClaude());
  const discord = await startFakeDiscord(o.discord);
  const world = buildWorld(discord);
  o.setup?.(discord, world);
  const config = parseConfig({
    ANTHROPIC_API_KEY: "sk-test-abcd1234",
    ANTHROPIC_BASE_URL: claude.url,
    DATABASE_PATH: ":memory:",
    LOG_LEVEL: "silent",
    DISCORD_BOT_TOKEN: discord.token,
    DISCORD_API_URL: discord.url,
    PORT: "0",
    ...(typeof o.env === "function" ? o.env(world) : o.env),
  });
  // PALAVER_TEST_LOG=debug shows what the app logs while a test runs.
  const logger = process.env.PALAVER_TEST_LOG ? createLogger(process.env.PALAVER_TEST_LOG) : silentLogger();
  const app = await App.create(config, { logger, retryBaseMs: 10 });
  await app.start([createDiscordAdapter(config.discord!, logger, o.adapter)]);
  return {
    discord,
    claude,
    app,
    config,
    world,
    mention: `<@${discord.state.bot.id}>`,
    async close() {
      await app.stop();
      await discord.close();
      if (!o.claude) await claude.close();
    },
  };
}

/** The text of every message of the n-th request Claude received (0-based), flattened. */
export function claudeTurns(claude: FakeClaude, n: number): { role: string; text: string }[] {
  const req = claude.messageRequests()[n];
  if (!req) throw new Error(`no Claude request #${n}`);
  return asMessagesBody(req.body).messages.map((m) => ({
    role: m.role,
    text: typeof m.content === "string" ? m.content : m.content.map((b) => b.text ?? `[${b.type}]`).join(""),
  }));
}
