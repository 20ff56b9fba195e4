// Palaver assembled: database, Claude client, settings, gate, bot and the adapters around them.
// Start-up (then recovery, src/pipeline/recovery.ts) and graceful shutdown.
import { randomUUID } from "node:crypto";
import type { Adapter } from "../types.ts";
import type { Config } from "./config.ts";
import { maskSecret } from "./config.ts";
import { systemClock, type Clock } from "./clock.ts";
import { createLogger, type Logger } from "./log.ts";
import type { Db } from "../store/sql.ts";
import { sql } from "../store/sql.ts";
import { describeStore, openStore } from "../store/open.ts";
import { ClaudeClient } from "../claude/client.ts";
import { PriceTable } from "../claude/pricing.ts";
import { Settings } from "../context/settings.ts";
import { Gate } from "../admission/gate.ts";
import { Bot, type CommandRunner } from "../pipeline/handle.ts";
import { CommandExecutor } from "../commands/execute.ts";
import { UsageReports } from "../usage/report.ts";
import { ForgetStore } from "../store/forgotten.ts";
import { Budgets } from "../reply/rate-budgets.ts";
import { Ownership } from "../pipeline/ownership.ts";
import { InstanceStore } from "../store/instances.ts";
import { describeError, PalaverError } from "../errors.ts";
import { PrometheusMetrics } from "../ops/prometheus.ts";
import { OpsServer, type Readiness } from "../ops/server.ts";

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  /** Base delay of our own retries of a mid-stream overload (tests shorten it). */
  retryBaseMs?: number;
  /** How long a Files API upload may take before the turn sends the file inline (tests shorten it). */
  uploadTimeoutMs?: number;
  commands?: CommandRunner;
  /**
   * Serve health, metrics and adapter endpoints on config.port (default true). Only the
   * terminal chat turns it off: it is not a deployment, and a second one would clash on PORT.
   */
  http?: boolean;
}

export class App {
  readonly bot: Bot;
  readonly prices: PriceTable;
  readonly settings: Settings;
  readonly claude: ClaudeClient;
  /** Admission: access, rate and the spending limits with their reservations. */
  readonly gate: Gate;
  /** This instance's id and heartbeat, and the adoption of what stopped instances left. */
  readonly ownership: Ownership;
  readonly metrics = new PrometheusMetrics();
  private readonly server?: OpsServer;
  private adapters: Adapter[] = [];
  private started = false;
  private draining = false;
  private stopped = false;

  private constructor(
    readonly config: Config,
    readonly db: Db,
    readonly logger: Logger,
    readonly clock: Clock,
    prices: PriceTable,
    options: AppOptions,
  ) {
    this.prices = prices;
    this.settings = new Settings(db, config, clock);
    this.claude = new ClaudeClient({
      apiKey: config.anthropicApiKey,
      baseURL: config.anthropicBaseUrl,
      maxRetries: config.claudeMaxRetries,
      retryBaseMs: options.retryBaseMs,
      logger,
      filesApi: config.filesApi,
      uploadTimeoutMs: options.uploadTimeoutMs,
    });
    const gate = new Gate(config, { db, clock, prices: this.prices, metrics: this.metrics });
    this.gate = gate;
    // /palaver (src/commands): reads and changes the same settings and spending limits the bot uses.
    const commands: CommandRunner =
      options.commands ??
      new CommandExecutor({
        config,
        clock,
        settings: this.settings,
        prices: this.prices,
        spending: gate.spending,
        reports: new UsageReports(db, this.prices),
        // Uploads are deleted from Claude even with PALAVER_FILES_API now off: they were made earlier.
        forgets: new ForgetStore(db, this.claude.files),
      });
    this.bot = new Bot({
      db,
      config,
      logger,
      clock,
      claude: this.claude,
      prices: this.prices,
      gate,
      commands,
      settings: this.settings,
      budgets: new Budgets(),
      metrics: this.metrics,
      instanceId: randomUUID(),
    });
    const bot = this.bot;
    this.ownership = new Ownership(bot.instanceId, {
      instances: new InstanceStore(db),
      leases: bot.leases,
      pruneReservations: () => gate.spending.pruneExpired(),
      replies: bot.replies,
      inbox: bot.inbox,
      budgets: bot.budgets,
      clock,
      logger,
      resume: (message, surface) => bot.resume(message, surface),
    });
    if (options.http ?? true) {
      this.server = new OpsServer({
        port: config.port,
        logger,
        readiness: () => this.readiness(),
        metrics: () => this.metrics.render(),
        metricsToken: config.metricsToken,
        endpoints: () => this.adapters.flatMap((adapter) => adapter.endpoints?.() ?? []),
      });
    }
  }

