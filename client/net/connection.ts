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
import type { HyperparameterInput, ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import type {
  ClientToServerEvents,
  CommandFailure,
  ControlAck,
  ErrorPayload,
  OpenReplayAck,
  PolicyMode,
  ProposeTemperatureAck,
  RemovedPayload,
  RemoveParticipantAck,
  ReplayControlAck,
  ReplayPayload,
  ServerToClientEvents,
  SetPolicyAck,
  SubscribeAck,
  WelcomePayload,
} from '../../shared/protocol/events.js';
import type { HandshakeAuth, ReplayControlPayload } from '../../shared/protocol/schemas.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'removed';

/** The broadcast events a SessionState applies by name. */
export const BROADCAST_EVENTS = ['frame', 'weights', 'metrics', 'temperature', 'control', 'status', 'policy', 'vote', 'presence', 'camera'] as const;
export type BroadcastName = (typeof BROADCAST_EVENTS)[number];

export interface ConnectionHandlers {
  state: (state: ConnectionState, detail: string) => void;
  welcome: (payload: WelcomePayload) => void;
  /** Any broadcast event (frames, metrics, presence, …), by name. */
  broadcast: (type: BroadcastName, payload: unknown) => void;
  error: (payload: ErrorPayload) => void;
  removed: (payload: RemovedPayload) => void;
  replay: (payload: ReplayPayload) => void;
}

/** Time to wait for an acknowledgement, ms. */
const ACK_TIMEOUT_MS = 5000;

const noAnswer = (): CommandFailure => ({ ok: false, code: 'engine-unavailable', message: 'no answer from the server' });

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

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class LiveConnection {
  private readonly socket: LiveSocket;

  constructor(handlers: ConnectionHandlers, auth: HandshakeAuth = {}) {
    this.socket = io({ parser: msgpackParser, auth, reconnectionDelay: 500, reconnectionDelayMax: 5000 });
    const socket = this.socket;
    handlers.state('connecting', 'connecting…');
    socket.on('connect', () => handlers.state('live', socket.recovered ? 'live (resumed)' : 'live'));
    socket.on('disconnect', (reason) => {
      // A server-side disconnect is not retried by socket.io-client; removal is final.
      if (reason === 'io server disconnect' && !removed) socket.connect();
      if (!removed) handlers.state('reconnecting', `reconnecting… (${reason})`);
    });
    socket.on('connect_error', (error) => handlers.state('reconnecting', `reconnecting… (${error.message})`));
    socket.on('welcome', handlers.welcome);
    for (const name of BROADCAST_EVENTS) {
      (socket as unknown as { on: (event: string, listener: (payload: unknown) => void) => void }).on(name, (payload) => handlers.broadcast(name, payload));
    }
    socket.on('error', handlers.error);
    socket.on('replay', handlers.replay);
    let removed = false;
    socket.on('removed', (payload) => {
      removed = true;
      handlers.removed(payload);
      handlers.state('removed', 'removed by the host');
    });
  }

  /** Proposes temperature T (J/k_B). */
  proposeTemperature(temperature: number): Promise<ProposeTemperatureAck> {
    return this.ask('proposeTemperature', { temperature });
  }

  setPolicy(mode: PolicyMode): Promise<SetPolicyAck> {
    return this.ask('setPolicy', { mode });
  }

  pause(): Promise<ControlAck> {
    return this.ask('pause', {});
  }

  resume(): Promise<ControlAck> {
    return this.ask('resume', {});
  }

  reset(settings: ResetSettingsInput): Promise<ControlAck> {
    return this.ask('reset', settings);
  }

  setHyperparameters(hyperparameters: HyperparameterInput): Promise<ControlAck> {
    return this.ask('setHyperparameters', hyperparameters);
  }

  removeParticipant(id: string): Promise<RemoveParticipantAck> {
    return this.ask('removeParticipant', { id });
  }

  /** Starts or stops this page's weight snapshots (the 3D connections, the atlas, the compression strip need them). */
  subscribeWeights(weights: boolean): Promise<SubscribeAck> {
    return this.ask('subscribe', { weights });
  }

  /** Host only: the host's camera, followed by every page in "follow the host" mode. */
  shareCamera(camera: { position: [number, number, number]; target: [number, number, number] }): void {
    if (this.socket.connected) this.socket.volatile.emit('shareCamera', camera);
  }

  openReplay(recordingId: string): Promise<OpenReplayAck> {
    return this.ask('openReplay', { recordingId });
  }

  replayControl(command: ReplayControlPayload): Promise<ReplayControlAck> {
    return this.ask('replayControl', command);
  }

  private async ask<R>(event: keyof ClientToServerEvents, payload: unknown): Promise<R> {
    try {
      const withTimeout = this.socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck: (event: string, payload: unknown) => Promise<R> };
      return await withTimeout.emitWithAck(event, payload);
    } catch {
      return noAnswer() as R;
    }
  }
}
