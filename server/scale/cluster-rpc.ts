/**
 * Session commands across nodes (with --redis). A node that admits a connection to a session
 * running elsewhere forwards each command as a `cluster:call` server-side emit with an
 * acknowledgement; every other node answers, the one running the session with `{ value }` (the
 * hub's HubResult, plain JSON), the rest with null. Only the methods below are served.
 */
import type { SessionRegistry } from '../sessions/session-registry.js';
import type { SessionPort } from '../sessions/session-port.js';
import type { ClusterCall, ClusterReply, LiveServer } from '../realtime/socket-server.js';

/** The SessionPort methods a node serves for the sessions it runs. */
export const CLUSTER_METHODS = [
  'join',
  'reconnect',
  'disconnect',
  'proposeTemperature',
  'setPolicy',
  'pause',
  'resume',
  'step',
  'reset',
  'setHyperparameters',
  'removeParticipant',
  'shareCamera',
  'latestWeights',
] as const satisfies readonly (keyof SessionPort)[];
export type ClusterMethod = (typeof CLUSTER_METHODS)[number];

const SERVED: ReadonlySet<string> = new Set(CLUSTER_METHODS);

/**
 * How long a forwarded command waits for the owner at most, ms. The adapter itself gives up
 * after 5 s (socket.io-adapter's fixed request timeout) and hands over the replies it has.
 */
export const CLUSTER_CALL_TIMEOUT_MS = 6000;

/** Answers `cluster:call` for the sessions `registry` runs. */
export function serveClusterCalls(io: LiveServer, registry: SessionRegistry, log: (line: string) => void): void {
  io.on('cluster:call', (call: ClusterCall, ack: (reply: ClusterReply) => void) => {
    const hub = typeof call?.sessionId === 'string' ? registry.get(call.sessionId) : undefined;
    if (!hub || typeof call.method !== 'string' || !SERVED.has(call.method) || !Array.isArray(call.args)) {
      ack(null);
      return;
    }
    const method = hub[call.method as ClusterMethod] as (...args: unknown[]) => unknown;
    Promise.resolve()
      .then(() => method.apply(hub, call.args))
      .then(
        (value) => ack({ value: value ?? null }),
        (error: unknown) => {
          log(`rgflow: forwarded ${call.method} failed: ${error instanceof Error ? error.message : String(error)}`);
          ack({ value: { ok: false, code: 'internal-error', message: 'the server failed to apply the command' } });
        },
      );
  });
}

/**
 * Sends `call` to the other nodes; resolves with the owner's value, or `undefined` when no node
 * answered as owner in time (it died, or Redis is down).
 */
export function callOwner(io: LiveServer, call: ClusterCall, timeoutMs = CLUSTER_CALL_TIMEOUT_MS): Promise<unknown> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => settle(undefined), timeoutMs);
    function settle(value: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }
    try {
      const emitter = io as unknown as {
        serverSideEmit: (event: 'cluster:call', call: ClusterCall, ack: (error: unknown, replies: ClusterReply[] | undefined) => void) => void;
      };
      emitter.serverSideEmit('cluster:call', call, (_error, replies) => {
        // On a timeout the replies that did arrive are still given: the owner's may be among them.
        const owner = (replies ?? []).find((reply) => reply !== null && typeof reply === 'object' && 'value' in reply);
        settle(owner ? owner.value : undefined);
      });
    } catch {
      settle(undefined);
    }
  });
}
