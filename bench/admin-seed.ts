// bench/admin.ts's database: 200k usage rows of a busy workspace over 90 days, with the spend
// totals as UsageStore.record would have left them. The rows come from one INSERT … SELECT over a
// series (200k UsageStore.record calls, 1.4M statements, take a minute on SQLite and several on
// PostgreSQL), then the spend totals are rebuilt with the very statement migration 008 uses to
// roll up existing usage. A check afterwards recomputes every total the way record() adds to it
// (utcDayStart / utcMonthStart of each row's time) and compares them all with the table.
import fs from "node:fs";
import path from "node:path";
import { sql, type Db } from "../src/store/sql.ts";
import { migrationsDir } from "../src/store/migrate.ts";
import { utcDayStart, utcMonthStart } from "../src/admission/utc-windows.ts";

export const ROWS = 200_000;
export const DAYS = 90;
export const USERS = 500;
export const CHANNELS = 50;
const CONVERSATIONS_PER_CHANNEL_SET = 5000;
const COST_MICROS = 10_000;
const DAY_MS = 86_400_000;
/** Migration 008's statement that rolls existing usage up into spend_totals. */
const ROLLUP = /INSERT INTO spend_totals[\s\S]*?;/;

export async function seedUsage(db: Db, now: number): Promise<void> {
  const migration = fs.readFileSync(path.join(migrationsDir(db.dialect), "008_shared_state.sql"), "utf8");
  const rollup = ROLLUP.exec(migration)?.[0];
  if (!rollup) throw new Error(`migration 008's spend_totals rollup not found for ${db.dialect}`);
  await db.transaction(async (tx) => {
    await tx.run(db.dialect === "sqlite" ? sqliteRows(now) : postgresRows(now));
    await tx.run(sql`DELETE FROM spend_totals`);
    await tx.script(rollup);
  });
  await db.run(sql`ANALYZE`);
  await checkTotals(db, now);
}

// Row i, on both engines: channel i % CHANNELS, conversation i % CONVERSATIONS_PER_CHANNEL_SET in
// it, user i % USERS, created now - floor(i / ROWS × DAYS days) (IEEE doubles on both, evaluated
// left to right, as in JavaScript).
const COLUMNS = sql`platform, workspace_id, channel_id, conversation_id, user_id, model, input_tokens, output_tokens,
                    cache_write_tokens, cache_read_tokens, cost_micros, latency_ms, created_at`;

function sqliteRows(now: number) {
  // better-sqlite3 binds a JavaScript number as REAL: `i % 50.0` would name channel "C0.0".
  const int = (n: number) => sql`CAST(${n} AS INTEGER)`;
  return sql`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${int(ROWS - 1)})
             INSERT INTO usage (${COLUMNS})
             SELECT 'slack', 'slack:T1', 'slack:T1:C' || (i % ${int(CHANNELS)}), 'slack:T1:C' || (i % ${int(CHANNELS)}) || ':' || (i % ${int(CONVERSATIONS_PER_CHANNEL_SET)}),
                    'slack:U' || (i % ${int(USERS)}), 'claude-sonnet-4-6', 1200, 400, 0, 3000, ${int(COST_MICROS)}, 900,
                    ${int(now)} - CAST(floor(CAST(i AS REAL) / ${ROWS} * ${DAYS} * ${DAY_MS}) AS INTEGER)
             FROM n`;
}

function postgresRows(now: number) {
  return sql`INSERT INTO usage (${COLUMNS})
             SELECT 'slack', 'slack:T1', 'slack:T1:C' || (i % ${CHANNELS}), 'slack:T1:C' || (i % ${CHANNELS}) || ':' || (i % ${CONVERSATIONS_PER_CHANNEL_SET}),
                    'slack:U' || (i % ${USERS}), 'claude-sonnet-4-6', 1200, 400, 0, 3000, ${COST_MICROS}, 900,
                    ${now}::bigint - floor(i::float8 / ${ROWS} * ${DAYS} * ${DAY_MS})::bigint
             FROM generate_series(0, ${ROWS - 1}) AS i`;
}

/** Row i's time: the same expression as the SQL above. */
function createdAt(now: number, i: number): number {
  return now - Math.floor((i / ROWS) * DAYS * DAY_MS);
}

/** Every spend_totals row must hold what UsageStore.record would have added up for the seeded rows. */
async function checkTotals(db: Db, now: number): Promise<void> {
  const expected = new Map<string, number>();
  const add = (kind: string, id: string, period: string, start: number) => {
    const key = `${kind}|${id}|${period}|${start}`;
    expected.set(key, (expected.get(key) ?? 0) + COST_MICROS);
  };
  for (let i = 0; i < ROWS; i++) {
    const at = createdAt(now, i);
    for (const [kind, id] of [["workspace", "slack:T1"], ["channel", `slack:T1:C${i % CHANNELS}`], ["user", `slack:U${i % USERS}`]] as const) {
      add(kind, id, "daily", utcDayStart(at));
      add(kind, id, "monthly", utcMonthStart(at));
    }
  }
  const rows = await db.all<{ scope_kind: string; scope_id: string; period: string; window_start: number; cost_micros: number }>(
    sql`SELECT scope_kind, scope_id, period, window_start, cost_micros FROM spend_totals`,
  );
  const wrong = rows.filter((r) => expected.get(`${r.scope_kind}|${r.scope_id}|${r.period}|${r.window_start}`) !== r.cost_micros);
  if (rows.length !== expected.size || wrong.length > 0) {
    throw new Error(`spend totals differ from what UsageStore.record adds up: ${rows.length} rows for ${expected.size}, ${wrong.length} wrong, e.g. ${JSON.stringify(wrong[0])}`);
  }
}
