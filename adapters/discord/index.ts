// Palaver on Discord (issue 4), through discord.js v14. The only folder that imports discord.js.
//   inbound.ts      which messages get answered, in which conversation, where the reply goes
//   threads.ts      opening a thread on a mention (160004 → the existing thread)
//   history.ts      reading threads and reply chains back over REST
//   surface.ts      typing, post, edit, within per-channel budgets (limits.ts)
//   edits.ts        edits and deletions → the stored history
//   commands.ts     /palaver's definition and its translation to the text grammar
//   interactions.ts answering /palaver (ephemeral, deferred when slow)
//   ids.ts          Palaver ids for Discord things (encoded and decoded only here)
import { Events, RESTEvents, Status, type ChatInputCommandInteraction, type Client, type Message, type RateLimitData } from "discord.js";
import type { DiscordConfig } from "../../src/runtime/config.ts";
import { maskSecret } from "../../src/runtime/config.ts";
import { PalaverError } from "../../src/errors.ts";
import type { Logger } from "../../src/runtime/log.ts";
import { PriceTable } from "../../src/claude/pricing.ts";
import type { Adapter, BotApi, ReplySurface } from "../../src/types.ts";
import { COMMAND_NAME, commandDefinition } from "./commands.ts";
import { createClient, inviteUrl } from "./client.ts";
import { onRawPacket } from "./edits.ts";
import { DiscordHistory } from "./history.ts";
import { decodeSurfaceAddress, type SurfaceTarget } from "./ids.ts";
import { onMessageCreate, type InboundContext } from "./inbound.ts";
import { answerCommand } from "./interactions.ts";
import { DEFER_AFTER_MS } from "./limits.ts";
import { DiscordSurface } from "./surface.ts";

export interface DiscordAdapterOptions {
  /** Model ids offered by `/palaver model set` (default: the built-in price table's). */
  models?: readonly string[];
  /** Defer a /palaver answer when the core takes longer than this (default DEFER_AFTER_MS; 0 = always). */
  deferAfterMs?: number;
}

export function createDiscordAdapter(config: DiscordConfig, logger: Logger, options: DiscordAdapterOptions = {}): DiscordAdapter {
  return new DiscordAdapter(config, logger.child({ platform: "discord" }), {
    models: options.models ?? new PriceTable().models(),
    deferAfterMs: options.deferAfterMs ?? DEFER_AFTER_MS,
  });
}

export class DiscordAdapter implements Adapter {
  readonly platform = "discord" as const;
  readonly client: Client;
  private readonly history: DiscordHistory;
  private readonly running = new Set<Promise<void>>();
  private bot: BotApi | undefined;
  private stopping = false;

  constructor(
    private readonly config: DiscordConfig,
    private readonly logger: Logger,
    private readonly options: Required<DiscordAdapterOptions>,
  ) {
    this.client = createClient(config);
    this.history = new DiscordHistory(this.client.rest, () => this.client.user?.id ?? "");
  }

