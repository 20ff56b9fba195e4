// A separate process that opens (and so migrates) the PostgreSQL database at DATABASE_URL, as a
// second Palaver starting beside another would. It first waits for the wall-clock time START_AT
// (ms since the epoch), so processes started one after the other reach the migrations together.
import { openPostgres } from "../../src/store/postgres/open.ts";

const url = process.env.DATABASE_URL;
const startAt = Number(process.env.START_AT);
if (!url || !Number.isFinite(startAt)) throw new Error("set DATABASE_URL and START_AT");
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
const db = await openPostgres(url);
await db.close();
