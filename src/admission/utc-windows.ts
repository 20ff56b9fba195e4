// Calendar windows in UTC. Budgets reset at 00:00 UTC (daily) and on the 1st at 00:00 UTC
// (monthly), whatever the server's time zone, so every admin reads the same reset time.

export const DAY_MS = 86_400_000;

export type WindowPeriod = "daily" | "monthly";

export interface TimeWindow {
  /** Inclusive, ms since the epoch. */
  start: number;
  /** Exclusive: the moment the window resets. */
  end: number;
}

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function utcMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function utcNextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The daily or monthly window that contains `now`. */
export function windowAt(period: WindowPeriod, now: number): TimeWindow {
  if (period === "daily") {
    const start = utcDayStart(now);
    return { start, end: start + DAY_MS };
  }
  return { start: utcMonthStart(now), end: utcNextMonthStart(now) };
}

/** "2026-03-01" */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "2026-03-01 14:05 UTC" */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "3 h 12 min", "45 min", "2 days 4 h", "20 s": how long until `later`, rounded up. */
export function durationUntil(now: number, later: number): string {
  const ms = Math.max(0, later - now);
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} s`;
  const minutes = Math.ceil(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const dayText = `${days} day${days === 1 ? "" : "s"}`;
  if (days > 0) return hours > 0 ? `${dayText} ${hours} h` : dayText;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}
