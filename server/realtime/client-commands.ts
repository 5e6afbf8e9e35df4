/**
 * The edge where client events enter the server. Every packet passes, in order:
 *   1. the connection's `any` rate limit (before any parsing);
 *   2. the event name (unknown → `unknown-event`) and arity (exactly one payload plus an
 *      optional acknowledgement → else `invalid-arguments`);
 *   3. its schema (→ `invalid-payload`); handlers only ever see the parsed value;
 *   4. for host actions, the host token hash kept for this connection, checked on every action
 *      (connection state recovery skips the handshake middleware) → `forbidden`;
 *   5. the event class's rate limit (`temperature`, `host`) → `rate-limited`;
 *   6. the session hub, whose typed result becomes the acknowledgement or an `error` event.
 * A refused packet changes nothing. A failed acknowledgement is always sent when one was asked
 * for; the `error` event too, except for `rate-limited`, told at most once per second.
 */
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import { weightsRoom, type ClientToServerEvents, type CommandFailure, type ServerToClientEvents } from '../../shared/protocol/events.js';
import { clientPayloadSchemas, isClientEventName, type ClientEventName } from '../../shared/protocol/schemas.js';
import type { ConnectionRateLimiter, RateClass } from '../sessions/rate-limit.js';
import type { SocketReplay } from '../replay/socket-replay.js';
import type { Actor, HubResult } from '../sessions/session-hub.js';
import type { SessionPort } from '../sessions/session-port.js';
import type { InterServerEvents, LiveSocketData } from './socket-server.js';

export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, LiveSocketData>;

/** The validated payload of client event E. */
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof clientPayloadSchemas)[E]>;

/** The acknowledgement response of client event E. */
export type AckResponse<E extends ClientEventName> = Parameters<NonNullable<Parameters<ClientToServerEvents[E]>[1]>>[0];

export interface CommandContext {
  socket: LiveSocket;
  /** The session: its hub, or with --redis a port to the node that runs it. */
  hub: SessionPort;
  actor: Actor;
  /** Sends `removed` to participant `id` and disconnects it. */
  kick: (id: string, reason: string) => void;
  /** This connection's replay (replay/socket-replay.ts). */
  replay: SocketReplay;
}

interface Command<E extends ClientEventName> {
  /** Host actions are refused with `forbidden` before they use up a token of the `host` class. */
  hostOnly: boolean;
  rateClass: RateClass | null;
  handle: (payload: ClientPayload<E>, context: CommandContext) => Promise<AckResponse<E>> | AckResponse<E>;
}

type Ack = (response: unknown) => void;

const failure = (code: ErrorCode, message: string): CommandFailure => ({ ok: false, code, message });

/** A hub result as an acknowledgement: `{ ok: true, ...fields }` or the failure. */
function answer<T, R>(result: HubResult<T>, fields: (value: T) => R): ({ ok: true } & R) | CommandFailure {
  return result.ok ? { ok: true, ...fields(result.value) } : failure(result.code, result.message);
}

