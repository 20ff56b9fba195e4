// A minimal in-process reply surface for benchmarks: it keeps what each message shows and stamps,
// with performance.now(), the moments a benchmark cares about (first post, first visible text,
// first "thinking" call). Nothing else, so the surface itself costs next to nothing.
import { performance } from "node:perf_hooks";
import type { ReplySurface, SurfaceLimits } from "../../src/types.ts";
import { PLACEHOLDER_TEXT } from "../../src/reply/renderer.ts";

/** Slack's and Discord's adapters both edit at most once a second (adapters/slack/limits.ts, adapters/discord/limits.ts). */
export const PLATFORM_EDIT_INTERVAL_MS = 1_000;

let nextId = 0;

export interface TimedSurfaceOptions {
  editIntervalMs?: number;
  /** Provide showThinking (as Slack and Discord do): the first post then carries text. */
  thinking?: boolean;
  maxMessageLength?: number;
}

export class TimedSurface implements ReplySurface {
  readonly limits: SurfaceLimits;
  readonly messages = new Map<string, string>();
  readonly order: string[] = [];
  firstPostAt?: number;
  firstTextAt?: number;
  firstThinkingAt?: number;
  posts = 0;
  edits = 0;
  lastFinal = false;
  showThinking?: () => Promise<void>;

  constructor(
    readonly address: string,
    options: TimedSurfaceOptions = {},
  ) {
    this.limits = {
      maxMessageLength: options.maxMessageLength ?? 4_000,
      editIntervalMs: options.editIntervalMs ?? PLATFORM_EDIT_INTERVAL_MS,
      editBudgets: [],
      postBudgets: [],
      streamingIndicator: " ▍",
    };
    if (options.thinking) {
      this.showThinking = () => {
        this.firstThinkingAt ??= performance.now();
        return Promise.resolve();
      };
    }
  }

  format(markdown: string): string {
    return markdown;
  }

  private seen(text: string): void {
    const now = performance.now();
    this.firstPostAt ??= now;
    if (this.firstTextAt === undefined && text !== PLACEHOLDER_TEXT && text.replace(this.limits.streamingIndicator, "").trim() !== "") {
      this.firstTextAt = now;
    }
  }

  post(text: string, final = false): Promise<string> {
    this.seen(text);
    const id = `console:bench-msg-${++nextId}`;
    this.messages.set(id, text);
    this.order.push(id);
    this.posts++;
    this.lastFinal = final;
    return Promise.resolve(id);
  }

  edit(messageId: string, text: string, final: boolean): Promise<void> {
    if (!this.messages.has(messageId)) return Promise.reject(new Error(`bench surface: no message ${messageId}`));
    this.seen(text);
    this.messages.set(messageId, text);
    this.edits++;
    this.lastFinal = final;
    return Promise.resolve();
  }

  /** The reply as it is on screen now (all its messages joined). */
  shown(): string {
    return this.order.map((id) => this.messages.get(id)!).join("");
  }
}
