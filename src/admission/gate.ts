// The gate every inbound message passes before Palaver spends anything on it: access lists, DMs
// on/off, the per-user request rate, and spending budgets. A refusal is one short reply naming the
// reason (for limits: which limit, what was spent or used, and when it resets), never silence.
import { budgetRefusal } from "./budget-wording.ts";
import { SpendingBudgets } from "./budget.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import { estimateTextTokens } from "../context/history.ts";
import type { PriceTable } from "../claude/pricing.ts";
import { UserRateLimiter } from "./user-rate.ts";
import type { Db } from "../store/db.ts";
import type { InboundMessage } from "../types.ts";
import { noMetrics, type Metrics } from "../ops/metrics.ts";

/** Held while a Claude request is in flight; released once its usage is recorded. */
export interface Admission {
  release(): void;
}

export type GateResult = { ok: true; admission: Admission } | { ok: false; reply: string };

export interface GateRequest {
  message: InboundMessage;
  model: string;
  /** The reply's max_tokens (defaults to config.maxTokens): bounds the output in the estimate. */
  maxTokens?: number;
  /** Web searches the request may run (PALAVER_WEB_MAX_USES when the web is on, else 0). */
  webSearches?: number;
  /** Input tokens of the message's files (images after the model's resize, PDF pages). */
  fileTokens?: number;
}

export interface GateDeps {
  db: Db;
  clock: Clock;
  prices: PriceTable;
  metrics?: Metrics;
}

export class Gate {
  /** Limits and spend; the /palaver budget command reads and changes the same instance. */
  readonly spending: SpendingBudgets;
  private readonly rate?: UserRateLimiter;
  private readonly lastRequestStmt;

  constructor(
    private readonly config: Config,
    private readonly deps: GateDeps,
  ) {
    this.spending = new SpendingBudgets(deps.db, config.budgets, deps.clock);
    this.rate = config.access.userRate ? new UserRateLimiter(config.access.userRate, deps.clock) : undefined;
    this.lastRequestStmt = deps.db.prepare<[string], { prompt: number; output: number }>(
      `SELECT input_tokens + cache_write_tokens + cache_read_tokens AS prompt, output_tokens AS output
       FROM usage WHERE conversation_id = ? ORDER BY id DESC LIMIT 1`,
    );
  }

  admit(request: GateRequest): GateResult {
    const { message } = request;
    const access = this.config.access;
    if (message.isDM && !access.dms) {
      return { ok: false, reply: "Direct messages to Palaver are turned off here; mention me in a channel instead." };
    }
    if (access.allowedUsers.length > 0 && !access.allowedUsers.includes(message.author.id)) {
      return { ok: false, reply: "Sorry, you are not on the list of people who may use Palaver; ask an admin." };
    }
    if (!message.isDM && access.allowedChannels.length > 0 && !access.allowedChannels.includes(message.channelId)) {
      return { ok: false, reply: "Palaver is not enabled in this channel; ask an admin to add it." };
    }
    const rate = this.rate?.check(message.author.id);
    if (rate && !rate.ok) return { ok: false, reply: rate.reply };

    const target = { workspaceId: message.workspaceId, channelId: message.channelId, userId: message.author.id };
    const check = this.spending.reserve(target, this.estimateMicros(request));
    if (!check.ok) {
      (this.deps.metrics ?? noMetrics).budgetRefused(check.refusal.scope);
      return { ok: false, reply: budgetRefusal(check.refusal, this.deps.clock.now()) };
    }
    this.rate?.record(message.author.id);
    return { ok: true, admission: check.reservation };
  }

  /**
   * A deliberately high guess at what the request will cost, reserved while it runs: the last
   * request's prompt and reply in this conversation (the history only grows), plus the new
   * message, all at the uncached input price, plus a full max_tokens of output.
   */
  estimateMicros(request: GateRequest): number {
    const last = this.lastRequestStmt.get(request.message.conversationId);
    const inputTokens = (last ? last.prompt + last.output : 0) + estimateTextTokens(request.message.text) + (request.fileTokens ?? 0);
    const cost = this.deps.prices.costMicros(request.model, {
      inputTokens,
      outputTokens: request.maxTokens ?? this.config.maxTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      // Every search the reply may run, each billed apart from tokens (priced in costMicros).
      webSearchRequests: request.webSearches ?? 0,
    });
    // A model without a price is recorded with an unknown cost, so nothing can be reserved for it.
    return cost ?? 0;
  }
}
