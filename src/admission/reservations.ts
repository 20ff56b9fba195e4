// The ledger of estimates held by requests in flight, by scope key ("kind:id"). A request reserves
// its estimated cost when admitted and releases it once its usage is recorded, so racing requests
// see each other and the overshoot past a limit is bounded by what is already in flight.
// (In this process's memory: two processes on one database do not see each other's.)

export class ReservationLedger {
  /** Micro-dollars reserved by requests in flight, by key. */
  private readonly held = new Map<string, number>();

  heldBy(key: string): number {
    return this.held.get(key) ?? 0;
  }

  hold(keys: string[], micros: number): Reservation {
    for (const key of keys) this.held.set(key, this.heldBy(key) + micros);
    return new Reservation(this.held, keys, micros);
  }
}

/** Estimates held by one admitted request; release() is idempotent. */
export class Reservation {
  private released = false;

  constructor(
    private readonly held: Map<string, number>,
    private readonly keys: string[],
    readonly micros: number,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const key of this.keys) {
      const left = (this.held.get(key) ?? 0) - this.micros;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    }
  }
}
