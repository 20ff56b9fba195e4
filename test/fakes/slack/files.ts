// Files in the fake Slack: file objects on messages, files.info, and the downloads behind
// url_private_download, failing the ways Slack's do (platform-facts-2.md §0.3–0.4, §2):
// - "Download with `Authorization: Bearer <bot token>` (`files:read`). A failed auth returns HTTP
//   200 with an HTML login page, not 401."
// - Slack redirects a file download to another host (community reports, §7: not in Slack's docs):
//   here /files-pri/… on the API host answers 302 to a signed /cdn/… URL on another host name
//   (localhost instead of 127.0.0.1), which needs no token and records whether one came anyway.
// - "Slack Connect files arrive as stubs { id, file_access: 'check_file_info' } → call files.info"
//   (https://docs.slack.dev/reference/methods/files.info).
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { TEAM } from "./state.ts";

export interface FakeFile {
  id: string;
  name: string;
  mimetype: string;
  bytes: Buffer;
  /** Shared from another organisation over Slack Connect: events carry only a stub. */
  connect: boolean;
  /** Simulates a token without files:read: the download answers with the sign-in page. */
  signInPage: boolean;
}

export interface FileDownload {
  host: string;
  path: string;
  authorization?: string;
  status: number;
}

/** What Slack serves in place of a file when the token does not work (HTTP 200, text/html). */
const SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Fake Workspace</body></html>";

export class FakeFiles {
  readonly files = new Map<string, FakeFile>();
  readonly downloads: FileDownload[] = [];
  private seq = 0;
  private readonly signatures = new Map<string, string>();

  constructor(
    private readonly apiBase: () => string,
    private readonly botToken: () => string,
  ) {}

  add(o: { name: string; mimetype: string; bytes: Buffer; connect?: boolean; signInPage?: boolean }): FakeFile {
    const id = `F0FILE${++this.seq}`;
    const f: FakeFile = { id, name: o.name, mimetype: o.mimetype, bytes: o.bytes, connect: o.connect ?? false, signInPage: o.signInPage ?? false };
    this.files.set(id, f);
    return f;
  }

  /** The full file object (files.info, and message events for files of this workspace). */
  object(f: FakeFile): Record<string, unknown> {
    const base = `${this.apiBase()}/files-pri/${TEAM.id}-${f.id}`;
    return {
      id: f.id,
      name: f.name,
      title: f.name,
      mimetype: f.mimetype,
      filetype: f.name.split(".").pop() ?? "",
      size: f.bytes.length,
      mode: "hosted",
      is_external: false,
      url_private: `${base}/${encodeURIComponent(f.name)}`,
      url_private_download: `${base}/download/${encodeURIComponent(f.name)}`,
    };
  }

  /** As a message event carries it: a Slack Connect file is only a stub. */
  inEvent(id: string): Record<string, unknown> {
    const f = this.files.get(id);
    if (!f) throw new Error(`fake slack: no file ${id}`);
    return f.connect ? { id: f.id, file_access: "check_file_info" } : this.object(f);
  }

  /** Serve /files-pri/… (bearer auth, then a redirect) and /cdn/… (signed, no auth); false for other paths. */
  route(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const priv = /^\/files-pri\/[A-Z0-9]+-(F0FILE\d+)\//.exec(url.pathname);
    const cdn = /^\/cdn\/(F0FILE\d+)$/.exec(url.pathname);
    if (req.method !== "GET" || (!priv && !cdn)) return false;
    const record = (status: number) =>
      this.downloads.push({ host: req.headers.host ?? "", path: url.pathname, authorization: req.headers.authorization, status });
    const f = this.files.get((priv ?? cdn)![1]!);
    if (!f) {
      record(404);
      res.writeHead(404, { "content-type": "text/plain" }).end("file_not_found");
      return true;
    }
    if (priv) {
      if (req.headers.authorization !== `Bearer ${this.botToken()}` || f.signInPage) {
        record(200);
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(SIGN_IN_PAGE);
        return true;
      }
      const sig = randomBytes(8).toString("hex");
      this.signatures.set(f.id, sig);
      record(302);
      const cdnHost = this.apiBase().replace("127.0.0.1", "localhost");
      res.writeHead(302, { location: `${cdnHost}/cdn/${f.id}?sig=${sig}` }).end();
      return true;
    }
    if (url.searchParams.get("sig") !== this.signatures.get(f.id)) {
      record(403);
      res.writeHead(403, { "content-type": "text/plain" }).end("bad signature");
      return true;
    }
    record(200);
    res.writeHead(200, { "content-type": f.mimetype, "content-length": String(f.bytes.length) }).end(f.bytes);
    return true;
  }
}
