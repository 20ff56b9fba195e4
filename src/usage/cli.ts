// `npm run usage -- [--since 7d] [--by channel] [--csv] [--workspace <id>]`: the usage report from
// the database, for operators with shell access. Needs only DATABASE_PATH or DATABASE_URL (read like
// the bot does, from the environment and .env); no Claude key, no platform tokens.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { systemClock } from "../runtime/clock.ts";
import { DEFAULT_DATABASE_PATH, readEnvironment } from "../runtime/config.ts";
import { PriceTable } from "../claude/pricing.ts";
import type { Db } from "../store/sql.ts";
import { openStoreReadOnly } from "../store/open.ts";
import { usageReportLines } from "../commands/render-usage.ts";
import { usageCsv } from "./csv.ts";
import {
  DEFAULT_REPORT_PERIOD,
  REPORT_DIMENSIONS,
  REPORT_PERIODS,
  UsageReports,
  type ReportDimension,
  type ReportPeriod,
} from "./report.ts";

const USAGE_TEXT = `Usage: npm run usage -- [--since ${REPORT_PERIODS.join("|")}] [--by ${REPORT_DIMENSIONS.join("|")}] [--csv] [--workspace <id>]`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runUsageCli(argv: string[], env: Record<string, string | undefined>, now: number): Promise<CliResult> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        since: { type: "string", default: DEFAULT_REPORT_PERIOD },
        by: { type: "string", default: "user" },
        csv: { type: "boolean", default: false },
        workspace: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { code: 2, stdout: "", stderr: `${(err as Error).message}\n${USAGE_TEXT}\n` };
  }
  if (values.help) return { code: 0, stdout: `${USAGE_TEXT}\n`, stderr: "" };
  if (!(REPORT_PERIODS as readonly string[]).includes(values.since)) {
    return { code: 2, stdout: "", stderr: `--since must be one of ${REPORT_PERIODS.join(", ")}\n${USAGE_TEXT}\n` };
  }
  if (!(REPORT_DIMENSIONS as readonly string[]).includes(values.by)) {
    return { code: 2, stdout: "", stderr: `--by must be one of ${REPORT_DIMENSIONS.join(", ")}\n${USAGE_TEXT}\n` };
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  const databasePath = env.DATABASE_PATH?.trim() || DEFAULT_DATABASE_PATH;
  if (!databaseUrl && databasePath !== ":memory:" && !fs.existsSync(databasePath)) {
    return {
      code: 1,
      stdout: "",
      stderr: `No database at ${databasePath}: set DATABASE_PATH to the file Palaver writes (see .env).\n`,
    };
  }
  let prices: PriceTable;
  try {
    prices = PriceTable.load(env.PALAVER_PRICES_FILE?.trim() || undefined);
  } catch (err) {
    return { code: 1, stdout: "", stderr: `${(err as Error).message}\n` };
  }
  // Read-only: an operator's report must never change (or migrate) the bot's database.
  let db: Db;
  try {
    db = await openStoreReadOnly({ databaseUrl, databasePath });
  } catch (err) {
    return { code: 1, stdout: "", stderr: `${(err as Error).message}\n` };
  }
  try {
    const report = await new UsageReports(db, prices).report({
      period: values.since as ReportPeriod,
      by: values.by as ReportDimension,
      ...(values.workspace ? { workspaceId: values.workspace } : {}),
      now,
    });
    if (values.csv) return { code: 0, stdout: usageCsv(report), stderr: "" };
    const audience = values.workspace ? `workspace ${values.workspace}` : "all workspaces";
    const { title, table } = usageReportLines(report, { audience });
    return { code: 0, stdout: `${title}\n\n${table.join("\n")}\n`, stderr: "" };
  } finally {
    await db.close();
  }
}

// Run as a script (npm run usage), not when imported by a test.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await runUsageCli(process.argv.slice(2), readEnvironment(), systemClock.now());
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
