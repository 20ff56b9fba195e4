// One reply at a time per conversation: a message that arrives while a reply is streaming waits
// and is answered next, with that reply in its history (never two replies on stale history).

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private queued = 0;

  /** Run `task` after every earlier task with the same key has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    if (previous) this.queued++;
    const start = () => {
      if (previous) this.queued--;
      return task();
    };
    const next = (previous ?? Promise.resolve()).then(start, start);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Tasks waiting for an earlier task with the same key to settle. */
  get waiting(): number {
    return this.queued;
  }

  /** Conversations with a reply running or waiting. */
  get active(): number {
    return this.tails.size;
  }

  /** Resolves when every queued task has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
