// Files in a long thread: a 4 MB PDF shared in the first message of a 10-turn thread, run twice:
// with the Files API (PALAVER_FILES_API=true, the default: uploaded once, then referred to by
// file_id) and without it (the PDF's base64 in every request). Prints, per turn, the bytes sent to
// Claude (request bodies, uploads included), the cache reads the API reports, and what the
// database holds. Real App, real SQLite file, real SDK against the fake Claude.
import { randomBytes } from "node:crypto";
import { PDFDocument } from "pdf-lib";
import { startFakeClaude } from "../test/fakes/claude.ts";
import type { Attachment } from "../src/types.ts";
import { RecordingSurface } from "../test/fakes/surface.ts";
import { startApp, humanMessage } from "./core/setup.ts";
import { heading, info, mb, table, verdict } from "./lib.ts";
import { selectOne } from "../test/helpers/db.ts";

const TURNS = 10;
const PDF_TARGET_BYTES = 4 * 1024 * 1024;
const PDF_PAGES = 40;
/** With the Files API, a later turn carries the thread's text and a file_id: a few KB. */
const LATER_TURN_MAX_BYTES = 8 * 1024;

/** A PDF of about 4 MB: 40 text pages plus an embedded 4 MB file of random (incompressible) bytes. */
async function fourMegabytePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < PDF_PAGES; i++) doc.addPage([612, 792]).drawText(`Quarterly report, page ${i + 1}`, { x: 50, y: 700, size: 14 });
  const overhead = (await doc.save()).length;
  await doc.attach(randomBytes(PDF_TARGET_BYTES - overhead - 4096), "data.bin", { mimeType: "application/octet-stream" });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** One 10-turn thread; returns the bytes sent to Claude per turn (messages + uploads). */
async function run(pdf: Buffer, filesApi: boolean): Promise<number[]> {
  const claude = await startFakeClaude();
  const bench = await startApp(claude.url, { PALAVER_FILES_API: String(filesApi) });
  try {
    heading(`files: a ${mb(pdf.length)} PDF (${PDF_PAGES} pages) in a ${TURNS}-turn thread, Files API ${filesApi ? "on" : "off"}`);
    const conversation = `console:bench-files-${filesApi ? "api" : "inline"}`;
    const rows: (string | number)[][] = [["turn", "message request bytes", "upload bytes", "PDF sent as", "cache read tokens"]];
    const perTurn: number[] = [];
    for (let turn = 1; turn <= TURNS; turn++) {
      const m = humanMessage(conversation, `question ${turn} about the report`);
      if (turn === 1) m.attachments = [{ name: "report.pdf", mediaType: "application/pdf", data: pdf } satisfies Attachment];
      const before = claude.requests.length;
      await bench.app.bot.handle(m, new RecordingSurface(`bench:files-${filesApi}-${turn}`));
      const sent = claude.requests.slice(before);
      const messages = sent.filter((r) => r.path === "/v1/messages").reduce((sum, r) => sum + r.bytes, 0);
      const uploads = sent.filter((r) => r.path === "/v1/files").reduce((sum, r) => sum + r.bytes, 0);
      perTurn.push(messages + uploads);
      const body = JSON.stringify(sent.find((r) => r.path === "/v1/messages")?.body ?? "");
      const as = body.includes('"type":"file"') ? "file_id" : body.includes('"type":"base64"') ? "base64" : "—";
      const usage = (await selectOne(bench.app.db, "SELECT cache_read_tokens FROM usage ORDER BY id DESC LIMIT 1")) as { cache_read_tokens: number };
      rows.push([turn, messages.toLocaleString("en-US"), uploads.toLocaleString("en-US"), as, usage.cache_read_tokens]);
    }
    table(rows);
    const total = perTurn.reduce((a, b) => a + b, 0);
    info("bytes sent to Claude, all 10 turns", mb(total));
    info("bytes sent per turn (mean)", mb(total / TURNS));
    info("bytes sent per later turn (max of turns 2–10)", `${Math.max(...perTurn.slice(1)).toLocaleString("en-US")} bytes`);
    info("uploads held by Claude", String(claude.files.stored().length));
    const stored = (await selectOne(bench.app.db, "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM attachment_blobs")) as { n: number; bytes: number };
    info("attachment copies stored", `${stored.n} (${mb(stored.bytes)})`);
    return perTurn;
  } finally {
    await bench.close();
    await claude.close();
  }
}

const pdf = await fourMegabytePdf();
const inline = await run(pdf, false);
const withFiles = await run(pdf, true);
heading("files: with and without the Files API");
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
info("10 turns, inline (base64 every turn)", mb(sum(inline)));
info("10 turns, Files API (one upload, then file_id)", mb(sum(withFiles)));
// Base64 costs 4/3 of the bytes; inline, every request carries the PDF once plus the thread's text.
verdict("inline: request bytes per turn over the PDF's base64 size", Math.max(...inline) - Math.ceil(pdf.length / 3) * 4, 64 * 1024, (v) => `${Math.round(v / 1024)} kB`);
verdict("Files API: bytes sent on a later turn", Math.max(...withFiles.slice(1)), LATER_TURN_MAX_BYTES, (v) => `${(v / 1024).toFixed(1)} kB`);
