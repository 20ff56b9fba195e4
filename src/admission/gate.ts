// The gate every inbound message passes before Palaver spends anything on it: access lists, DMs
// on/off, the per-user request rate, and spending budgets. A refusal is one short reply naming the
// reason (for limits: which limit, what was spent or used, and when it resets), never silence.
import { budgetRefusal } from "./budget-wording.ts";
import { SpendingBudgets, type BudgetTarget } from "./budget.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Config } from "../runtime/config.ts";
import { estimateTextTokens } from "../context/history.ts";
import type { PriceTable } from "../claude/pricing.ts";
import { UserRateLimiter } from "./user-rate.ts";
import { sql, type Db } from "../store/sql.ts";
import type { InboundMessage } from "../types.ts";
import { noMetrics, type Metrics } from "../ops/metrics.ts";

/** Held while a Claude request is in flight; released once its usage is recorded. */
export interface Admission {
  /** Reserve one more request before sending it (a retry of the same reply). */
  extend(): Promise<void>;
  release(): Promise<void>;
}

export type GateResult = { ok: true; admission: Admission } | { ok: false; reply: string };

export interface GateRequest {
  message: InboundMessage;
  model: string;
  /** The reply's max_tokens (defaults to config.maxTokens): bounds the output in the estimate. */
  maxTokens?: number;
  /**
   * Estimated input tokens of the request as it will be sent (system prompt, the whole history
   * built for it, attachments): see requestTokens() in src/context/history.ts.
   */
  promptTokens?: number;
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

  constructor(
    private readonly config: Config,
    private readonly deps: GateDeps,
  ) {
    this.spending = new SpendingBudgets(deps.db, config.budgets, deps.clock);
    this.rate = config.access.userRate ? new UserRateLimiter(config.access.userRate, deps.db, deps.clock) : undefined;
  }

  /**
   * The checks that need no estimate: access, the request rate, and a budget that is already used
   * up. Made before the thread is fetched and the history built, so a refused message costs no
   * platform calls; admit() then checks again with the request's real size and reserves it.
   */
  async screen(message: InboundMessage): Promise<{ ok: true } | { ok: false; reply: string }> {
    const refused = await this.refusal(message);
    if (refused) return { ok: false, reply: refused };
    const exhausted = await this.spending.exhausted(targetOf(message));
    if (exhausted) {
      (this.deps.metrics ?? noMetrics).budgetRefused(exhausted.scope);
      return { ok: false, reply: budgetRefusal(exhausted, this.deps.clock.now()) };
    }
    return { ok: true };
  }

  async admit(request: GateRequest): Promise<GateResult> {
    const { message } = request;
    const refused = await this.refusal(message);
    if (refused) return { ok: false, reply: refused };
    const check = await this.spending.reserve(targetOf(message), await this.estimateMicros(request));
    if (!check.ok) {
      (this.deps.metrics ?? noMetrics).budgetRefused(check.refusal.scope);
      return { ok: false, reply: budgetRefusal(check.refusal, this.deps.clock.now()) };
    }
    await this.rate?.record(message.author.id);
    return { ok: true, admission: check.reservation };
  }

  /** Access lists, DMs and the request rate: the reply naming the reason, if any. */
  private async refusal(message: InboundMessage): Promise<string | undefined> {
    const access = this.config.access;
    if (message.isDM && !access.dms) {
      return "Direct messages to Palaver are turned off here; mention me in a channel instead.";
    }
    if (access.allowedUsers.length > 0 && !access.allowedUsers.includes(message.author.id)) {
      return "Sorry, you are not on the list of people who may use Palaver; ask an admin.";
    }
    if (!message.isDM && access.allowedChannels.length > 0 && !access.allowedChannels.includes(message.channelId)) {
      return "Palaver is not enabled in this channel; ask an admin to add it.";
    }
    const rate = await this.rate?.check(message.author.id);
    if (rate && !rate.ok) return rate.reply;
    return undefined;
  }

  /**
   * A deliberately high guess at what the request will cost, reserved while it runs: the request
   * as it will be sent (system prompt, whole history, attachments: `promptTokens`), or, if the
   * API counted more last time, the last request's prompt and reply in this conversation plus
   * the new message; all at the 5-minute cache-write price (1.25× input, the dearest way an input
   * token is billed: every request marks cache breakpoints), plus a full max_tokens of output.
   * A model without a price is reserved at the most expensive model's price, as it is charged.
   */
  async estimateMicros(request: GateRequest): Promise<number> {
    const last = await this.deps.db.get<{ prompt: number; output: number }>(
      sql`SELECT input_tokens + cache_write_tokens + cache_read_tokens AS prompt, output_tokens AS output
          FROM usage WHERE conversation_id = ${request.message.conversationId} ORDER BY id DESC LIMIT 1`,
    );
    const fromLast = (last ? last.prompt + last.output : 0) + estimateTextTokens(request.message.text) + (request.fileTokens ?? 0);
    return this.deps.prices.chargeMicros(request.model, {
      inputTokens: 0,
      outputTokens: request.maxTokens ?? this.config.maxTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: Math.max(fromLast, request.promptTokens ?? 0),
      // Every search the reply may run, each billed apart from tokens.
      webSearchRequests: request.webSearches ?? 0,
    });
  }
}

function targetOf(message: InboundMessage): BudgetTarget {
  return { workspaceId: message.workspaceId, channelId: message.channelId, userId: message.author.id };
}
