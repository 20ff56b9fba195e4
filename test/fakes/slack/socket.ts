// Fake Socket Mode: the WebSocket apps.connections.open points the app at. Slack's side of the
// protocol: a `hello` on connect, envelopes {envelope_id, type, payload, accepts_response_payload,
// retry_attempt, retry_reason}, and acks {envelope_id, payload?} coming back. Pings are answered
// by the ws library (the Socket Mode client pings every few seconds and wants pongs).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { BOT } from "./state.ts";

export const SOCKET_PATH = "/link";

/** Slack waits about 3 s for an ack before it retries an envelope. */
const ACK_TIMEOUT_MS = 3_000;

export interface Ack {
  envelopeId: string;
  payload?: unknown;
  at: number;
}

export interface EnvelopeOptions {
  retryAttempt?: number;
  retryReason?: string;
  acceptsResponsePayload?: boolean;
}

export class FakeSocketMode {
  readonly acks: Ack[] = [];
  /** Connections made so far (the client reconnects after a disconnect). */
  connectionCount = 0;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Map<string, (ack: Ack) => void>();

  constructor(server: Server) {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith(SOCKET_PATH)) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  get connected(): boolean {
    return [...this.sockets].some((s) => s.readyState === s.OPEN);
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    this.connectionCount++;
    ws.on("close", () => this.sockets.delete(ws));
    ws.on("message", (data) => {
      let msg: { envelope_id?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return; // Slack ignores what it cannot parse; so do we.
      }
      if (typeof msg.envelope_id !== "string") return;
      const ack: Ack = { envelopeId: msg.envelope_id, payload: msg.payload, at: Date.now() };
      this.acks.push(ack);
      this.waiting.get(msg.envelope_id)?.(ack);
      this.waiting.delete(msg.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.sockets.size,
        debug_info: { host: "fake-slack", approximate_connection_time: 18060 },
        connection_info: { app_id: BOT.appId },
      }),
    );
  }

  /** Send an envelope to the connected app; resolves with its ack (rejects after Slack's 3 s). */
  send(type: "events_api" | "slash_commands" | "interactive", payload: unknown, o: EnvelopeOptions = {}): Promise<Ack> {
    const ws = [...this.sockets].find((s) => s.readyState === s.OPEN);
    if (!ws) return Promise.reject(new Error("fake slack: no Socket Mode connection"));
    const envelopeId = randomUUID();
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(new Error(`fake slack: envelope ${envelopeId} was not acked within ${ACK_TIMEOUT_MS} ms`));
      }, ACK_TIMEOUT_MS);
      this.waiting.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: o.acceptsResponsePayload ?? type === "slash_commands",
        ...(type === "events_api" ? { retry_attempt: o.retryAttempt ?? 0, retry_reason: o.retryReason ?? "" } : {}),
      }),
    );
    return acked;
  }

  /** Ask the app to reconnect, as Slack does when it recycles a connection. */
  requestReconnect(): void {
    for (const ws of this.sockets) ws.send(JSON.stringify({ type: "disconnect", reason: "refresh_requested" }));
  }

  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
