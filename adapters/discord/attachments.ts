// Files attached to a message Palaver answers, downloaded from Discord's CDN at once: the URLs are
// signed and expire (`ex`/`is`/`hm`, platform-facts-2.md §0.5), so they are never stored. The core
// decides what each file is from its bytes and checks the API's limits (src/context/files).
import type { Logger } from "../../src/runtime/log.ts";
import type { Attachment } from "../../src/types.ts";
import type { DiscordAttachmentInfo } from "./normalize.ts";

/** Nothing larger can reach Claude: "Request size 32 MB" (platform-facts-2.md §1.2). */
export const MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024;

/**
 * Every attachment, downloaded, or with the reason it could not be: the message is still answered
 * from its text, and the reply names the file that was left out.
 */
export async function downloadAttachments(list: DiscordAttachmentInfo[], logger: Logger): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const a of list) {
    const base = { name: a.filename, ...(a.contentType ? { mediaType: a.contentType } : {}) };
    if (a.size > MAX_DOWNLOAD_BYTES) {
      out.push({ ...base, problem: "is over the API's limit of 32 MB per request" });
      continue;
    }
    try {
      const res = await fetch(a.url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      out.push({ ...base, data: Buffer.from(await res.arrayBuffer()) });
    } catch (err) {
      logger.warn({ err, file: a.filename }, "discord: could not download an attachment; answering without it");
      out.push({ ...base, problem: "could not be downloaded from Discord" });
    }
  }
  return out;
}
