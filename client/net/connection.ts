/**
 * The page's realtime connection to the rgflow server: a typed Socket.IO client speaking
 * MessagePack, that reconnects by itself (exponential backoff up to 5 s) and reports its state.
 * A new connection starts with a `welcome` carrying a full snapshot; a recovered one (back
 * within 2 min) gets the reliable events it missed instead.
 *
 * Which session and role: `?code=ABC234` (join code) and `?nickname=…` in the page URL, and
 * `#host=<host token>` in its fragment (never sent in a request line); none joins the default
 * session as a student with a generated nickname.
 */
import { io, type Socket } from 'socket.io-client';
import * as msgpackParser from 'socket.io-msgpack-parser';
import type {
  ClientToServerEvents,
  ErrorPayload,
  FramePayload,
  ProposeTemperatureAck,
  ServerToClientEvents,
  TemperaturePayload,
  WelcomePayload,
} from '../../shared/protocol/events.js';
import type { HandshakeAuth } from '../../shared/protocol/schemas.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface ConnectionHandlers {
  state: (state: ConnectionState, detail: string) => void;
  welcome: (payload: WelcomePayload) => void;
  frame: (payload: FramePayload) => void;
  temperature: (payload: TemperaturePayload) => void;
  error: (payload: ErrorPayload) => void;
}

export interface LiveConnection {
  /** Proposes temperature T (J/k_B); resolves with the server's answer, or a failure after 5 s. */
  proposeTemperature(temperature: number): Promise<ProposeTemperatureAck>;
}

/** Time to wait for an acknowledgement, ms. */
const ACK_TIMEOUT_MS = 5000;

/** The handshake `auth` named by the page URL (see the header). */
export function authFromLocation(location: Location): HandshakeAuth {
  const query = new URLSearchParams(location.search);
  const hostToken = new URLSearchParams(location.hash.replace(/^#/, '')).get('host');
  const auth: HandshakeAuth = {};
  const code = query.get('code');
  const nickname = query.get('nickname');
  if (code) auth.sessionCode = code;
  if (nickname) auth.nickname = nickname;
  if (hostToken) auth.hostToken = hostToken;
  return auth;
}

/** Connects to the server that served this page. */
export function connectLive(handlers: ConnectionHandlers, auth: HandshakeAuth = {}): LiveConnection {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
    parser: msgpackParser,
    auth,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  handlers.state('connecting', 'connecting…');
  socket.on('connect', () => handlers.state('live', 'live'));
  socket.on('disconnect', (reason) => handlers.state('reconnecting', `reconnecting… (${reason})`));
  socket.on('connect_error', (error) => handlers.state('reconnecting', `reconnecting… (${error.message})`));
  socket.on('welcome', handlers.welcome);
  socket.on('frame', handlers.frame);
  socket.on('temperature', handlers.temperature);
  socket.on('error', handlers.error);

  return {
    async proposeTemperature(temperature) {
      try {
        return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('proposeTemperature', { temperature });
      } catch {
        return { ok: false, code: 'engine-unavailable', message: 'no answer from the server' };
      }
    },
  };
}
