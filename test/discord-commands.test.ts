// /palaver on Discord through INTERACTION_CREATE: registration (guild vs global), the typed
// options translated into the core's grammar, admin (Manage Server) vs non-admin, ephemeral
// answers, and the deferred path (deferReply, then an edit of the original response).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { asMessagesBody } from "./fakes/claude.ts";
import { OptionType, type FakeInteraction } from "./fakes/discord/index.ts";
import { startDiscordHarness, type DiscordHarness } from "./helpers/discord.ts";
import { waitFor } from "./helpers/core.ts";

const answered = (i: FakeInteraction) => i.original !== undefined && i.original.content !== "";

function lastSystemPrompt(h: DiscordHarness): string {
  const body = asMessagesBody(h.claude.messageRequests().at(-1)!.body);
  return typeof body.system === "string" ? body.system : (body.system ?? []).map((b) => b.text ?? "").join("");
}

describe("discord /palaver, guild command", () => {
  let h: DiscordHarness;

  before(async () => {
    h = await startDiscordHarness({ env: (world) => ({ DISCORD_GUILD_ID: world.guild.id }) });
  });
  after(async () => {
    await h.close();
  });

  it("is registered to DISCORD_GUILD_ID at start-up, visible to everyone, with typed options", () => {
    const { discord } = h;
    const commands = discord.commands.get(h.world.guild.id);
    assert.ok(commands, "registered as a guild command");
    assert.equal(discord.commands.get("global"), undefined);
    const palaver = commands.find((c) => c.name === "palaver")!;
    assert.equal(palaver.default_member_permissions ?? null, null, "no permission gate: everyone sees it");
    const options = palaver.options as { name: string; type: number; options?: { name: string; options?: { name: string; choices?: { value: string }[] }[] }[] }[];
    assert.deepEqual(
      options.map((o) => o.name).sort(),
      ["budget", "forget", "help", "model", "prompt", "usage", "web"],
    );
    const modelSet = options.find((o) => o.name === "model")!.options!.find((o) => o.name === "set")!;
    const choices = modelSet.options![0]!.choices!.map((c) => c.value);
    assert.ok(choices.includes("claude-sonnet-4-6"), "model choices come from the price table");
  });

  it("answers a quick command directly (no deferral), ephemerally", async () => {
    const { discord, world } = h;
    const i = discord.command({ userId: world.ada.id, channelId: world.general.id, permissions: world.memberPermissions, sub: "help" });
    await waitFor(() => answered(i), 5000, "answer");
    assert.equal(i.callbacks[0]!.type, 4, "answered in the first response");
    assert.ok(discord.isEphemeral(i.original!.flags));
    assert.match(i.original!.content, /Palaver commands/);
  });
});

