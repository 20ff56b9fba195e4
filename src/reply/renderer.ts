// The streaming renderer: turns Claude's text deltas into posts and edits on a ReplySurface.
//
// - Deltas are coalesced: an edit always carries the latest text, never one edit per token.
// - At most one edit per `editIntervalMs`, and the next edit is scheduled only after the previous
//   one finished (a slow platform slows the cadence instead of piling up requests).
// - Every post/edit first draws from the surface's shared budgets (rate-budgets.ts). A message
//   that will be edited holds a slot for its final edit from the moment it is posted; progress
//   edits take only what the windows can spare. When a reply can get no such slot it goes quiet:
//   it posts nothing until its final text, which then goes out in one post.
// - Text past the surface's length limit continues in a new message (split.ts).
// - A failed post/edit is not dropped: the part stays dirty and the next flush carries the latest
//   text; the final flush retries until the screen shows exactly the reply.
import type { MessageWay, PostKey, ReplySurface } from "../types.ts";
import { BudgetWaitAborted, type Budgets, type Hold, type Stamps } from "./rate-budgets.ts";
import { splitOnce } from "./split.ts";
import { PalaverError } from "../errors.ts";

/** Re-show "thinking" this often: Discord's typing indicator lasts 10 s, Slack's status 2 min. */
export const THINKING_REFRESH_MS = 4_000;
/** Shown at once when the surface has no thinking indicator of its own. */
export const PLACEHOLDER_TEXT = "…";
/** Attempts for the final text of a message before the reply is reported as failed. */
const FINAL_ATTEMPTS = 6;
/** Backoff after a failed post/edit: base × 2ⁿ, capped. */
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5_000;
/** Formatted texts kept per reply (the current part with and without the indicator, a split's heads). */
const FORMAT_CACHE_SIZE = 8;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Part {
  /** Platform id once posted. */
  id?: string;
  /** Raw Markdown this message holds (for a sealed part: final; for the last: so far). */
  raw: string;
  /** Formatted text last shown on the platform, and whether that was its final edit. */
  shown?: string;
  /** The Markdown behind `shown` (what a failure keeps on screen). */
  shownRaw?: string;
  shownFinal: boolean;
  sealed: boolean;
  /** How the message is sent (chosen when it is first posted with text still to come). */
  way?: MessageWay;
  /** The slot held for the message's final edit, until spent. */
  hold?: Hold;
}

export interface RendererHooks {
  /** A new platform message now holds part `index` of the reply. */
  onPost?(index: number, id: string, raw: string): Promise<void>;
  /** Part `index` now shows `raw` on the platform (`final`: its last edit). */
  onUpdate?(index: number, id: string, raw: string, final: boolean): Promise<void>;
  /** A post or edit failed (it will be retried or coalesced). */
  onError?(err: unknown): void;
}

export interface RendererOptions {
  budgets: Budgets;
  /** Names the reply's posts (with the part index) so a platform can tell a repeat from a new message. */
  replyId?: string;
  hooks?: RendererHooks;
}

export class ReplyRenderer {
  private readonly parts: Part[] = [{ raw: "", shownFinal: false, sealed: false }];
  /** Where the last part's text starts in the full reply, and the fence it reopens. */
  private offset = 0;
  private carry = "";
  private text = "";
  private lastFlushEnd = 0;
  private failures = 0;
  private status?: string;
  private statusChanged?: () => void;
  /** Status shown while text streams; awaited before stream() resolves. */
  private statusShown: Promise<void> = Promise.resolve();
  /** Grants of the call being made (opening slots included), re-counted once it has finished. */
  private readonly callStamps: Stamps;

  constructor(
    private readonly surface: ReplySurface,
    private readonly options: RendererOptions,
  ) {
    this.callStamps = options.budgets.stamps();
  }

