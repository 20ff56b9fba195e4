// Files in a long thread: a 4 MB PDF shared in the first message of a 10-turn thread. Prints, per
// turn, the bytes sent to Claude (the request body), the bytes read back from the attachment store,
// the cache reads the API reports (the PDF sits in the cached prefix after the first turn), and what
// the database holds. Real App, real SQLite file, real SDK against the fake Claude.
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

/** A PDF of about 4 MB: 40 text pages plus an embedded 4 MB file of random (incompressible) bytes. */
async function fourMegabytePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < PDF_PAGES; i++) doc.addPage([612, 792]).drawText(`Quarterly report, page ${i + 1}`, { x: 50, y: 700, size: 14 });
  const overhead = (await doc.save()).length;
  await doc.attach(randomBytes(PDF_TARGET_BYTES - overhead - 4096), "data.bin", { mimeType: "application/octet-stream" });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

const claude = await startFakeClaude();
const bench = await startApp(claude.url);
try {
  const pdf = await fourMegabytePdf();
  heading(`files: a ${mb(pdf.length)} PDF (${PDF_PAGES} pages) in a ${TURNS}-turn thread`);
  const conversation = "console:bench-files";
  const rows: (string | number)[][] = [["turn", "request bytes", "of which the PDF (base64)", "cache read tokens"]];
  const perTurn: number[] = [];
  for (let turn = 1; turn <= TURNS; turn++) {
    const m = humanMessage(conversation, `question ${turn} about the report`);
    if (turn === 1) m.attachments = [{ name: "report.pdf", mediaType: "application/pdf", data: pdf } satisfies Attachment];
    const before = claude.messageRequests().length;
    await bench.app.bot.handle(m, new RecordingSurface(`bench:files-${turn}`));
    const sent = claude.messageRequests().slice(before);
    const bytes = sent.reduce((sum, r) => sum + r.bytes, 0);
    perTurn.push(bytes);
    const usage = (await selectOne(bench.app.db, "SELECT cache_read_tokens FROM usage ORDER BY id DESC LIMIT 1")) as { cache_read_tokens: number };
    rows.push([turn, bytes.toLocaleString("en-US"), Math.ceil(pdf.length / 3) * 4 <= bytes ? "yes" : "no", usage.cache_read_tokens]);
  }
  table(rows);
  const total = perTurn.reduce((a, b) => a + b, 0);
  info("bytes sent to Claude, all 10 turns", `${mb(total)}`);
  info("bytes sent per turn (mean)", `${mb(total / TURNS)}`);
  const stored = (await selectOne(bench.app.db, "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM attachment_blobs")) as { n: number; bytes: number };
  info("attachment copies stored", `${stored.n} (${mb(stored.bytes)})`);
  const rowBytes = (await selectOne(bench.app.db, "SELECT COALESCE(SUM(LENGTH(attachments)), 0) AS b FROM messages")) as { b: number };
  info("file references in message rows", `${rowBytes.b} bytes`);
  // Base64 costs 4/3 of the bytes; the request carries the PDF once, plus the thread's text.
  verdict("request bytes per turn over the PDF's base64 size", Math.max(...perTurn) - Math.ceil(pdf.length / 3) * 4, 64 * 1024, (v) => `${Math.round(v / 1024)} kB`);
} finally {
  await bench.close();
  await claude.close();
}
