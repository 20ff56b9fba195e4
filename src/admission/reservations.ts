// What an admitted reply holds: its estimate, reserved in the `reservations` table by
// SpendingBudgets.reserve (src/admission/budget.ts) and given back once its usage is recorded.

export interface ReservationRows {
  /** Hold the estimate once more (another request of the same reply is about to be sent). */
  add(): Promise<void>;
  /** Delete every row this reservation holds. */
  remove(): Promise<void>;
}

/**
 * Estimates held by one admitted reply: one per Claude request it has in flight or has sent
 * (a mid-stream retry, the context-window retry and a retry without refused files are each a
 * request of their own, so each is reserved before it is sent). release() is idempotent.
 */
export class Reservation {
  private released?: Promise<void>;

  constructor(
    /** One request's estimate. */
    readonly micros: number,
    private readonly rows: ReservationRows,
  ) {}

  /** Reserve one more request of the same size; a no-op once released. */
  async extend(): Promise<void> {
    if (this.released) return;
    await this.rows.add();
  }

  release(): Promise<void> {
    this.released ??= this.rows.remove();
    return this.released;
  }
}
