// The fake Claude's checks on files in a request, failing the way the API does
// (platform-facts-2.md §1, with the docs it cites):
// - vision doc: image/jpeg|png|gif|webp only; 5 MB of base64 per image (the safe cap; the API's
//   own message is "image exceeds 5 MB maximum"); "Images per request: 100 for models with a 200k
//   context window"; the bytes must match the declared media type.
// - pdf-support doc: "100 pages per request for 200k-context models"; "standard PDF, no
//   password/encryption".
// - errors doc: "request_too_large (413): Request exceeds the maximum allowed number of bytes" at 32 MB.
// - versioning doc (anthropic-version 2026-10-21): "a document block in an assistant message → 400";
//   "a text block with non-empty citations in a user message → 400".
import { PDFDocument } from "pdf-lib";
import type { ContentBlockBody, MessagesBody } from "./claude-wire.ts";

export const FAKE_MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
export const FAKE_MAX_IMAGES = 100;
export const FAKE_MAX_PDF_PAGES = 100;
export const FAKE_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from("89504e470d0a1a0a", "hex")),
  "image/gif": (b) => b.subarray(0, 4).toString("latin1") === "GIF8",
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

export interface FileRejection {
  status: 400 | 413;
  message: string;
}

interface Source {
  type?: string;
  media_type?: string;
  data?: string;
}

/** The first problem the API would report for this request's files, if any. */
export async function checkFiles(body: MessagesBody, rawBytes: number): Promise<FileRejection | undefined> {
  if (rawBytes > FAKE_MAX_REQUEST_BYTES) return { status: 413, message: "Request exceeds the maximum allowed number of bytes." };
  let images = 0;
  let pages = 0;
  for (const [i, m] of body.messages.entries()) {
    if (typeof m.content === "string") continue;
    for (const [j, block] of m.content.entries()) {
      const where = `messages.${i}.content.${j}`;
      const problem = await checkBlock(block, m.role, where);
      if (typeof problem === "string") return { status: 400, message: problem };
      if (block.type === "image") images++;
      if (typeof problem === "number") pages += problem;
    }
  }
  if (images > FAKE_MAX_IMAGES) return { status: 400, message: `messages: too many images: ${images} > ${FAKE_MAX_IMAGES} images per request` };
  if (pages > FAKE_MAX_PDF_PAGES) return { status: 400, message: `A maximum of ${FAKE_MAX_PDF_PAGES} PDF pages may be provided.` };
  return undefined;
}

/** A string is a 400 message; a number is the PDF pages the block adds. */
async function checkBlock(block: ContentBlockBody, role: string, where: string): Promise<string | number | undefined> {
  if (block.type === "text" && role === "user" && Array.isArray(block.citations) && block.citations.length > 0) {
    return `${where}: text blocks with citations are not allowed in user messages`;
  }
  if (block.type === "image") {
    const source = block.source as Source | undefined;
    if (source?.type !== "base64") return undefined;
    const check = MAGIC[source.media_type ?? ""];
    if (!check) return `${where}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
    const data = source.data ?? "";
    if (data.length > FAKE_MAX_IMAGE_BASE64) return `${where}.image.source.base64: image exceeds 5 MB maximum: ${data.length} bytes > ${FAKE_MAX_IMAGE_BASE64} bytes`;
    if (!check(Buffer.from(data, "base64"))) return `${where}.image.source.base64: Image does not match the provided media type ${source.media_type}`;
    return undefined;
  }
  if (block.type === "document") {
    if (role === "assistant") return `${where}: document blocks are not allowed in assistant messages`;
    const source = block.source as Source | undefined;
    if (source?.type === "text") return typeof source.data === "string" && source.data !== "" ? undefined : `${where}.source.data: text documents must be non-empty`;
    if (source?.type !== "base64" || source.media_type !== "application/pdf") return undefined;
    try {
      const doc = await PDFDocument.load(Buffer.from(source.data ?? "", "base64"), { ignoreEncryption: true, updateMetadata: false });
      if (doc.isEncrypted) return `${where}: The PDF specified is password-protected.`;
      return doc.getPageCount();
    } catch {
      return `${where}: The PDF specified was not valid.`;
    }
  }
  return undefined;
}
