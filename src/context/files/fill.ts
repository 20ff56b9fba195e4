// The last step before a request leaves: file blocks get their bytes from the attachment store, or,
// for a large PDF or image with the Files API on, the file_id of its one upload (uploaded here the
// first time any request carries it, and remembered per content hash in attachment_blobs).
// Each distinct file is read and uploaded at most once per request, however often the thread shared it.
import type { Logger } from "../../runtime/log.ts";
import type { AttachmentRef, AttachmentStore } from "../../store/attachments.ts";
import { FILES_API_MIN_BYTES, type FileUploader } from "../../claude/files.ts";
import { describeError } from "../../errors.ts";
import type { BuiltHistory } from "../history.ts";

export interface FillDeps {
  blobs: AttachmentStore;
  /** Absent or disabled: every file is sent inline. */
  uploader?: FileUploader;
  logger?: Logger;
}

/** Small files stay inline; text files are always inline (they are sent as text, not bytes). */
function worthUploading(ref: AttachmentRef): boolean {
  return (ref.kind === "pdf" || ref.kind === "image") && ref.hash !== undefined && ref.size >= FILES_API_MIN_BYTES;
}

export async function fillFiles(built: BuiltHistory, deps: FillDeps): Promise<void> {
  const { blobs } = deps;
  const read = new Map<string, Buffer | undefined>();
  const bytesOf = async (hash: string) => {
    if (!read.has(hash)) read.set(hash, await blobs.get(hash));
    return read.get(hash);
  };
  const ids = new Map<string, string | undefined>();
  for (const pending of built.files) {
    const { ref, block } = pending;
    if (deps.uploader?.enabled && worthUploading(ref)) {
      const hash = ref.hash!;
      if (!ids.has(hash)) ids.set(hash, await fileIdFor(ref, hash, deps, bytesOf));
      const fileId = ids.get(hash);
      if (fileId !== undefined) {
        block.source = { type: "file", file_id: fileId };
        pending.fileId = fileId;
        continue;
      }
    }
    let bytes: Buffer | undefined;
    if (ref.inlineBase64 !== undefined) bytes = Buffer.from(ref.inlineBase64, "base64");
    else if (ref.hash !== undefined) bytes = await bytesOf(ref.hash);
    if (!bytes) {
      // Cannot happen short of someone editing the database; the request must still be valid.
      Object.assign(block, { type: "text", text: `(The file “${ref.name}” is no longer available.)`, source: undefined, title: undefined });
      continue;
    }
    if (block.source.type === "text") block.source.data = bytes.toString("utf8");
    else if (block.source.type === "base64") block.source.data = bytes.toString("base64");
  }
}

/**
 * The file_id to send for these bytes: the stored one, or a new upload. Undefined when the upload
 * failed: this request carries the bytes inline, and a later one tries the upload again.
 */
async function fileIdFor(
  ref: AttachmentRef,
  hash: string,
  deps: FillDeps,
  bytesOf: (hash: string) => Promise<Buffer | undefined>,
): Promise<string | undefined> {
  const stored = await deps.blobs.fileId(hash);
  if (stored !== undefined) return stored;
  const bytes = await bytesOf(hash);
  if (!bytes) return undefined;
  let uploaded: string;
  try {
    uploaded = await deps.uploader!.upload(bytes, ref.name, ref.mediaType);
  } catch (err) {
    deps.logger?.warn({ file: ref.name, err: describeError(err) }, "Files API upload failed; sending the file inline this time");
    return undefined;
  }
  // Two requests (or instances) may upload the same new file at once: the first id stored stands,
  // and the other upload is deleted so it does not sit in the API's storage unused.
  const standing = await deps.blobs.claimFileId(hash, uploaded);
  if (standing !== undefined && standing !== uploaded) {
    await deps.uploader!.delete(uploaded);
    return standing;
  }
  return uploaded;
}
