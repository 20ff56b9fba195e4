// Attachment bytes, stored once per content hash apart from the message rows that refer to them
// (migration 006). Messages hold only references, so reading a thread never reads its files.
import { sql, type Db } from "./sql.ts";

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
  constructor(private readonly db: Db) {}

  /** Store bytes under their hash; a second copy of the same content is not stored again. */
  async put(hash: string, mediaType: string, bytes: Buffer, now: number): Promise<void> {
    await this.db.run(
      sql`INSERT INTO attachment_blobs (hash, media_type, size, bytes, created_at) VALUES (${hash}, ${mediaType}, ${bytes.length}, ${bytes}, ${now})
          ON CONFLICT (hash) DO NOTHING`,
    );
  }

  async get(hash: string): Promise<Buffer | undefined> {
    return (await this.db.get<{ bytes: Buffer }>(sql`SELECT bytes FROM attachment_blobs WHERE hash = ${hash}`))?.bytes;
  }

  /** Why Claude refused these bytes, when it did. */
  async rejection(hash: string): Promise<string | undefined> {
    return (await this.db.get<{ rejected: string | null }>(sql`SELECT rejected FROM attachment_blobs WHERE hash = ${hash}`))?.rejected ?? undefined;
  }

  async markRejected(hash: string, reason: string): Promise<void> {
    await this.db.run(sql`UPDATE attachment_blobs SET rejected = ${reason} WHERE hash = ${hash}`);
  }

  /** The Claude Files API id these bytes were uploaded under (migration 009), if any. */
  async fileId(hash: string): Promise<string | undefined> {
    return (await this.db.get<{ claude_file_id: string | null }>(sql`SELECT claude_file_id FROM attachment_blobs WHERE hash = ${hash}`))?.claude_file_id ?? undefined;
  }

  /**
   * Remember an upload, unless another request (another instance) got there first; returns the id
   * that stands, so the loser of such a race can delete its own copy.
   */
  async claimFileId(hash: string, fileId: string): Promise<string | undefined> {
    await this.db.run(sql`UPDATE attachment_blobs SET claude_file_id = ${fileId} WHERE hash = ${hash} AND claude_file_id IS NULL`);
    return this.fileId(hash);
  }

  /** Claude no longer knows this id: forget it (only if it is still the one stored), to upload again. */
  async clearFileId(hash: string, fileId: string): Promise<void> {
    await this.db.run(sql`UPDATE attachment_blobs SET claude_file_id = NULL WHERE hash = ${hash} AND claude_file_id = ${fileId}`);
  }

  async count(): Promise<number> {
    return (await this.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM attachment_blobs`))?.n ?? 0;
  }
}
