// What an admitted request holds: its estimate, reserved in the `reservations` table by
// SpendingBudgets.reserve (src/admission/budget.ts) and given back once its usage is recorded.

/** Estimates held by one admitted request; release() is idempotent. */
export class Reservation {
  private released?: Promise<void>;

  constructor(
    readonly micros: number,
    private readonly give: () => Promise<void>,
  ) {}

  release(): Promise<void> {
    this.released ??= this.give();
    return this.released;
  }
}
