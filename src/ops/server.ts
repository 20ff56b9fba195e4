// The one HTTP server Palaver runs, on PORT, whatever the platforms: health (/livez, /readyz),
// metrics (/metrics) and any endpoint an adapter mounts on it (Slack's /slack/events in HTTP mode).
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpEndpoint } from "../types.ts";
import type { Logger } from "../runtime/log.ts";
import { describeError, PalaverError } from "../errors.ts";

export const LIVEZ_PATH = "/livez";
export const READYZ_PATH = "/readyz";
export const METRICS_PATH = "/metrics";

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface OpsServerDeps {
  port: number;
  /** Host to bind; unset binds every interface (a container's port must be reachable). */
  host?: string;
  logger: Logger;
  readiness(): Promise<Readiness>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** When set, /metrics wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Endpoints adapters mount, looked up per request (adapters start after the server). */
  endpoints(): HttpEndpoint[];
}

/** SHA-256 both sides first: equal lengths for timingSafeEqual, and no early exit on length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store", ...headers });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>) =>
  send(res, status, "application/json; charset=utf-8", `${JSON.stringify(value)}\n`, headers);

export class OpsServer {
  private readonly server: Server;

  constructor(private readonly deps: OpsServerDeps) {
    this.server = createServer((req, res) => this.route(req, res));
  }

  /** Listen on the configured port; resolves with the port actually bound (PORT=0 picks one). */
  listen(): Promise<number> {
    const port = this.deps.port;
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException) => {
        const why =
          err.code === "EADDRINUSE"
            ? `PORT ${port} is already in use: stop what listens there or set PORT to a free port`
            : err.code === "EACCES"
              ? `PORT ${port} needs privileges Palaver does not have: use a port above 1023`
              : `could not listen on PORT ${port}: ${err.message}`;
        reject(new PalaverError("http_failed", why, { cause: err }));
      };
      this.server.once("error", failed);
      this.server.listen(port, this.deps.host, () => {
        this.server.off("error", failed);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get port(): number | undefined {
    const address = this.server.address();
    return typeof address === "object" && address !== null ? address.port : undefined;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive connections (a scraper, Slack) would hold close() open until they time out.
      this.server.closeIdleConnections();
    });
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const ops = path === LIVEZ_PATH || path === READYZ_PATH || path === METRICS_PATH;
    if (ops && req.method !== "GET" && req.method !== "HEAD") {
      json(res, 405, { error: "method not allowed" }, { allow: "GET, HEAD" });
      return;
    }
    switch (path) {
      case LIVEZ_PATH:
        // Alive means the event loop answers: nothing outside the process is consulted.
        json(res, 200, { status: "alive" });
        return;
      case READYZ_PATH: {
        this.deps.readiness().then(
          (readiness) => {
            if (readiness.ready) json(res, 200, { status: "ready" });
            else json(res, 503, { status: "not ready", reason: readiness.reason });
          },
          (err: unknown) => json(res, 503, { status: "not ready", reason: describeError(err).message }),
        );
        return;
      }
      case METRICS_PATH:
        this.serveMetrics(req, res);
        return;
    }
    const endpoint = this.deps.endpoints().find((e) => e.path === path);
    if (!endpoint) {
      json(res, 404, { error: "not found" });
      return;
    }
    try {
      endpoint.listener(req, res);
    } catch (err) {
      this.deps.logger.error({ err: describeError(err), path }, "an HTTP endpoint failed");
      if (!res.headersSent) json(res, 500, { error: "internal error" });
    }
  }

  private serveMetrics(req: IncomingMessage, res: ServerResponse): void {
    const token = this.deps.metricsToken;
    if (token !== undefined) {
      const header = req.headers.authorization ?? "";
      const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
      if (!sameSecret(given, token)) {
        json(res, 401, { error: "unauthorized: send Authorization: Bearer <METRICS_TOKEN>" }, { "www-authenticate": 'Bearer realm="metrics"' });
        return;
      }
    }
    this.deps.metrics().then(
      ({ contentType, body }) => send(res, 200, contentType, body),
      (err: unknown) => {
        this.deps.logger.error({ err: describeError(err) }, "could not render /metrics");
        json(res, 500, { error: "metrics unavailable" });
      },
    );
  }
}
