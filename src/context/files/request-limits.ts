// The API's limits on a whole request, checked before sending (platform-facts-2.md §1.2, §1.4):
// a request over any of them fails with a 400/413 and would fail again on every later turn of the
// thread. Files are kept newest first; an older file that would pass a limit is left out, with a
// note naming it and the limit.
import type { AttachmentRef } from "../../store/attachments.ts";
import { base64Length, MAX_REQUEST_BYTES } from "./classify.ts";
import { imageTokens } from "./image-tokens.ts";

/** "Images per request: 100 for models with a 200k context window; 600 for all other models" (vision doc). */
const IMAGES_PER_REQUEST_200K = 100;
const IMAGES_PER_REQUEST_LARGE = 600;
/** "600 pages per request (100 for 200k-context models)" (pdf-support doc). */
const PDF_PAGES_PER_REQUEST_200K = 100;
const PDF_PAGES_PER_REQUEST_LARGE = 600;
const WINDOW_200K = 200_000;
/** "If a request has >20 images, each must be ≤2000×2000 px" (vision doc). */
const MANY_IMAGES = 20;
const MANY_IMAGES_MAX_EDGE_PX = 2000;
/**
 * Kept free of the 32 MB for the JSON around the files: the system prompt, the history's text and
 * framing. The text is bounded by the context window (200k tokens ≈ 800 kB), so 2 MB is ample.
 */
const REQUEST_TEXT_RESERVE_BYTES = 2 * 1024 * 1024;
/**
 * "Each page typically uses 1,500-3,000 tokens per page depending on content density" (pdf-support
 * doc). Fitting the context window uses the low end: the high end would call a 100-page PDF (which
 * the API takes) too large for a 200k window; the context-window retry catches a dense one.
 * Reservations use the high end (fileCostTokens), so a budget is never under-reserved.
 */
export const PDF_PAGE_TOKENS_FIT = 1_500;
export const PDF_PAGE_TOKENS_HIGH = 3_000;
/** One token is about 4 characters of English (the API docs' rough guide). */
const TEXT_FILE_BYTES_PER_TOKEN = 4;

export interface RequestLimits {
  images: number;
  pdfPages: number;
  bytes: number;
}

export function requestLimits(contextWindow: number): RequestLimits {
  const small = contextWindow <= WINDOW_200K;
  return {
    images: small ? IMAGES_PER_REQUEST_200K : IMAGES_PER_REQUEST_LARGE,
    pdfPages: small ? PDF_PAGES_PER_REQUEST_200K : PDF_PAGES_PER_REQUEST_LARGE,
    bytes: MAX_REQUEST_BYTES - REQUEST_TEXT_RESERVE_BYTES,
  };
}

/** Input tokens one file costs on `model` (0 for a file that is left out); PDFs at `pageTokens`. */
export function fileTokens(ref: AttachmentRef, model: string, pageTokens = PDF_PAGE_TOKENS_FIT): number {
  switch (ref.kind) {
    case "image":
      return ref.width && ref.height ? imageTokens(ref.width, ref.height, model) : imageTokens(8000, 8000, model);
    case "pdf":
      return Math.max(1, ref.pages ?? 1) * pageTokens;
    case "text":
      return Math.ceil(ref.size / TEXT_FILE_BYTES_PER_TOKEN);
    default:
      return 0;
  }
}

/** Bytes a file adds to the request body. */
export function fileRequestBytes(ref: AttachmentRef): number {
  return ref.kind === "text" ? ref.size : base64Length(ref.size);
}

export interface FileChoice {
  /** Files sent, by message index → refs, in their original order. */
  keep: Set<AttachmentRef>;
  /** Files left out by a request-wide limit, with the reason (worded to follow the name). */
  leftOut: { ref: AttachmentRef; reason: string }[];
}

/**
 * Choose which of the usable files of a request are sent: walking from the newest message back, a
 * file is kept while the request stays within every limit.
 */
export function chooseFiles(filesNewestFirst: AttachmentRef[], limits: RequestLimits): FileChoice {
  const keep = new Set<AttachmentRef>();
  const leftOut: FileChoice["leftOut"] = [];
  const images = filesNewestFirst.filter((r) => r.kind === "image");
  // With more than 20 images, each must fit 2000×2000: larger ones go rather than the request failing.
  const manyImages = Math.min(images.length, limits.images) > MANY_IMAGES;
  let imageCount = 0;
  let pages = 0;
  let bytes = 0;
  for (const ref of filesNewestFirst) {
    const size = fileRequestBytes(ref);
    let reason: string | undefined;
    if (ref.kind === "image") {
      if (imageCount + 1 > limits.images) reason = `would take the request past the API's limit of ${limits.images} images per request`;
      else if (manyImages && Math.max(ref.width ?? 0, ref.height ?? 0) > MANY_IMAGES_MAX_EDGE_PX) {
        reason = `is larger than ${MANY_IMAGES_MAX_EDGE_PX}×${MANY_IMAGES_MAX_EDGE_PX} pixels, the API's limit when a request has more than ${MANY_IMAGES} images`;
      }
    }
    if (!reason && ref.kind === "pdf" && pages + (ref.pages ?? 1) > limits.pdfPages) {
      reason =
        pages === 0
          ? `has ${ref.pages} pages, over the API's limit of ${limits.pdfPages} PDF pages per request for this model`
          : `would take the request past the API's limit of ${limits.pdfPages} PDF pages per request for this model`;
    }
    if (!reason && bytes + size > limits.bytes) {
      reason = `would take the request past the API's limit of ${Math.round(MAX_REQUEST_BYTES / (1024 * 1024))} MB per request`;
    }
    if (reason) {
      leftOut.push({ ref, reason });
      continue;
    }
    keep.add(ref);
    bytes += size;
    if (ref.kind === "image") imageCount++;
    if (ref.kind === "pdf") pages += ref.pages ?? 1;
  }
  return { keep, leftOut };
}
