// Files as they arrive: classified from their bytes, their bytes stored once by content hash, and a
// small reference kept with the message (src/store/attachments.ts).
import { createHash } from "node:crypto";
import type { Attachment } from "../../types.ts";
import type { AttachmentRef, AttachmentStore } from "../../store/attachments.ts";
import { classify } from "./classify.ts";

export async function ingestAttachments(list: Attachment[], blobs: AttachmentStore, now: number): Promise<AttachmentRef[]> {
  const refs: AttachmentRef[] = [];
  for (const a of list) {
    if (!a.data) {
      refs.push({ name: a.name, kind: "unusable", mediaType: a.mediaType ?? "application/octet-stream", size: 0, problem: a.problem ?? "could not be downloaded" });
      continue;
    }
    const c = await classify(a.name, a.mediaType, a.data);
    const ref: AttachmentRef = { name: a.name, kind: c.kind, mediaType: c.mediaType, size: a.data.length };
    if (c.width !== undefined) ref.width = c.width;
    if (c.height !== undefined) ref.height = c.height;
    if (c.pages !== undefined) ref.pages = c.pages;
    if (c.problem !== undefined) ref.problem = c.problem;
    if (c.kind !== "unusable") {
      ref.hash = createHash("sha256").update(a.data).digest("hex");
      await blobs.put(ref.hash, c.mediaType, a.data, now);
    }
    refs.push(ref);
  }
  return refs;
}
