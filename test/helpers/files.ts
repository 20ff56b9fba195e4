// Real files for tests: PNGs of a given size and PDFs of a given page count, built here so the core's
// image-size and pdf-lib parsing see the same bytes a person would share.
import { deflateSync } from "node:zlib";
import { PDFDocument } from "pdf-lib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A grey width×height PNG (8-bit greyscale). `noiseBytes` appends an ancillary chunk of that many
 * random bytes, to make a file of a given size without a huge image.
 */
export function png(width: number, height: number, noiseBytes = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0; // filter byte per row
  const parts = [Buffer.from("89504e470d0a1a0a", "hex"), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw))];
  if (noiseBytes > 0) parts.push(chunk("teXt", Buffer.from(Array.from({ length: noiseBytes }, () => 65 + Math.floor(Math.random() * 26)))));
  parts.push(chunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** A PDF with `pages` pages, each with one line of text. */
export async function pdf(pages: number, text = "Palaver test page"): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([300, 200]).drawText(`${text} ${i + 1}`, { x: 20, y: 100, size: 12 });
  return Buffer.from(await doc.save());
}
