/**
 * The Socket.IO server: typed with the shared event maps, limited to small client messages,
 * and closed to foreign origins. Sessions attach their rooms to it (live-session.ts).
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol/events.js';
import { isOriginAllowed } from './origin-policy.js';

/** Largest message a client may send, bytes; every client payload is a few dozen bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface SocketServerOptions {
  /** Origins allowed besides the server's own host (e.g. a dev server), `scheme://host[:port]`. */
  allowedOrigins?: readonly string[];
}

/** Attaches a Socket.IO server to `httpServer`. */
export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions = {}): LiveServer {
  const allowList = options.allowedOrigins ?? [];
  return new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    allowRequest: (req, callback) => {
      const allowed = isOriginAllowed(req.headers.origin, req.headers.host, allowList);
      callback(allowed ? null : 'origin not allowed', allowed);
    },
  });
}