const COMMANDS: { [E in ClientEventName]: Command<E> } = {
  proposeTemperature: {
    hostOnly: false,
    rateClass: 'temperature',
    handle: async ({ temperature }, { hub, actor }) => answer(await hub.proposeTemperature(actor, temperature), (outcome) => outcome),
  },
  setPolicy: {
    hostOnly: true,
    rateClass: 'host',
    handle: async ({ mode }, { hub, actor }) => answer(await hub.setPolicy(actor, mode), (applied) => ({ mode: applied })),
  },
  pause: {
    hostOnly: true,
    rateClass: 'host',
    handle: async (_payload, { hub, actor }) => answer(await hub.pause(actor), (control) => ({ control })),
  },
  resume: {
    hostOnly: true,
    rateClass: 'host',
    handle: async (_payload, { hub, actor }) => answer(await hub.resume(actor), (control) => ({ control })),
  },
  step: {
    hostOnly: true,
    rateClass: 'host',
    handle: async ({ ticks }, { hub, actor }) => answer(await hub.step(actor, ticks), (control) => ({ control })),
  },
  reset: {
    hostOnly: true,
    rateClass: 'host',
    handle: async (settings, { hub, actor }) => answer(await hub.reset(actor, settings), (control) => ({ control })),
  },
  setHyperparameters: {
    hostOnly: true,
    rateClass: 'host',
    handle: async (hyperparameters, { hub, actor }) => answer(await hub.setHyperparameters(actor, hyperparameters), (control) => ({ control })),
  },
  removeParticipant: {
    hostOnly: true,
    rateClass: 'host',
    handle: async ({ id }, { hub, actor, kick }) => {
      const result = await hub.removeParticipant(actor, id);
      if (result.ok) kick(result.value.id, 'the host removed you from this session');
      return answer(result, (removed) => ({ id: removed.id }));
    },
  },
  ping: {
    hostOnly: false,
    rateClass: null,
    handle: () => ({ ok: true, serverTime: Date.now() }),
  },
  openReplay: {
    hostOnly: false,
    rateClass: 'replay',
    handle: ({ recordingId }, { replay }) => replay.open(recordingId),
  },
  replayControl: {
    hostOnly: false,
    rateClass: 'replay',
    handle: (command, { replay }) => replay.control(command),
  },
  shareCamera: {
    hostOnly: true,
    rateClass: 'camera',
    handle: async (camera, { hub, actor }) => answer(await hub.shareCamera(actor, camera), () => ({})),
  },
  subscribe: {
    hostOnly: false,
    rateClass: 'subscribe',
    handle: async ({ weights }, { socket, hub }) => {
      const room = weightsRoom(hub.id);
      const was = socket.data.weights;
      socket.data.weights = weights;
      if (weights && !was) {
        void socket.join(room);
        const latest = await hub.latestWeights();
        if (latest) socket.emit('weights', latest);
      } else if (!weights && was) {
        void socket.leave(room);
      }
      return { ok: true, weights } as const;
    },
  },
};

/** A short, human-readable summary of a schema failure. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * Routes every event `context.socket` sends through the checks above. Uses a packet middleware
 * that never passes packets on, so no other listener sees unvalidated input.
 */
export function handleClientEvents(context: CommandContext, limiter: ConnectionRateLimiter): void {
  const { socket } = context;
  const reject = (event: string | null, code: ErrorCode, message: string, ack: Ack | undefined, tell = true): void => {
    if (tell) socket.emit('error', { code, message, event });
    ack?.(failure(code, message));
  };

  socket.use((packet) => {
    const args: unknown[] = [...packet];
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    const name = args.shift();
    const event = typeof name === 'string' && isClientEventName(name) ? name : null;
    if (!limiter.allow('any')) {
      reject(event, 'rate-limited', 'too many events; slow down', ack, limiter.shouldNotify());
      return;
    }
    if (event === null) {
      reject(null, 'unknown-event', `unknown event ${JSON.stringify(String(name)).slice(0, 80)}`, ack);
      return;
    }
    if (args.length !== 1) {
      reject(event, 'invalid-arguments', `${event} takes exactly one payload, got ${args.length}`, ack);
      return;
    }
    const parsed = clientPayloadSchemas[event].safeParse(args[0]);
    if (!parsed.success) {
      reject(event, 'invalid-payload', describeIssues(parsed.error), ack);
      return;
    }
    const command = COMMANDS[event] as Command<ClientEventName>;
    if (command.hostOnly && !context.hub.isHostTokenHash(context.actor.hostTokenHash)) {
      reject(event, 'forbidden', 'only the host may do this', ack);
      return;
    }
    if (command.rateClass && !limiter.allow(command.rateClass)) {
      reject(event, 'rate-limited', `too many ${event} events; slow down`, ack, limiter.shouldNotify());
      return;
    }
    let response: Promise<unknown>;
    try {
      response = Promise.resolve(command.handle(parsed.data as never, context));
    } catch (error) {
      response = Promise.reject(error);
    }
    response.then(
      (result) => {
        const refused = result as CommandFailure;
        if (refused.ok === false) reject(event, refused.code, refused.message, ack);
        else ack?.(result);
      },
      () => reject(event, 'internal-error', 'the server failed to apply the command', ack),
    );
  });
}
