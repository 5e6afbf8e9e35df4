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

/** Routes connections of `io` to the sessions of `registry`. */
export function attachSessionGateway(io: LiveServer, registry: SessionRegistry, options: GatewayOptions = {}): void {
  const limits: RateLimitConfig = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const now = options.now ?? (() => performance.now());

  io.use((socket, next) => {
    const parsed = handshakeAuthSchema.safeParse(socket.handshake.auth ?? {});
    if (!parsed.success) {
      next(refusal('invalid-payload', `bad handshake: ${describeIssues(parsed.error)}`));
      return;
    }
    const { sessionCode, sessionId, nickname, hostToken, weights } = parsed.data;
    const hub = sessionCode !== undefined ? registry.getByCode(sessionCode) : sessionId !== undefined ? registry.get(sessionId) : registry.defaultSession;
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
    const refuse = (code: ErrorCode, message: string): void => {
      socket.emit('error', { code, message, event: null });
      socket.disconnect(true);
    };
    const hub = registry.get(socket.data.sessionId);
    if (!hub) {
      refuse('not-found', 'this session has ended');
      return;
    }
    const rejoined = socket.recovered ? hub.reconnect(socket.id) : null;
    if (rejoined && !rejoined.ok && rejoined.code === 'forbidden') {
      socket.emit('removed', { reason: rejoined.message });
      refuse(rejoined.code, rejoined.message);
      return;
    }
    if (!rejoined?.ok) {
      // A new connection, or a recovered one the session no longer knows (it was restarted): a full snapshot.
      const joined = hub.join(socket.id, socket.data.nickname, socket.data.hostTokenHash);
      if (!joined.ok) {
        refuse(joined.code, joined.message);
        return;
      }
      void socket.join(socket.data.weights ? [sessionRoom(hub.id), weightsRoom(hub.id)] : sessionRoom(hub.id));
      socket.emit('welcome', socket.data.weights ? joined.value : { ...joined.value, weights: null });
    }
    const actor = { id: socket.id, hostTokenHash: socket.data.hostTokenHash };
    const replay = createSocketReplay(options.replays ?? null, (payload) => socket.emit('replay', payload));
    handleClientEvents({ socket, hub, actor, kick, replay }, new ConnectionRateLimiter(limits, now));
    socket.on('disconnect', (reason) => {
      replay.close();
      hub.disconnect(socket.id, RECOVERABLE_REASONS.has(reason));
    });
  });
}
