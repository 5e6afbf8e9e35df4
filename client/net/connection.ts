/**
 * The page's realtime connection to the rgflow server: a typed Socket.IO client that
 * reconnects by itself (exponential backoff up to 5 s) and reports its state. Every
 * (re)connection starts with a `welcome` carrying a full snapshot, so nothing has to be replayed.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ErrorPayload,
  FramePayload,
  ServerToClientEvents,
  SetTemperatureAck,
  TemperaturePayload,
  WelcomePayload,
} from '../../shared/protocol/events.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface ConnectionHandlers {
  state: (state: ConnectionState, detail: string) => void;
  welcome: (payload: WelcomePayload) => void;
  frame: (payload: FramePayload) => void;
  temperature: (payload: TemperaturePayload) => void;
  error: (payload: ErrorPayload) => void;
}

export interface LiveConnection {
  /** Asks the server for temperature T (J/k_B); resolves with its answer, or a failure after 5 s. */
  setTemperature(temperature: number): Promise<SetTemperatureAck>;
}

/** Time to wait for an acknowledgement, ms. */
const ACK_TIMEOUT_MS = 5000;

/** Connects to the server that served this page. */
export function connectLive(handlers: ConnectionHandlers): LiveConnection {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
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
    async setTemperature(temperature) {
      try {
        return await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('setTemperature', { temperature });
      } catch {
        return { ok: false, code: 'engine-unavailable', message: 'no answer from the server' };
      }
    },
  };
}