  /**
   * Show that a reply is coming, then stream `deltas` onto the surface. Resolves with the full
   * text once the deltas end and the last intermediate edit has finished.
   */
  async stream(deltas: AsyncIterable<string>): Promise<string> {
    const iterator = deltas[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<string>> | undefined = iterator.next();
    if (this.surface.showThinking) {
      // Keep the indicator alive until the first text arrives.
      let first: IteratorResult<string> | undefined;
      while (!first) {
        await this.safely(() => this.surface.showThinking!(this.status));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const refresh = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), THINKING_REFRESH_MS);
          // A new status (a search starting) is shown at once, not at the next refresh.
          this.statusChanged = () => resolve(undefined);
        });
        first = await Promise.race([pending, refresh]);
        this.statusChanged = undefined;
        clearTimeout(timer);
      }
      pending = undefined;
      if (first.done) return this.text;
      this.text += first.value;
    } else {
      await this.postPlaceholder();
    }
    // Read deltas while edits run: the reader never waits for the platform, the flusher always
    // sends the latest text.
    let ended = false;
    let wake: (() => void) | undefined;
    // When the deltas end, a progress edit still waiting for a budget slot is dropped: the final
    // text follows at once, so the slot is better spent on it (and on other replies).
    const streamEnded = new AbortController();
    const reader = (async () => {
      try {
        for (;;) {
          const r = await (pending ?? iterator.next());
          pending = undefined;
          if (r.done) break;
          this.text += r.value;
          wake?.();
        }
      } finally {
        ended = true;
        streamEnded.abort();
        wake?.();
      }
    })();
    while (!ended) {
      if (this.isDirty()) {
        const wait = this.lastFlushEnd + this.surface.limits.editIntervalMs - Date.now();
        if (wait > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, wait))), reader]);
          clearTimeout(timer);
        }
        if (ended) break;
        await this.flush(false, streamEnded.signal);
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
    await reader;
    await this.statusShown;
    return this.text;
  }

  /**
   * What Claude is doing besides writing ("searching the web…"), or undefined when that ends.
   * Before the first text it replaces the thinking indicator; after, surfaces that show a status
   * beside the message get it once.
   */
  setStatus(status: string | undefined): void {
    this.status = status;
    if (this.statusChanged) {
      this.statusChanged();
      return;
    }
    if (status !== undefined && this.surface.showThinking && this.text !== "") {
      this.statusShown = this.statusShown.then(async () => {
        await this.safely(() => this.surface.showThinking!(status));
      });
    }
  }

  /**
   * Put the final text on screen: every message gets its final edit and the last one ends with
   * `finalText` (Claude's text plus any note). Retries failures; throws PalaverError
   * ("surface_failed") only when the platform keeps refusing.
   */
  async finish(finalText: string): Promise<void> {
    this.text = finalText;
    try {
      for (let attempt = 0; ; attempt++) {
        const ok = await this.flush(true);
        if (ok) return;
        if (attempt + 1 >= FINAL_ATTEMPTS) {
          throw new PalaverError("surface_failed", `the platform refused the final text ${FINAL_ATTEMPTS} times`);
        }
        await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt));
      }
    } finally {
      // Whatever happened, this reply takes no more of the shared windows.
      for (const part of this.parts) part.hold?.release();
      this.options.budgets.leave(this);
    }
  }

  /**
   * The reply failed partway (not Claude: something of ours or the platform's): every message
   * keeps what it showed, without the streaming indicator, and the last one ends with `note`
   * (or, when that would not fit, the note follows in a message of its own). Nothing is laid out
   * again, so text that never reached the screen cannot break the repair. Retries like finish().
   */
  async fail(note: string): Promise<void> {
    const steps = this.failSteps(note);
    for (const step of steps) {
      for (let attempt = 0; ; attempt++) {
        const ok = await this.safely(step);
        if (ok) break;
        if (attempt + 1 >= FINAL_ATTEMPTS) {
          throw new PalaverError("surface_failed", `the platform refused the failure note ${FINAL_ATTEMPTS} times`);
        }
        await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt));
      }
    }
  }

  private failSteps(note: string): (() => Promise<void>)[] {
    const { maxMessageLength } = this.surface.limits;
    const posted = this.parts.map((part, index) => ({ part, index })).filter(({ part }) => part.id !== undefined);
    // Each step draws from the same windows as a final edit or post (take()), and counts its call.
    const counted = async (call: () => Promise<void>) => {
      try {
        await call();
      } finally {
        this.callStamps.done();
      }
    };
    const edit = (index: number, part: Part, raw: string) => async () => {
      await this.take(part, true);
      await counted(async () => {
        const text = this.surface.format(raw);
        await this.surface.edit(part.id!, text.length > 0 ? text : PLACEHOLDER_TEXT, true);
        part.shown = text;
        part.shownRaw = raw;
        part.shownFinal = true;
        await this.options.hooks?.onUpdate?.(index, part.id!, raw, true);
      });
    };
    const postNote = (index: number) => async () => {
      await this.take({ raw: note, shownFinal: false, sealed: true }, true);
      await counted(async () => {
        const id = await this.surface.post(this.surface.format(note), true, undefined, this.key(index));
        await this.options.hooks?.onPost?.(index, id, note);
      });
    };
    const last = posted[posted.length - 1];
    if (!last) return [postNote(0)];
    const steps = posted
      .filter(({ part }) => part !== last.part && !part.shownFinal)
      .map(({ part, index }) => edit(index, part, part.shownRaw ?? ""));
    const kept = last.part.shownRaw ?? "";
    const withNote = kept.trim() === "" ? note : `${kept}\n\n${note}`;
    if (this.surface.format(withNote).length <= maxMessageLength) {
      steps.push(edit(last.index, last.part, withNote));
    } else {
      steps.push(edit(last.index, last.part, kept), postNote(this.parts.length));
    }
    return steps;
  }

  private key(part: number): PostKey | undefined {
    return this.options.replyId === undefined ? undefined : { replyId: this.options.replyId, part };
  }

  /** The ways the surface offers for a message that will be edited, best first. */
  private ways(): MessageWay[] {
    const l = this.surface.limits;
    return (
      l.ways ?? [
        { kind: "default", open: [], post: l.postBudgets, progress: l.editBudgets, final: l.editBudgets, streamingIndicator: l.streamingIndicator },
      ]
    );
  }

  /**
   * Choose how `part` is sent: the first way whose final edit can be held and whose opening
   * slots are free. False when none can: the reply stays quiet for now.
   */
  private chooseWay(part: Part): boolean {
    if (part.way) return true;
    const budgets = this.options.budgets;
    for (const way of this.ways()) {
      const hold = budgets.reserve(way.final, this);
      if (!hold) continue;
      if (way.open.length > 0 && !budgets.tryAcquire(way.open, this.callStamps)) {
        hold.release();
        continue;
      }
      part.way = way;
      part.hold = hold;
      return true;
    }
    return false;
  }

  private async postPlaceholder(): Promise<void> {
    const part = this.parts[0]!;
    if (part.id || !this.chooseWay(part)) return;
    const stamps = this.callStamps;
    await this.options.budgets.acquire(part.way!.post, false, undefined, stamps);
    await this.safely(async () => {
      part.id = await this.surface.post(PLACEHOLDER_TEXT, false, part.way!.kind, this.key(0));
      part.shown = PLACEHOLDER_TEXT;
      part.shownRaw = "";
      await this.options.hooks?.onPost?.(0, part.id, "");
    });
    stamps.done();
    this.lastFlushEnd = Date.now();
  }

  /**
   * Take the budgets one post or edit of `part` needs. Progress takes only what is free now,
   * a final waits for its slot. False: not now (the part stays as it is on screen).
   */
  private async take(part: Part, isFinal: boolean, progressSignal?: AbortSignal): Promise<boolean> {
    const budgets = this.options.budgets;
    const stamps = this.callStamps;
    if (!part.id) {
      if (isFinal) {
        // Posted with its final text: no later edit, so nothing stays held for one.
        part.hold?.release();
        part.hold = undefined;
        await budgets.acquire(this.surface.limits.postBudgets, true, undefined, stamps);
        return true;
      }
      if (!this.chooseWay(part)) return false;
      try {
        await budgets.acquire(part.way!.post, false, progressSignal, stamps);
        return true;
      } catch (err) {
        if (err instanceof BudgetWaitAborted) return false;
        throw err;
      }
    }
    const way = part.way ?? this.ways()[0]!;
    if (!isFinal) return budgets.tryProgress(way.progress, this, stamps);
    const hold = part.hold;
    part.hold = undefined;
    // A retried final (the first attempt failed) has spent its hold: it waits for a slot.
    if (hold) await hold.use(stamps);
    else await budgets.acquire(way.final, true, undefined, stamps);
    return true;
  }

  private isDirty(): boolean {
    const last = this.parts[this.parts.length - 1]!;
    return this.text.length - this.offset !== last.raw.length - this.carry.length || last.shown === undefined;
  }

  /**
   * surface.format() parses Markdown, the costly part of a flush; layout() and flush() ask for the
   * same texts, so the last few results are kept.
   */
  private readonly formatted = new Map<string, string>();

  private format(raw: string, indicator: string): string {
    const key = `${indicator}\u0000${raw}`;
    let text = this.formatted.get(key);
    if (text === undefined) {
      text = this.surface.format(raw, indicator);
      if (this.formatted.size >= FORMAT_CACHE_SIZE) this.formatted.delete(this.formatted.keys().next().value!);
      this.formatted.set(key, text);
    }
    return text;
  }

  /** Lay the current text out over the parts, splitting where a message is full. */
  private layout(final: boolean): void {
    const { maxMessageLength, streamingIndicator } = this.surface.limits;
    const indicator = final ? "" : streamingIndicator;
    const measure = (t: string) => this.format(t, indicator).length;
    for (;;) {
      const body = this.carry + this.text.slice(this.offset);
      const split = splitOnce(body, maxMessageLength, measure);
      const last = this.parts[this.parts.length - 1]!;
      if (!split) {
        last.raw = body;
        return;
      }
      last.raw = split.head;
      last.sealed = true;
      this.offset += split.cut - this.carry.length;
      this.carry = split.carry;
      this.parts.push({ raw: "", shownFinal: false, sealed: false });
    }
  }

  /** One pass over the parts: post or edit whatever differs from the screen. True when all landed. */
  private async flush(final: boolean, progressSignal?: AbortSignal): Promise<boolean> {
    this.layout(final);
    let allOk = true;
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i]!;
      const isFinal = final || part.sealed;
      const raw = part.raw;
      if (!part.id && raw === "" && !final) continue;
      const indicator = () => (isFinal ? "" : (part.way?.streamingIndicator ?? this.surface.limits.streamingIndicator));
      if (part.id && part.shown === this.format(raw, indicator()) && (part.shownFinal || !isFinal)) continue;
      // A message's final text goes ahead of other replies' progress edits; progress takes only
      // what the shared windows can spare, and a progress post can be given up (see stream()).
      if (!(await this.take(part, isFinal, progressSignal))) break;
      const text = this.format(raw, indicator());
      const ok = await this.safely(async () => {
        if (part.id) {
          await this.surface.edit(part.id, text.length > 0 ? text : PLACEHOLDER_TEXT, isFinal);
          await this.options.hooks?.onUpdate?.(i, part.id, raw, isFinal);
        } else {
          part.id = await this.surface.post(
            text.length > 0 ? text : PLACEHOLDER_TEXT,
            isFinal,
            isFinal ? undefined : part.way?.kind,
            this.key(i),
          );
          await this.options.hooks?.onPost?.(i, part.id, raw);
          if (isFinal && text.length > 0) {
            // A post is already its own final state.
            part.shown = text;
            part.shownRaw = raw;
            part.shownFinal = true;
            return;
          }
        }
        part.shown = text;
        part.shownRaw = raw;
        part.shownFinal = isFinal;
      });
      this.callStamps.done();
      if (!ok) {
        allOk = false;
        // Later parts must not be posted before an earlier one exists.
        if (!part.id) break;
      }
    }
    this.lastFlushEnd = Date.now();
    if (!allOk && !final) {
      // Back off before the next intermediate edit; the text keeps accumulating meanwhile.
      this.lastFlushEnd += Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.failures++);
    } else if (allOk) {
      this.failures = 0;
    }
    return allOk;
  }

  private async safely(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      this.options.hooks?.onError?.(err);
      return false;
    }
  }
}
