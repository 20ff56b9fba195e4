// Images and PDFs attached to a message Palaver answers, downloaded from Discord's CDN so the core
// can hand them to Claude as content blocks. The core checks the API's size limits; we only refuse
// to download more than the largest thing the API takes (a 32 MB PDF, platform-facts.md).
import type { Logger } from "../../src/runtime/log.ts";
import type { Attachment } from "../../src/types.ts";
import type { DiscordAttachmentInfo } from "./normalize.ts";

const MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024;

const BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
};

function mediaType(a: DiscordAttachmentInfo): string | undefined {
  const declared = a.contentType?.split(";")[0]?.trim().toLowerCase();
  if (declared && Object.values(BY_EXTENSION).includes(declared)) return declared;
  const ext = a.filename.split(".").pop()?.toLowerCase() ?? "";
  return BY_EXTENSION[ext];
}

/**
 * The usable attachments, downloaded. One that cannot be downloaded is left out and logged; the
 * message is still answered from its text.
 */
export async function downloadAttachments(list: DiscordAttachmentInfo[], logger: Logger): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const a of list) {
    const type = mediaType(a);
    if (!type || a.size > MAX_DOWNLOAD_BYTES) continue;
    try {
      const res = await fetch(a.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      out.push({
        kind: type === "application/pdf" ? "pdf" : "image",
        mediaType: type,
        dataBase64: bytes.toString("base64"),
        name: a.filename,
      });
    } catch (err) {
      logger.warn({ err, file: a.filename }, "discord: could not download an attachment; answering without it");
    }
  }
  return out;
}