  /** The port Palaver's HTTP server listens on (after start; undefined without a server). */
  get httpPort(): number | undefined {
    return this.server?.port;
  }

  /**
   * GET /readyz: ready when started, not draining, the database answers, and every enabled
   * platform is connected. The first reason found is the one given.
   */
  async readiness(): Promise<Readiness> {
    if (this.draining) return { ready: false, reason: "draining: Palaver is shutting down" };
    if (!this.started) return { ready: false, reason: "starting" };
    try {
      await this.db.get(sql`SELECT 1 AS one`);
    } catch (err) {
      return { ready: false, reason: `database: ${describeError(err).message}` };
    }
    const down = this.adapters.filter((adapter) => !adapter.connected()).map((adapter) => adapter.platform);
    if (down.length > 0) return { ready: false, reason: `not connected: ${down.join(", ")}` };
    return { ready: true };
  }

  static async create(config: Config, options: AppOptions = {}): Promise<App> {
    const logger = options.logger ?? createLogger(config.logLevel);
    const prices = PriceTable.load(config.pricesFile);
    if (!prices.has(config.model)) {
      // Every request is charged against the budgets; the default model must have a price or
      // each request would be charged at a guess (see PriceTable.chargeMicros).
      throw new PalaverError(
        "config_invalid",
        `PALAVER_MODEL=${config.model} has no price: add it to the JSON file PALAVER_PRICES_FILE names ({"${config.model}": {"input": USD/MTok, "output": USD/MTok}}) or choose a priced model`,
      );
    }
    const db = await openStore(config);
    logger.info(
      {
        env: config.env,
        model: config.model,
        database: describeStore(config),
        apiKeyLast4: maskSecret(config.anthropicApiKey),
        claudeBaseUrl: config.anthropicBaseUrl ?? "default",
      },
      "Palaver starting",
    );
    return new App(config, db, logger, options.clock ?? systemClock, prices, options);
  }

  /**
   * Start the adapters, then finish what stopped processes left on their platforms (replies cut
   * mid-stream, messages still queued), now and every few seconds (src/pipeline/ownership.ts).
   */
  async start(adapters: Adapter[]): Promise<void> {
    this.adapters = adapters;
    if (this.server) {
      // First, so /livez answers (and /readyz says "starting") while the platforms connect.
      const port = await this.server.listen();
      this.logger.info({ port }, "HTTP server listening (/livez, /readyz, /metrics)");
    }
    await this.ownership.register();
    await this.bot.events.prune(this.clock.now());
    for (const adapter of adapters) {
      await adapter.start(this.bot);
      this.logger.info({ platform: adapter.platform }, "adapter started");
    }
    await this.ownership.start(adapters);
    this.started = true;
  }

  /** Graceful stop: no new work, in-flight replies get the grace period, then adapters and DB close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // /readyz answers 503 from now on, so a load balancer stops sending work while replies finish.
    this.draining = true;
    await this.ownership.stopChecking();
    await this.bot.drain(this.config.shutdownGraceMs);
    await this.ownership.release();
    for (const adapter of this.adapters) {
      try {
        await adapter.stop();
      } catch (err) {
        this.logger.warn({ err: describeError(err), platform: adapter.platform }, "adapter did not stop cleanly");
      }
    }
    await this.db.close();
    // Last: /livez keeps answering while replies drain and adapters disconnect.
    await this.server?.close();
    this.logger.info("Palaver stopped");
  }
}
