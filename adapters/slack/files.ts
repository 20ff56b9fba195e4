// Files shared with a message Palaver answers (`files` on app_mention and on message events of
// subtype file_share), downloaded with the bot token. The core decides what each file is and
// checks the API's limits (src/context/files); here we only get the bytes, safely.
//
// Slack facts (platform-facts-2.md §0.3–0.4, §2):
// - url_private / url_private_download need `Authorization: Bearer <bot token>` and the files:read
//   scope. "A failed auth returns HTTP 200 with an HTML login page, not 401": the content type
//   tells a sign-in page from the file.
// - Slack redirects file downloads, and fetch drops (or, across some redirects, would send)
//   Authorization: redirects are followed here, by hand, and the token goes only to Slack's own
//   hosts.
// - Slack Connect files arrive as stubs `{ id, file_access: "check_file_info" }`: files.info
//   gives the full file object.
import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../src/runtime/log.ts";
import type { Attachment } from "../../src/types.ts";
import { describeError } from "../../src/errors.ts";

/** Nothing larger can reach Claude: "Request size 32 MB" (platform-facts-2.md §1.2). */
const MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024;
/** Redirects followed per file; Slack's file links take one or two. */
const MAX_REDIRECTS = 5;

export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  file_access?: string;
  /** "tombstone" for a deleted file, "hidden_by_limit" past a free workspace's storage limit. */
  mode?: string;
}

export interface FileDownloadDeps {
  client: WebClient;
  token: string;
  /** SLACK_API_URL: a proxy or test double in front of Slack is trusted like Slack itself. */
  apiUrl: string;
  logger: Logger;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function readFiles(raw: unknown): SlackFile[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw
    .filter((f): f is Record<string, unknown> => typeof f === "object" && f !== null)
    .map((f) => ({
      id: str(f.id),
      name: str(f.name),
      title: str(f.title),
      mimetype: str(f.mimetype),
      size: typeof f.size === "number" ? f.size : undefined,
      url_private: str(f.url_private),
      url_private_download: str(f.url_private_download),
      file_access: str(f.file_access),
      mode: str(f.mode),
    }));
}

/** Slack's own hosts (slack.com and its subdomains, e.g. files.slack.com), or the configured API's. */
export function isSlackHost(url: URL, apiUrl: string): boolean {
  const host = url.hostname.toLowerCase();
  if (url.protocol === "https:" && (host === "slack.com" || host.endsWith(".slack.com"))) return true;
  return url.origin === new URL(apiUrl).origin;
}

class DownloadProblem extends Error {}

async function download(start: string, deps: FileDownloadDeps): Promise<Buffer> {
  let url = new URL(start);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = isSlackHost(url, deps.apiUrl) ? { authorization: `Bearer ${deps.token}` } : {};
    const res = await fetch(url, { headers, redirect: "manual" });
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (!location) throw new DownloadProblem(`HTTP ${res.status} without a location`);
      url = new URL(location, url);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new DownloadProblem(`HTTP ${res.status}`);
    }
    if ((res.headers.get("content-type") ?? "").toLowerCase().startsWith("text/html")) {
      await res.body?.cancel();
      throw new DownloadProblem("Slack sent a sign-in page instead of the file (does the app have the files:read scope?)");
    }
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > MAX_DOWNLOAD_BYTES) {
      await res.body?.cancel();
      throw new DownloadProblem("over 32 MB");
    }
    return Buffer.from(await res.arrayBuffer());
  }
  throw new DownloadProblem("too many redirects");
}

async function resolveStub(f: SlackFile, deps: FileDownloadDeps): Promise<SlackFile> {
  if (f.file_access !== "check_file_info" || !f.id) return f;
  const info = await deps.client.files.info({ file: f.id });
  return readFiles([info.file])?.[0] ?? f;
}

/** Every file of a message, downloaded, or with the reason it could not be. */
export async function downloadFiles(files: SlackFile[], deps: FileDownloadDeps): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const stub of files) {
    let f = stub;
    const name = () => f.name ?? f.title ?? f.id ?? "file";
    try {
      f = await resolveStub(stub, deps);
      const base = { name: name(), ...(f.mimetype ? { mediaType: f.mimetype } : {}) };
      const url = f.url_private_download ?? f.url_private;
      if (f.mode === "tombstone" || !url) {
        out.push({ ...base, problem: "is no longer available on Slack" });
      } else if ((f.size ?? 0) > MAX_DOWNLOAD_BYTES) {
        out.push({ ...base, problem: "is over the API's limit of 32 MB per request" });
      } else {
        out.push({ ...base, data: await download(url, deps) });
      }
    } catch (err) {
      deps.logger.warn({ err: describeError(err), file: name() }, "slack: could not download a file; answering without it");
      out.push({ name: name(), problem: err instanceof DownloadProblem && /sign-in/.test(err.message) ? "could not be downloaded: Slack sent a sign-in page instead of the file" : "could not be downloaded from Slack" });
    }
  }
  return out;
}