  async start(bot: BotApi): Promise<void> {
    this.bot = bot;
    const client = this.client;
    client.on(Events.MessageCreate, (message) => this.track(this.onMessage(message), { message: message.id }));
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
        this.track(this.onCommand(interaction), { interaction: interaction.id });
      }
    });
    client.on(Events.Raw, (packet: Parameters<typeof onRawPacket>[3]) => {
      if (this.stopping || !client.isReady()) return;
      // Runs inside discord.js's gateway handling: anything thrown here would surface there as an
      // unhandled rejection and end the process, so it is logged and the packet skipped.
      this.track(
        onRawPacket(client, bot, this.history, packet).catch((err: unknown) =>
          this.logger.error({ err, event: packet.t }, "discord: gateway event handling failed"),
        ),
        { event: packet.t },
      );
    });
    client.on(Events.Error, (err) => this.logger.error({ err }, "discord: client error"));
    client.on(Events.ShardError, (err) => this.logger.warn({ err }, "discord: gateway connection error (discord.js reconnects)"));
    client.on(Events.Warn, (message) => this.logger.warn({ message }, "discord: warning"));
    // Emitted each time discord.js holds a request for a rate-limit bucket, which includes the
    // retry after a 429 (discord.js REST, RESTEvents.RateLimited). `route` has its ids replaced
    // by ":id", so it is a bounded label.
    client.rest.on(RESTEvents.RateLimited, (info: RateLimitData) => {
      this.logger.warn({ route: info.route, method: info.method, retryAfterMs: info.retryAfter, global: info.global }, "discord: rate limited; waiting");
      bot.platformRateLimited("discord", `${info.method.toUpperCase()} ${info.route}`);
    });

    const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
    try {
      await client.login(this.config.botToken);
    } catch (err) {
      throw new PalaverError(
        "adapter_failed",
        `discord: could not log in with DISCORD_BOT_TOKEN ${maskSecret(this.config.botToken)} (check the token in the Developer Portal)`,
        { cause: err },
      );
    }
    const me = await ready;
    // The invite link is logged before /palaver is registered: registering to DISCORD_GUILD_ID
    // fails until the bot is in that server, and the operator needs the link to put it there.
    const invite = inviteUrl(me.application.id);
    this.logger.info(
      { bot: me.user.tag, invite, replyMode: this.config.replyMode, api: this.config.apiUrl ?? "default" },
      `discord: connected as ${me.user.tag}; invite it with ${invite}`,
    );
    await this.registerCommand(me);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // The core drained its replies before stopping adapters: wait for our handlers to return.
    await Promise.allSettled([...this.running]);
    await this.client.destroy();
  }

  /** Connected while every gateway shard is READY (a resume or reconnect in progress is not). */
  connected(): boolean {
    const shards = this.client.ws.shards;
    return !this.stopping && this.client.isReady() && shards.size > 0 && shards.every((shard) => shard.status === Status.Ready);
  }

  reopen(address: string): ReplySurface {
    const target = decodeSurfaceAddress(address);
    if (!target) throw new PalaverError("adapter_failed", `discord: cannot reopen "${address}": not a Discord reply address`);
    return this.surface(target);
  }

  private surface(target: SurfaceTarget): DiscordSurface {
    return new DiscordSurface(this.client.rest, target, { posted: (m) => this.history.remember(m) });
  }

  private context(): InboundContext {
    const client = this.client;
    if (!this.bot || !client.isReady()) throw new PalaverError("adapter_failed", "discord: not started");
    return {
      client,
      bot: this.bot,
      history: this.history,
      replyMode: this.config.replyMode,
      logger: this.logger,
      surface: (t) => this.surface(t),
    };
  }

  private async onMessage(message: Message): Promise<void> {
    if (this.stopping) return;
    await onMessageCreate(this.context(), message);
  }

  private async onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    if (this.stopping) return;
    await answerCommand(interaction, this.context().bot, this.logger, this.options.deferAfterMs);
  }

  /** Guild command when DISCORD_GUILD_ID is set (updates at once), else global (propagates). */
  private async registerCommand(client: Client<true>): Promise<void> {
    const guildId = this.config.guildId;
    try {
      const commands = [commandDefinition(this.options.models)];
      if (guildId) await client.application.commands.set(commands, guildId);
      else await client.application.commands.set(commands);
    } catch (err) {
      const where = guildId ? `in guild ${guildId} (DISCORD_GUILD_ID; is the bot in that server?)` : "globally";
      throw new PalaverError("adapter_failed", `discord: could not register /${COMMAND_NAME} ${where}`, { cause: err });
    }
    this.logger.info({ scope: guildId ? `guild ${guildId}` : "global" }, `discord: /${COMMAND_NAME} registered`);
  }

  /** Every event handler runs here: kept until done, and its failure logged in one place. */
  private track(work: Promise<void>, context: Record<string, string>): void {
    const tracked = work.then(
      () => undefined,
      (err: unknown) => this.logger.error({ err, ...context }, "discord: event handling failed"),
    );
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }
}
