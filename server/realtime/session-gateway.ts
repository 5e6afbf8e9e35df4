/**
 * Joins Socket.IO connections to sessions. The handshake (`auth`: sessionCode | sessionId,
 * nickname, hostToken) is validated by schema and refused with a `connect_error` whose
 * `data.code` says why; an admitted connection joins its session's room and gets `welcome` (a
 * full snapshot), a recovered one rejoins silently (Socket.IO replays what it missed) — or, if
 * its session no longer knows it (restarted meanwhile), joins afresh with a `welcome`. Each
 * connection gets its own rate limiter and the command edge of client-commands.ts.
 */
import { hashHostToken } from '../sessions/tokens.js';
import { ConnectionRateLimiter, DEFAULT_RATE_LIMITS, type RateLimitConfig } from '../sessions/rate-limit.js';
import type { HubEmit } from '../sessions/session-hub.js';
import type { SessionPort } from '../sessions/session-port.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import { sessionRoom, weightsRoom } from '../../shared/protocol/events.js';
import { handshakeAuthSchema } from '../../shared/protocol/schemas.js';
import { describeIssues, handleClientEvents, type LiveSocket } from './client-commands.js';
import type { LiveServer } from './socket-server.js';
import { createSocketReplay, type SocketReplaySource } from '../replay/socket-replay.js';

/** Disconnect reasons after which Socket.IO keeps the session for recovery. */
const RECOVERABLE_REASONS: ReadonlySet<string> = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

export interface GatewayOptions {
  /** Per-connection rate limits (defaults in sessions/rate-limit.ts). */
  rateLimits?: Partial<RateLimitConfig>;
  now?: () => number;
  /** Recordings that connections may replay (`openReplay`); none without. */
  replays?: SocketReplaySource;
}

/** Where the gateway finds sessions: the local registry, or with --redis the whole cluster. */
export interface SessionResolver {
  /** The session a handshake names: by join code, by id, or (neither) the default session. */
  find(query: { sessionCode?: string; sessionId?: string }): SessionPort | null | Promise<SessionPort | null>;
  /** Session `id` now; null when it has ended. */
  get(id: string): SessionPort | null | Promise<SessionPort | null>;
}

/** The sessions of one node's registry. */
export function registryResolver(registry: SessionRegistry): SessionResolver {
  return {
    find: ({ sessionCode, sessionId }) =>
      (sessionCode !== undefined ? registry.getByCode(sessionCode) : sessionId !== undefined ? registry.get(sessionId) : registry.defaultSession) ?? null,
    get: (id) => registry.get(id) ?? null,
  };
}

/**
 * Admits `socket` to `session` afresh: joins its rooms and sends `welcome` (a full snapshot).
 * Also how a connection resyncs when its session moved to another node. Returns the refusal, if any.
 */
export async function welcomeSocket(socket: LiveSocket, session: SessionPort): Promise<{ code: ErrorCode; message: string } | null> {
  const joined = await session.join(socket.id, socket.data.nickname, socket.data.hostTokenHash, socket.data.weights);
  if (!joined.ok) return { code: joined.code, message: joined.message };
  void socket.join(socket.data.weights ? [sessionRoom(session.id), weightsRoom(session.id)] : sessionRoom(session.id));
  socket.emit('welcome', joined.value);
  return null;
}

/** A handshake refusal: `connect_error` on the client, with `data.code`. */
function refusal(code: ErrorCode, message: string): Error {
  return Object.assign(new Error(message), { data: { code } });
}

/** The broadcast function of session `sessionId`: its room (weights: its weights room), volatile when asked. */
export function roomEmitter(io: LiveServer, sessionId: string): HubEmit {
  const room = sessionRoom(sessionId);
  const weightsOnly = weightsRoom(sessionId);
  return (event, payload, options) => {
    const to = event === 'weights' ? weightsOnly : room;
    const target = options?.volatile ? io.to(to).volatile : io.to(to);
    (target.emit as (event: string, payload: unknown) => boolean)(event, payload);
  };
}

/** Routes connections of `io` to the sessions `sessions` finds. */
export function attachSessionGateway(io: LiveServer, sessions: SessionResolver, options: GatewayOptions = {}): void {
  const limits: RateLimitConfig = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const now = options.now ?? (() => performance.now());

  io.use(async (socket, next) => {
    const parsed = handshakeAuthSchema.safeParse(socket.handshake.auth ?? {});
    if (!parsed.success) {
      next(refusal('invalid-payload', `bad handshake: ${describeIssues(parsed.error)}`));
      return;
    }
    const { sessionCode, sessionId, nickname, hostToken, weights } = parsed.data;
    let hub: SessionPort | null;
    try {
      hub = await sessions.find({ sessionCode, sessionId });
    } catch {
      next(refusal('engine-unavailable', 'the sessions cannot be reached just now; try again'));
      return;
    }
    if (!hub || (sessionId !== undefined && hub.id !== sessionId)) {
      next(refusal('not-found', 'no live session with this code'));
      return;
    }
    const hostTokenHash = hostToken === undefined ? null : hashHostToken(hostToken);
    if (hostTokenHash !== null && !hub.isHostTokenHash(hostTokenHash)) {
      next(refusal('unauthorized', 'wrong host token'));
      return;
    }
    socket.data = { sessionId: hub.id, hostTokenHash, weights: weights ?? false, ...(nickname !== undefined ? { nickname } : {}) };
    next();
  });

  const kick = (id: string, reason: string): void => {
    io.to(id).emit('removed', { reason });
    io.in(id).disconnectSockets(true);
  };

  io.on('connection', (socket: LiveSocket) => {
    void admit(socket).catch(() => {
      socket.emit('error', { code: 'internal-error', message: 'the server failed to admit this connection', event: null });
      socket.disconnect(true);
    });
  });

  async function admit(socket: LiveSocket): Promise<void> {
    const refuse = (code: ErrorCode, message: string): void => {
      socket.emit('error', { code, message, event: null });
      socket.disconnect(true);
    };
    // Packets that arrive while the session is looked up (a remote one answers through Redis) wait
    // here and pass on, in order, to the command edge once it is installed: nothing is dropped.
    let ready = false;
    const waiting: (() => void)[] = [];
    socket.use((_packet, next) => (ready ? next() : waiting.push(() => next())));
    const hub = await sessions.get(socket.data.sessionId);
    if (!socket.connected) return;
    if (!hub) {
      refuse('not-found', 'this session has ended');
      return;
    }
    const rejoined = socket.recovered ? await hub.reconnect(socket.id) : null;
    if (rejoined && !rejoined.ok && rejoined.code === 'forbidden') {
      socket.emit('removed', { reason: rejoined.message });
      refuse(rejoined.code, rejoined.message);
      return;
    }
    if (!rejoined?.ok) {
      // A new connection, or a recovered one the session no longer knows (it was restarted): a full snapshot.
      const refused = await welcomeSocket(socket, hub);
      if (refused) {
        refuse(refused.code, refused.message);
        return;
      }
    }
    if (!socket.connected) {
      // It left while it was being admitted.
      hub.disconnect(socket.id, false);
      return;
    }
    const actor = { id: socket.id, hostTokenHash: socket.data.hostTokenHash };
    const replay = createSocketReplay(options.replays ?? null, (payload) => socket.emit('replay', payload));
    handleClientEvents({ socket, hub, actor, kick, replay }, new ConnectionRateLimiter(limits, now));
    ready = true;
    for (const release of waiting.splice(0)) release();
    socket.on('disconnect', (reason) => {
      replay.close();
      hub.disconnect(socket.id, RECOVERABLE_REASONS.has(reason));
    });
  }
}
