// An in-memory reply surface: the "platform screen" for core tests. It records every post and
// edit, keeps what each message shows, and can be told to fail calls, like a platform would.
import { appendIndicator } from "../../src/reply/markdown/indicator.ts";
import type { RateBudget, ReplySurface, SurfaceLimits } from "../../src/types.ts";

export interface SurfaceCall {
  kind: "post" | "edit" | "thinking";
  id?: string;
  text?: string;
  final?: boolean;
  at: number;
}

export interface RecordingSurfaceOptions {
  maxMessageLength?: number;
  editIntervalMs?: number;
  editBudgets?: RateBudget[];
  postBudgets?: RateBudget[];
  streamingIndicator?: string;
  thinking?: boolean;
  /** Simulated platform latency per call. */
  callDelayMs?: number;
}

/** Message ids are unique across every screen, as platform ids are. */
let nextMessage = 0;

/** Shared by many surfaces, like one platform workspace holding many messages. */
export class FakeScreen {
  readonly messages = new Map<string, string>();
  readonly order: string[] = [];
  nextId(): string {
    return `test:msg-${++nextMessage}`;
  }
}

export class RecordingSurface implements ReplySurface {
  readonly calls: SurfaceCall[] = [];
  readonly limits: SurfaceLimits;
  /** Fail the next N edits (a platform 5xx / network blip). */
  failEdits = 0;
  failPosts = 0;
  /** Throw from the next N format() calls: an adapter's converter choking on some text. */
  failFormats = 0;
  private inFlight = 0;
  /** Highest number of calls ever running at once on this surface. */
  maxConcurrent = 0;
  private readonly thinking: boolean;
  private readonly callDelayMs: number;

  constructor(
    readonly address: string = "test:surface",
    options: RecordingSurfaceOptions = {},
    readonly screen: FakeScreen = new FakeScreen(),
  ) {
    this.limits = {
      maxMessageLength: options.maxMessageLength ?? 4000,
      editIntervalMs: options.editIntervalMs ?? 20,
      editBudgets: options.editBudgets ?? [],
      postBudgets: options.postBudgets ?? [],
      streamingIndicator: options.streamingIndicator ?? " ▍",
    };
    this.thinking = options.thinking ?? false;
    this.callDelayMs = options.callDelayMs ?? 0;
    if (this.thinking) {
      this.showThinking = async (status?: string) => {
        this.calls.push({ kind: "thinking", at: Date.now(), ...(status !== undefined ? { text: status } : {}) });
      };
    }
  }

  showThinking?: (status?: string) => Promise<void>;

  format(markdown: string, indicator = ""): string {
    if (this.failFormats > 0) {
      this.failFormats--;
      throw new Error("fake platform: could not format this text");
    }
    return appendIndicator(markdown, indicator);
  }

  private async enter<T>(fn: () => T): Promise<T> {
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    try {
      if (this.callDelayMs > 0) await new Promise((r) => setTimeout(r, this.callDelayMs));
      return fn();
    } finally {
      this.inFlight--;
    }
  }

  post(text: string): Promise<string> {
    return this.enter(() => {
      if (this.failPosts > 0) {
        this.failPosts--;
        throw new Error("fake platform: post failed");
      }
      const id = this.screen.nextId();
      this.screen.messages.set(id, text);
      this.screen.order.push(id);
      this.calls.push({ kind: "post", id, text, at: Date.now() });
      return id;
    });
  }

  edit(id: string, text: string, final: boolean): Promise<void> {
    return this.enter(() => {
      if (this.failEdits > 0) {
        this.failEdits--;
        throw new Error("fake platform: edit failed");
      }
      if (!this.screen.messages.has(id)) throw new Error(`fake platform: no message ${id}`);
      this.screen.messages.set(id, text);
      this.calls.push({ kind: "edit", id, text, final, at: Date.now() });
    });
  }

  /** Texts of the messages this surface posted, in order, as they are on screen now. */
  shown(): string[] {
    const ids = this.calls.filter((c) => c.kind === "post").map((c) => c.id!);
    return ids.map((id) => this.screen.messages.get(id)!);
  }

  edits(): SurfaceCall[] {
    return this.calls.filter((c) => c.kind === "edit");
  }
}
