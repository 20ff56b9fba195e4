// What a shared file is, decided from its bytes (a declared type or a file name can lie):
// an image Claude takes, a PDF, text the model can read, or something Palaver cannot read. Per-file
// limits of the API are checked here, once, when the file arrives; limits on the whole request
// (image count, PDF pages, 32 MB) depend on the rest of the history and are checked per request
// (request-limits.ts).
import { imageSize } from "image-size";
import { PDFDocument } from "pdf-lib";
import { describeError } from "../../errors.ts";

export type FileKind = "image" | "pdf" | "text" | "unusable";

export interface Classified {
  kind: FileKind;
  /** For Claude: image/jpeg|png|gif|webp, application/pdf, text/plain. */
  mediaType: string;
  width?: number;
  height?: number;
  pages?: number;
  /** Why the file is left out (kind "unusable"), worded to follow its name in a note. */
  problem?: string;
}

/** Image types the API takes (vision doc, platform-facts-2.md §1.2), by image-size's type name. */
const IMAGE_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
};

/**
 * "Max size per image: 10 MB base64 on the Claude API; 5 MB on Bedrock/Vertex (older doc versions
 * and many libraries still say 5 MB → 5 MB is the safe cap)" (platform-facts-2.md §1.2).
 */
export const MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024;
/** "Max dimensions 8000×8000 px" (vision doc). */
export const MAX_IMAGE_EDGE_PX = 8000;
/** "Request size 32 MB (standard endpoints)" (errors doc): a single file over it can never be sent. */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
/**
 * Text files: a cap so one log cannot fill the context window (≈50k tokens at 4 chars a token, a
 * quarter of a 200k window).
 */
export const MAX_TEXT_FILE_BYTES = 200 * 1024;

/** Source code and data formats read as text, by extension (declared types for these vary). */
const TEXT_EXTENSIONS = new Set(
  (
    "txt md markdown rst csv tsv json jsonl ndjson yaml yml toml ini cfg conf env log xml html htm css scss " +
    "js mjs cjs jsx ts tsx py rb go rs java kt kts scala c h cc cpp hpp cs swift m php pl sh bash zsh fish ps1 " +
    "sql graphql proto lua r jl dart ex exs erl hs ml clj vue svelte tf hcl dockerfile makefile gradle diff patch"
  ).split(" "),
);
const TEXT_MEDIA_TYPES = /^(text\/|application\/(json|x-ndjson|xml|x-yaml|yaml|toml|csv|javascript|typescript|x-sh|sql))/;

export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

function extension(name: string): string {
  const base = name.toLowerCase().split("/").pop() ?? "";
  return base.includes(".") ? base.split(".").pop()! : base;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

function asImage(data: Buffer): Classified | undefined {
  let info: ReturnType<typeof imageSize>;
  try {
    info = imageSize(data);
  } catch {
    return undefined;
  }
  const mediaType = info.type ? IMAGE_TYPES[info.type] : undefined;
  if (!mediaType) return undefined;
  const { width, height } = info;
  if (base64Length(data.length) > MAX_IMAGE_BASE64_BYTES) {
    return { kind: "unusable", mediaType, width, height, problem: `is over the API's limit of ${mb(MAX_IMAGE_BASE64_BYTES)} per image` };
  }
  if (Math.max(width, height) > MAX_IMAGE_EDGE_PX) {
    return { kind: "unusable", mediaType, width, height, problem: `is over the API's limit of ${MAX_IMAGE_EDGE_PX}×${MAX_IMAGE_EDGE_PX} pixels per image` };
  }
  return { kind: "image", mediaType, width, height };
}

async function asPdf(data: Buffer): Promise<Classified> {
  const mediaType = "application/pdf";
  if (base64Length(data.length) > MAX_REQUEST_BYTES) {
    return { kind: "unusable", mediaType, problem: `is over the API's limit of ${mb(MAX_REQUEST_BYTES)} per request` };
  }
  try {
    // Counting pages needs the page tree, which may sit in compressed object streams: a parser,
    // not a regex. "Standard PDF, no password/encryption" (pdf-support doc).
    const doc = await PDFDocument.load(data, { ignoreEncryption: true, updateMetadata: false });
    if (doc.isEncrypted) return { kind: "unusable", mediaType, problem: "is password-protected, and Claude only reads unprotected PDFs" };
    return { kind: "pdf", mediaType, pages: doc.getPageCount() };
  } catch (err) {
    return { kind: "unusable", mediaType, problem: `could not be read as a PDF (${describeError(err).message.slice(0, 80)})` };
  }
}

function asText(name: string, declared: string | undefined, data: Buffer): Classified | undefined {
  const looksText = (declared !== undefined && TEXT_MEDIA_TYPES.test(declared)) || TEXT_EXTENSIONS.has(extension(name));
  if (!looksText) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
  if (text.includes("\u0000")) return undefined;
  if (data.length > MAX_TEXT_FILE_BYTES) {
    return { kind: "unusable", mediaType: "text/plain", problem: `is over Palaver's limit of ${MAX_TEXT_FILE_BYTES / 1024} KB per text file` };
  }
  return { kind: "text", mediaType: "text/plain" };
}

export async function classify(name: string, declared: string | undefined, data: Buffer): Promise<Classified> {
  const image = asImage(data);
  if (image) return image;
  if (data.subarray(0, 1024).includes("%PDF-")) return asPdf(data);
  const text = asText(name, declared?.split(";")[0]?.trim().toLowerCase(), data);
  if (text) return text;
  return { kind: "unusable", mediaType: declared ?? "application/octet-stream", problem: "is a type of file Palaver cannot read (it reads images, PDFs and text files)" };
}
