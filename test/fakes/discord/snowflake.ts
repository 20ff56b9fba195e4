// Discord snowflakes: (milliseconds since 2015-01-01 << 22) | worker/process/increment bits.
// discord.js derives createdTimestamp from the id, so the fake must mint ids that carry real time.

/** Discord's epoch, the first second of 2015 (discord.com/developers/docs/reference#snowflakes). */
export const DISCORD_EPOCH_MS = 1_420_070_400_000n;
/** The low 22 bits hold worker, process and a per-process increment. */
const TIMESTAMP_SHIFT = 22n;
const INCREMENT_MASK = 0xfffn;

export class Snowflakes {
  private increment = 0n;
  private lastMs = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /**
   * A new id, greater than every id minted before. Each id gets a millisecond of its own (the fake
   * runs ahead of the clock when asked for ids faster): a test that writes "earlier" messages and
   * then a new one gets them in distinct, increasing milliseconds, as people's messages are.
   */
  next(): string {
    const ms = Math.max(this.now(), this.lastMs + 1);
    this.lastMs = ms;
    return (((BigInt(ms) - DISCORD_EPOCH_MS) << TIMESTAMP_SHIFT) | (this.increment++ & INCREMENT_MASK)).toString();
  }
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> TIMESTAMP_SHIFT) + DISCORD_EPOCH_MS);
}

export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
