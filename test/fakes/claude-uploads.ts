// The fake Claude's Files API: uploads kept in memory per API key, and Messages requests that refer
// to them by file_id. Sources (Files API guide https://platform.claude.com/docs/en/build-with-claude/files,
// API reference https://platform.claude.com/docs/en/api/files-create, SDK 1.13 resources/files.d.ts):
// - POST /v1/files, multipart/form-data with one part `file` → 200 FileMetadata
//   { id:"file_…", type:"file", filename, mime_type, size_bytes, created_at (RFC 3339), downloadable:false }.
//   "Only the final path component of the part's filename is kept" (files.d.ts FileUploadParams).
// - DELETE /v1/files/{file_id} → { id, type:"file_deleted" } (DeletedFile); unknown id → 404.
// - GET /v1/files/{file_id} → FileMetadata; unknown id → 404.
// - "Files are scoped to the workspace of the API key": another key cannot use them (here: a key is
//   a workspace).
// - Content blocks: application/pdf and text/plain → `document`; image/jpeg|png|gif|webp → `image`
//   (guide, "File types and content blocks"), each with `source: { type:"file", file_id }`.
// - Errors (guide, "Error handling"): "File not found (404): The specified file_id doesn't exist or
//   you don't have access to it"; "Invalid file type (400): File type doesn't match the content block
//   type"; "File too large (413): File exceeds 500 MB limit". The exact message wording is not
//   documented; ours names the id, in the API's usual JSON error body.
// - Beta header: the guide's examples send `anthropic-beta: files-api-2025-04-14`; SDK 1.13 has the
//   endpoints outside `beta` and sends none (platform-facts-2.md §1.6), so the fake accepts both and
//   records the headers for tests to check.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import type { ContentBlockBody, MessagesBody } from "./claude-wire.ts";

export const FAKE_MAX_UPLOAD_BYTES = 500 * 1024 * 1024;

export interface FakeStoredFile {
  id: string;
  /** The API key that uploaded it (its workspace). */
  key: string;
  filename: string;
  mimeType: string;
  bytes: Buffer;
  createdAt: string;
}

export interface UploadFailure {
  /** Answer with this HTTP error (default 500). */
  status?: number;
  /** Never answer: the client's timeout decides. */
  hang?: boolean;
}

export interface Answer {
  status: number;
  body?: unknown;
  message?: string;
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const DOCUMENT_TYPES = new Set(["application/pdf", "text/plain"]);

export class FakeUploads {
  private readonly files = new Map<string, FakeStoredFile>();
  private readonly failures: UploadFailure[] = [];
  private counter = 0;

  /** The next `times` upload attempts fail this way (the SDK retries an upload's 5xx once). */
  failUploads(times: number, failure: UploadFailure = {}): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  /** Files held now (deleted ones are gone). */
  stored(): FakeStoredFile[] {
    return [...this.files.values()];
  }

  /** Delete a file behind the client's back (its expiry, or a console user deleting it). */
  remove(id: string): void {
    this.files.delete(id);
  }

  /** The failure planned for the next upload attempt, if any. */
  nextFailure(): UploadFailure | undefined {
    return this.failures.shift();
  }

  async upload(headers: IncomingHttpHeaders, raw: Buffer, key: string): Promise<Answer> {
    const type = headers["content-type"] ?? "";
    if (!type.startsWith("multipart/form-data")) return { status: 400, message: "Content-Type must be multipart/form-data" };
    let form: FormData;
    try {
      // undici parses the multipart body exactly as a server framework would.
      form = await new Request("http://fake/v1/files", { method: "POST", headers: { "content-type": type }, body: new Uint8Array(raw) }).formData();
    } catch {
      return { status: 400, message: "Invalid multipart/form-data body" };
    }
    const file = form.get("file");
    if (!(file instanceof File)) return { status: 400, message: "file: Field required" };
    if (file.size > FAKE_MAX_UPLOAD_BYTES) return { status: 413, message: "File exceeds 500 MB limit" };
    const id = `file_fake${++this.counter}${randomBytes(6).toString("hex")}`;
    const stored: FakeStoredFile = {
      id,
      key,
      filename: file.name.split(/[\\/]/).pop() || "unnamed",
      mimeType: (file.type || "application/octet-stream").split(";")[0]!.trim(),
      bytes: Buffer.from(await file.arrayBuffer()),
      createdAt: new Date().toISOString(),
    };
    this.files.set(id, stored);
    return { status: 200, body: metadata(stored) };
  }

  get(id: string, key: string): Answer {
    const f = this.visible(id, key);
    return f ? { status: 200, body: metadata(f) } : notFound(id);
  }

  delete(id: string, key: string): Answer {
    if (!this.visible(id, key)) return notFound(id);
    this.files.delete(id);
    return { status: 200, body: { id, type: "file_deleted" } };
  }

  /**
   * The request as the model sees it: every `source: {type:"file"}` replaced by the stored bytes
   * (base64), so the usual checks on files (claude-files.ts) apply to uploads too. The body as sent
   * is left unchanged (it is what the request log shows).
   */
  resolve(body: MessagesBody, key: string): { body: MessagesBody } | { problem: Answer } {
    let problem: Answer | undefined;
    const messages = body.messages.map((m, i) => {
      if (typeof m.content === "string") return m;
      const content = m.content.map((block, j): ContentBlockBody => {
        const source = block.source as { type?: string; file_id?: unknown } | undefined;
        if ((block.type !== "image" && block.type !== "document") || source?.type !== "file" || problem) return block;
        const where = `messages.${i}.content.${j}.source`;
        if (typeof source.file_id !== "string") {
          problem = { status: 400, message: `${where}.file_id: Field required` };
          return block;
        }
        const file = this.visible(source.file_id, key);
        if (!file) {
          problem = notFound(source.file_id);
          return block;
        }
        const fits = block.type === "image" ? IMAGE_TYPES.has(file.mimeType) : DOCUMENT_TYPES.has(file.mimeType);
        if (!fits) {
          problem = { status: 400, message: `${where}: file ${file.id} has type ${file.mimeType}, which cannot be used in a ${block.type} block` };
          return block;
        }
        const inline = file.mimeType === "text/plain"
          ? { type: "text", media_type: "text/plain", data: file.bytes.toString("utf8") }
          : { type: "base64", media_type: file.mimeType, data: file.bytes.toString("base64") };
        return { ...block, source: inline };
      });
      return { ...m, content };
    });
    return problem ? { problem } : { body: { ...body, messages } };
  }

  private visible(id: string, key: string): FakeStoredFile | undefined {
    const f = this.files.get(id);
    return f && f.key === key ? f : undefined;
  }
}

function metadata(f: FakeStoredFile) {
  return { id: f.id, type: "file", filename: f.filename, mime_type: f.mimeType, size_bytes: f.bytes.length, created_at: f.createdAt, downloadable: false };
}

function notFound(id: string): Answer {
  return { status: 404, message: `File not found: ${id}` };
}

/** The API key a request was made with (its workspace, for the files it may use). */
export function apiKeyOf(headers: IncomingHttpHeaders): string {
  const key = headers["x-api-key"] ?? headers.authorization ?? "";
  return (Array.isArray(key) ? key.join(",") : key).replace(/^Bearer\s+/i, "");
}

/** Write an upload route's success answer (errors go through sendError). */
export function sendJson(res: ServerResponse, requestId: string, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json", "request-id": requestId }).end(JSON.stringify(body));
}
