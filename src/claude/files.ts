// Claude's Files API through @anthropic-ai/sdk: a large file is uploaded once and later requests
// refer to it by file_id instead of carrying its bytes (platform-facts-2.md §1.6).
//
// SDK 1.13 has the endpoints outside `beta` (client.files.upload / .delete, nm:…/resources/files.d.ts)
// and sends no beta header. The Files API docs still show `anthropic-beta: files-api-2025-04-14` on
// the upload and on every Messages request that refers to a file_id; sending it costs nothing
// where the API no longer needs it, so we send it on all of them (FILES_BETA_HEADERS).
import Anthropic, { toFile } from "@anthropic-ai/sdk";
import type { Logger } from "../runtime/log.ts";
import { describeError, PalaverError } from "../errors.ts";

export const FILES_API_BETA = "files-api-2025-04-14";
export const FILES_BETA_HEADERS = { "anthropic-beta": FILES_API_BETA } as const;

/**
 * Files smaller than this stay inline (base64): an upload is one more round trip before the
 * reply starts, worth it only when the bytes would otherwise weigh on every later request.
 */
export const FILES_API_MIN_BYTES = 256 * 1024;

/** An upload that has not finished by then is given up: this turn sends the bytes inline instead. */
export const UPLOAD_TIMEOUT_MS = 60_000;

/** Uploads are retried by the SDK at most this often (connection errors, 408/409/429/5xx). */
const UPLOAD_RETRIES = 1;

/** What the history's file filling needs: upload bytes, get an id back. */
export interface FileUploader {
  /** Off (PALAVER_FILES_API=false): every file is sent inline. */
  readonly enabled: boolean;
  upload(bytes: Buffer, name: string, mediaType: string): Promise<string>;
  /** Best effort; never throws. */
  delete(fileId: string): Promise<void>;
}

export class ClaudeFiles implements FileUploader {
  constructor(
    private readonly client: Anthropic,
    private readonly logger: Logger,
    readonly enabled: boolean,
    private readonly uploadTimeoutMs = UPLOAD_TIMEOUT_MS,
  ) {}

  /** Upload bytes; returns the file_id. Throws PalaverError("claude_upload_failed") on any failure. */
  async upload(bytes: Buffer, name: string, mediaType: string): Promise<string> {
    try {
      const file = await toFile(bytes, name, { type: mediaType });
      const meta = await this.client.files.upload(
        { file },
        { headers: FILES_BETA_HEADERS, timeout: this.uploadTimeoutMs, maxRetries: UPLOAD_RETRIES },
      );
      this.logger.info({ fileId: meta.id, bytes: bytes.length, mediaType }, "file uploaded to Claude");
      return meta.id;
    } catch (err) {
      throw new PalaverError("claude_upload_failed", `uploading ${mediaType} (${bytes.length} bytes) failed: ${describeError(err).message}`, { cause: err });
    }
  }

  /**
   * Delete an uploaded file (after /palaver forget removed the last message that used it). Best
   * effort: a failure is logged, and a file Claude no longer has counts as deleted.
   */
  async delete(fileId: string): Promise<void> {
    try {
      await this.client.files.delete(fileId, {}, { headers: FILES_BETA_HEADERS });
      this.logger.info({ fileId }, "file deleted from Claude");
    } catch (err) {
      if (err instanceof Anthropic.NotFoundError) return;
      this.logger.warn({ fileId, err: describeError(err) }, "could not delete a file from Claude; it stays in the API's file storage");
    }
  }
}

/** Whether a request refers to any uploaded file (then the beta header goes with it). */
export function refersToFiles(messages: readonly Anthropic.MessageParam[]): boolean {
  return messages.some(
    (m) => typeof m.content !== "string" && m.content.some((b) => (b.type === "image" || b.type === "document") && b.source.type === "file"),
  );
}
