// The fake Discord gateway (discord.com/developers/docs/events/gateway), JSON encoding, no
// transport compression: discord.js only asks for zlib-stream when the optional zlib-sync package
// is installed (it is not), and then sends `compress: false` in IDENTIFY.
//
// Lifecycle: HELLO → (client) IDENTIFY → READY + GUILD_CREATE per guild; HEARTBEAT → HEARTBEAT_ACK;
// RESUME {session_id, seq} → replay of every dispatch after seq, then RESUMED. Dispatches made
// while the client is away are kept in the session log and replayed on RESUME.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { DiscordState, Json } from "./state.ts";

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Close codes (discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-close-event-codes). */
export const CloseCode = { UnknownError: 4000, AuthenticationFailed: 4004 } as const;

/** Discord's usual heartbeat interval; tests may shorten it to see heartbeats. */
export const DEFAULT_HEARTBEAT_MS = 41_250;

interface Dispatch {
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  log: Dispatch[];
  socket?: WebSocket;
}

export interface GatewayRecord {
  at: number;
  op: number;
  d: unknown;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private current: Session | undefined;
  private replayFloor: number | undefined;
  private offline = false;
  /** Every payload the client sent. */
  readonly received: GatewayRecord[] = [];
  /** Number of WebSocket connections accepted so far. */
  connections = 0;
  identifies = 0;
  resumes = 0;
  /** Dispatches sent again on RESUME. */
  readonly replayed: { t: string; s: number; d: unknown }[] = [];

  constructor(
    private readonly state: DiscordState,
    private readonly token: () => string,
    private readonly url: () => string,
    private readonly heartbeatMs: number,
  ) {
    this.wss.on("connection", (socket) => this.onConnection(socket));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.offline) {
      // An outage: the gateway host answers, but not with a WebSocket.
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit("connection", ws, req));
  }

  /** True while a client is connected and identified or resumed. */
  get connected(): boolean {
    return this.current?.socket !== undefined;
  }

  /** Send an event to the client (or keep it for replay when the client is away). */
  dispatch(t: string, d: unknown): void {
    const session = this.current;
    if (!session) return;
    const event: Dispatch = { t, s: ++session.seq, d };
    session.log.push(event);
    session.socket?.send(JSON.stringify({ op: Op.Dispatch, ...event }));
  }

  /**
   * Drop the connection as Discord does on a network blip (close 4000, which discord.js answers
   * with RESUME). With `replayFromSeq`, the resume replays from there even if the client had seen
   * those events: how a duplicate MESSAGE_CREATE reaches a bot in the wild.
   */
  dropConnection(options: { replayFromSeq?: number } = {}): void {
    this.replayFloor = options.replayFromSeq;
    const socket = this.current?.socket;
    if (this.current) this.current.socket = undefined;
    socket?.close(CloseCode.UnknownError, "fake discord: connection dropped");
  }

  /**
   * An outage: drop the connection (close 4000, as dropConnection) and refuse new ones until
   * goOnline(). "Due to Discord's architecture, disconnects are a semi-regular event and should
   * be expected and handled" (discord.com/developers/docs/events/gateway, "Resuming"); discord.js
   * keeps trying to resume meanwhile, and resumes the session once the gateway answers again.
   */
  goOffline(): void {
    this.offline = true;
    this.dropConnection();
  }

  goOnline(): void {
    this.offline = false;
  }

  /** The sequence number of the last dispatch sent in the current session. */
  get sequence(): number {
    return this.current?.seq ?? 0;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(socket: WebSocket): void {
    this.connections += 1;
    socket.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: this.heartbeatMs } }));
    socket.on("message", (raw) => {
      let payload: { op?: number; d?: unknown };
      try {
        payload = JSON.parse(String(raw)) as { op?: number; d?: unknown };
      } catch {
        socket.close(4002, "Error while decoding payload.");
        return;
      }
      this.received.push({ at: Date.now(), op: payload.op ?? -1, d: payload.d });
      this.onPayload(socket, payload.op, payload.d);
    });
    socket.on("close", () => {
      for (const session of this.sessions.values()) if (session.socket === socket) session.socket = undefined;
    });
  }

  private onPayload(socket: WebSocket, op: number | undefined, d: unknown): void {
    const data = (typeof d === "object" && d !== null ? d : {}) as Json;
    switch (op) {
      case Op.Heartbeat:
        socket.send(JSON.stringify({ op: Op.HeartbeatAck }));
        return;
      case Op.Identify: {
        if (data.token !== this.token()) {
          socket.close(CloseCode.AuthenticationFailed, "Authentication failed.");
          return;
        }
        this.identifies += 1;
        const session: Session = { id: `session-${this.state.ids.next()}`, seq: 0, log: [], socket };
        this.sessions.set(session.id, session);
        if (this.current?.socket && this.current.socket !== socket) this.current.socket.terminate();
        this.current = session;
        const guilds = [...this.state.guilds.keys()];
        this.dispatch("READY", {
          v: 10,
          user: { ...this.state.userJson(this.state.bot.id), verified: true, mfa_enabled: false, flags: 0 },
          guilds: guilds.map((id) => ({ id, unavailable: true })),
          session_id: session.id,
          resume_gateway_url: this.url(),
          shard: [0, 1],
          application: { id: this.state.applicationId, flags: 0 },
        });
        for (const id of guilds) this.dispatch("GUILD_CREATE", this.state.guildJson(id));
        return;
      }
      case Op.Resume: {
        const session = this.sessions.get(String(data.session_id));
        if (!session || data.token !== this.token()) {
          socket.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
          return;
        }
        this.resumes += 1;
        session.socket = socket;
        this.current = session;
        const from = Math.min(Number(data.seq ?? 0), this.replayFloor ?? Number.POSITIVE_INFINITY);
        this.replayFloor = undefined;
        for (const event of session.log) {
          if (event.s <= from) continue;
          this.replayed.push(event);
          socket.send(JSON.stringify({ op: Op.Dispatch, ...event }));
        }
        this.dispatch("RESUMED", {});
        return;
      }
      default:
        socket.close(4001, "Unknown opcode.");
    }
  }
}
