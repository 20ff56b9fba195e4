// The terminal as a reply surface: a reply is printed as it streams. A terminal cannot rewrite
// what scrolled by, so an edit prints only what it adds to the text already shown.
import type { ReplySurface, SurfaceLimits } from "../../src/types.ts";

/** The terminal has no message size limit worth splitting at. */
const CONSOLE_MESSAGE_LIMIT = 1_000_000;
/** Printing is cheap: show new text every 30 ms. */
const CONSOLE_EDIT_INTERVAL_MS = 30;

export const CONSOLE_LIMITS: SurfaceLimits = {
  maxMessageLength: CONSOLE_MESSAGE_LIMIT,
  editIntervalMs: CONSOLE_EDIT_INTERVAL_MS,
  editBudgets: [],
  postBudgets: [],
  streamingIndicator: "",
};

export interface Output {
  write(text: string): unknown;
}

export class ConsoleSurface implements ReplySurface {
  readonly limits = CONSOLE_LIMITS;
  private printed = new Map<string, string>();
  private seq = 0;

  constructor(
    readonly address: string,
    private readonly out: Output,
    private readonly label: string,
  ) {}

  format(markdown: string): string {
    return markdown;
  }

  post(text: string): Promise<string> {
    const id = `console:local:reply-${Date.now()}-${this.seq++}`;
    this.out.write(this.label + text);
    this.printed.set(id, text);
    return Promise.resolve(id);
  }

  edit(messageId: string, text: string, final: boolean): Promise<void> {
    const before = this.printed.get(messageId) ?? "";
    if (text.startsWith(before)) this.out.write(text.slice(before.length));
    else this.out.write(`\n${this.label}${text}`);
    this.printed.set(messageId, text);
    if (final) this.out.write("\n");
    return Promise.resolve();
  }

  /** Nothing to show before the first text: the prompt is already waiting for it. */
  showThinking(): Promise<void> {
    return Promise.resolve();
  }
}
