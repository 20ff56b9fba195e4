// The last step before a request leaves: file blocks get their bytes from the attachment store.
// Each distinct file is read once per request, however often the thread shared it.
import type { AttachmentStore } from "../../store/attachments.ts";
import type { BuiltHistory } from "../history.ts";

export async function fillFiles(built: BuiltHistory, blobs: AttachmentStore): Promise<void> {
  const read = new Map<string, Buffer | undefined>();
  for (const { ref, block } of built.files) {
    let bytes: Buffer | undefined;
    if (ref.inlineBase64 !== undefined) bytes = Buffer.from(ref.inlineBase64, "base64");
    else if (ref.hash !== undefined) {
      if (!read.has(ref.hash)) read.set(ref.hash, await blobs.get(ref.hash));
      bytes = read.get(ref.hash);
    }
    if (!bytes) {
      // Cannot happen short of someone editing the database; the request must still be valid.
      Object.assign(block, { type: "text", text: `(The file “${ref.name}” is no longer available.)`, source: undefined, title: undefined });
      continue;
    }
    if (block.source.type === "text") block.source.data = bytes.toString("utf8");
    else if (block.source.type === "base64") block.source.data = bytes.toString("base64");
  }
}
