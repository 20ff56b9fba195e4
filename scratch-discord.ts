import { Client, GatewayIntentBits, Partials, Events } from "discord.js";
import { startFakeDiscord } from "./test/fakes/discord/index.ts";
const fake = await startFakeDiscord();
const g = fake.state.addGuild("Test");
const ch = fake.state.addTextChannel(g.id, "general");
const alice = fake.state.addUser("alice");
fake.state.addMember(g.id, alice.id);
const dmUser = fake.state.addUser("bob");
const dm = fake.state.addDM(dmUser.id);
const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages], partials: [Partials.Channel], rest: { api: fake.url } });
client.on(Events.Debug, (m) => { if (process.env.DEBUG) console.log("debug", m); });
client.on(Events.MessageCreate, async (m) => {
  console.log("messageCreate", m.id, m.channelId, m.author.tag, JSON.stringify(m.content), m.channel.type, m.mentions.users.map(u=>u.id));
  if (m.author.id === client.user!.id || (m.type !== 0 && m.type !== 19)) return;
  if (m.guildId) {
    const t = await m.startThread({ name: "hello thread" });
    console.log("thread", t.id, t.parentId);
    const r = await t.send("hi in thread");
    await t.messages.edit(r.id, { content: "edited" });
    try { await m.startThread({ name: "x" }); } catch (e) { console.log("err", (e as {code:number}).code); }
  } else {
    await m.channel.send("dm reply");
  }
});
client.on(Events.InteractionCreate, async (i) => {
  if (!i.isChatInputCommand()) return;
  console.log("interaction", i.commandName, i.options.getSubcommandGroup(false), i.options.getSubcommand(), i.memberPermissions?.bitfield);
  await i.deferReply({ flags: 64 });
  await i.editReply("done");
  await i.followUp({ content: "more", flags: 64 });
});
const ready = new Promise((r) => client.once(Events.ClientReady, r));
await client.login(fake.token);
await ready;
console.log("ready", client.user?.tag, client.application?.id, client.guilds.cache.size, client.channels.cache.size);
await client.application!.commands.set([{ name: "palaver", description: "x" }], g.id);
fake.say({ channelId: ch.id, authorId: alice.id, content: `<@${fake.state.bot.id}> hello there` });
fake.say({ channelId: dm.id, authorId: dmUser.id, content: `hi dm` });
await new Promise((r) => setTimeout(r, 800));
const inter = fake.command({ userId: alice.id, channelId: ch.id, permissions: 32n, group: "prompt", sub: "set", options: [{ name: "text", value: "be nice" }] });
await new Promise((r) => setTimeout(r, 800));
console.log(inter.callbacks, inter.visible());
fake.gateway.dropConnection();
await new Promise((r) => setTimeout(r, 1500));
console.log("resumes", fake.gateway.resumes, "connections", fake.gateway.connections);
console.log(fake.calls.map(c => `${c.method} ${c.path} ${c.status}`).join("\n"));
await client.destroy();
await fake.close();