describe("discord /palaver, global command", () => {
  let h: DiscordHarness;

  before(async () => {
    // Heartbeats every 100 ms (Discord: ~41 s) so the test sees several.
    h = await startDiscordHarness({ adapter: { deferAfterMs: 0 }, discord: { heartbeatMs: 100 } });
  });
  after(async () => {
    await h.close();
  });

  it("is registered globally without DISCORD_GUILD_ID", () => {
    assert.ok(h.discord.commands.get("global")?.some((c) => c.name === "palaver"));
  });

  it("keeps one gateway connection alive: heartbeats are acknowledged", async () => {
    const heartbeats = () => h.discord.gateway.received.filter((r) => r.op === 1).length;
    await waitFor(() => heartbeats() >= 3, 5000, "three heartbeats");
    assert.equal(h.discord.gateway.connections, 1, "no zombie-connection reconnects");
    const identify = h.discord.gateway.received.find((r) => r.op === 2)!.d as { intents: number; compress: boolean };
    // Guilds 1, GuildMessages 512, DirectMessages 4096, MessageContent 32768.
    assert.equal(identify.intents, 1 | 512 | 4096 | 32768);
    assert.equal(identify.compress, false, "no transport or payload compression needed");
  });

  it("lets a member with Manage Server set the channel's prompt, answered ephemerally after a deferral", async () => {
    const { discord, world } = h;
    const i = discord.command({
      userId: world.max.id,
      channelId: world.general.id,
      permissions: world.adminPermissions,
      group: "prompt",
      sub: "set",
      options: [{ name: "text", value: "Answer like a pirate." }],
    });
    await waitFor(() => answered(i), 5000, "answer");
    assert.equal(i.callbacks[0]!.type, 5, "deferred first");
    assert.ok(discord.isEphemeral(i.original!.flags), "only the admin sees it");
    assert.doesNotMatch(i.original!.content, /Only admins/);
    h.claude.enqueue({ text: "Arr." });
    discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} hello` });
    await waitFor(() => h.claude.messageRequests().length === 1, 5000, "Claude request");
    assert.match(lastSystemPrompt(h), /Answer like a pirate\./);
  });

  it("refuses an admin subcommand to a member without Manage Server, and changes nothing", async () => {
    const { discord, world } = h;
    const i = discord.command({
      userId: world.ada.id,
      channelId: world.general.id,
      permissions: world.memberPermissions,
      group: "prompt",
      sub: "set",
      options: [{ name: "text", value: "Answer in French." }],
    });
    await waitFor(() => answered(i), 5000, "answer");
    assert.match(i.original!.content, /Only admins can set the system prompt/);
    assert.ok(discord.isEphemeral(i.original!.flags));
    h.claude.enqueue({ text: "Still a pirate." });
    const before = h.claude.messageRequests().length;
    discord.say({ channelId: world.general.id, authorId: world.ada.id, content: `${h.mention} again` });
    await waitFor(() => h.claude.messageRequests().length === before + 1, 5000, "Claude request");
    assert.match(lastSystemPrompt(h), /Answer like a pirate\./);
    assert.doesNotMatch(lastSystemPrompt(h), /French/);
  });

  it("translates budget set with a user option into the grammar (admin), and shows it to a member", async () => {
    const { discord, world } = h;
    const set = discord.command({
      userId: world.max.id,
      channelId: world.general.id,
      permissions: world.adminPermissions,
      group: "budget",
      sub: "set",
      options: [
        { name: "scope", value: "user" },
        { name: "period", value: "daily" },
        { name: "usd", value: 2.5, type: OptionType.Number },
        { name: "user", value: world.ada.id, type: OptionType.User },
      ],
    });
    await waitFor(() => answered(set), 5000, "budget set answer");
    assert.doesNotMatch(set.original!.content, /Usage:|Only admins/);
    const show = discord.command({ userId: world.ada.id, channelId: world.general.id, permissions: world.memberPermissions, group: "budget", sub: "show" });
    await waitFor(() => answered(show), 5000, "budget show answer");
    assert.match(show.visible().join("\n"), /2\.50/);
  });

  it("answers usage and help in a DM, where nobody is a platform admin", async () => {
    const { discord, world } = h;
    const usage = discord.command({ userId: world.ada.id, channelId: world.adaDM.id, sub: "usage", options: [{ name: "period", value: "7d" }] });
    await waitFor(() => answered(usage), 5000, "usage answer");
    assert.ok(discord.isEphemeral(usage.original!.flags));
    assert.doesNotMatch(usage.original!.content, /Usage: `/, "the period option was understood");
    const forget = discord.command({ userId: world.ada.id, channelId: world.adaDM.id, sub: "forget" });
    await waitFor(() => answered(forget), 5000, "forget answer");
    assert.doesNotMatch(forget.original!.content, /Only admins/, "anyone may forget their DM");
    const forgetInChannel = discord.command({ userId: world.ada.id, channelId: world.general.id, permissions: world.memberPermissions, sub: "forget" });
    await waitFor(() => answered(forgetInChannel), 5000, "forget answer");
    assert.match(forgetInChannel.original!.content, /Only admins/);
  });
});
