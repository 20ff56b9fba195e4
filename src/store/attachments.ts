// Attachment bytes, stored once per content hash apart from the message rows that refer to them
// (migration 006). Messages hold only references, so reading a thread never reads its files.
import type { Db } from "./db.ts";

/** What a message row keeps about one of its files (JSON in messages.attachments). */
export interface AttachmentRef {
  name: string;
  kind: "image" | "pdf" | "text" | "unusable";
  /** As sent to Claude: image/jpeg|png|gif|webp, application/pdf, text/plain. */
  mediaType: string;
  /** sha256 of the bytes, hex: the key in attachment_blobs (absent when we never had the bytes). */
  hash?: string;
  /** Bytes of the file. */
  size: number;
  width?: number;
  height?: number;
  pages?: number;
  /** Why the file is left out, worded to follow its name ("is a type of file Palaver cannot read"). */
  problem?: string;
  /** Rows written before migration 006 carried the bytes inline, base64. */
  inlineBase64?: string;
}

export class AttachmentStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      put: db.prepare(
        `INSERT INTO attachment_blobs (hash, media_type, size, bytes, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (hash) DO NOTHING`,
      ),
      get: db.prepare<[string], { bytes: Buffer }>("SELECT bytes FROM attachment_blobs WHERE hash = ?"),
      rejected: db.prepare<[string], { rejected: string | null }>("SELECT rejected FROM attachment_blobs WHERE hash = ?"),
      reject: db.prepare("UPDATE attachment_blobs SET rejected = ? WHERE hash = ?"),
      count: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM attachment_blobs"),
    };
  }

  /** Store bytes under their hash; a second copy of the same content is not stored again. */
  put(hash: string, mediaType: string, bytes: Buffer, now: number): void {
    this.stmts.put.run(hash, mediaType, bytes.length, bytes, now);
  }

  get(hash: string): Buffer | undefined {
    return this.stmts.get.get(hash)?.bytes;
  }

  /** Why Claude refused these bytes, when it did. */
  rejection(hash: string): string | undefined {
    return this.stmts.rejected.get(hash)?.rejected ?? undefined;
  }

  markRejected(hash: string, reason: string): void {
    this.stmts.reject.run(reason, hash);
  }

  count(): number {
    return this.stmts.count.get()!.n;
  }
}
