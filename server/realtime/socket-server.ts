/**
 * The Socket.IO server: typed with the shared event maps, MessagePack on the wire, limited to
 * small client messages, closed to foreign origins, and with connection state recovery (a
 * connection that drops and returns within two minutes keeps its id, rooms and data and gets the
 * reliable broadcasts it missed). Sessions attach to it in session-gateway.ts.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol/events.js';
import { isOriginAllowed } from './origin-policy.js';
import { wireParser } from './wire-parser.js';

/** Largest message a client may send, bytes; every client payload is well under 1 kB. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

/** How long a dropped connection may be recovered, ms. */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/** What the server keeps on each connection (restored with it on recovery). */
export interface LiveSocketData {
  sessionId: string;
  /** SHA-256 (hex) of the host token the handshake presented; null when none was. */
  hostTokenHash: string | null;
  /** The nickname the handshake asked for; undefined to get a generated one. */
  nickname?: string;
  /** Whether this connection receives weight snapshots (handshake `weights`, then `subscribe`). */
  weights: boolean;
}

/** A session command forwarded to the node that runs the session (with --redis; scale/cluster-rpc.ts). */
export interface ClusterCall {
  sessionId: string;
  method: string;
  args: unknown[];
}

/** The owner's answer; null from every other node. */
export type ClusterReply = { value: unknown } | null;

/** Events between server nodes (through the Redis Streams adapter). */
export interface InterServerEvents {
  'cluster:call': (call: ClusterCall, ack: (reply: ClusterReply) => void) => void;
  /** Session `sessionId` now runs on another node: every node re-admits its connections to it (a fresh `welcome`). */
  'cluster:resync': (sessionId: string) => void;
}

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, LiveSocketData>;

export interface SocketServerOptions {
  /** Origins allowed besides the server's own host (e.g. a dev server), `scheme://host[:port]`. */
  allowedOrigins?: readonly string[];
}

/** Attaches a Socket.IO server to `httpServer`. */
export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions = {}): LiveServer {
  const allowList = options.allowedOrigins ?? [];
  return new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, LiveSocketData>(httpServer, {
    serveClient: false,
    parser: wireParser,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
    allowRequest: (req, callback) => {
      const allowed = isOriginAllowed(req.headers.origin, req.headers.host, allowList);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });
}
