/**
 * The edge where client events enter the server: each is parsed once with its schema and the
 * handler only ever sees the validated value. Anything else — wrong arity, a payload that fails
 * its schema, an unknown event — is answered with an `error` event (and a failed ack when the
 * client asked for one) and changes nothing.
 */
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { ErrorCode } from '../../shared/protocol/errors.js';
import type { ClientToServerEvents, CommandFailure, ServerToClientEvents } from '../../shared/protocol/events.js';
import { clientPayloadSchemas, isClientEventName, type ClientEventName } from '../../shared/protocol/schemas.js';

export type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** The validated payload of client event E. */
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof clientPayloadSchemas)[E]>;

/** The acknowledgement response of client event E. */
export type AckResponse<E extends ClientEventName> = Parameters<NonNullable<Parameters<ClientToServerEvents[E]>[1]>>[0];

/** Handles one validated command; resolves with the ack response (sent only if the client asked). */
export type CommandHandler<E extends ClientEventName> = (payload: ClientPayload<E>, socket: LiveSocket) => Promise<AckResponse<E>>;

/** Thrown by a handler to reject a command with a specific code. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Ack = (response: unknown) => void;

/** Tells the client its command was rejected: an `error` event, plus a failed ack if it gave one. */
function reject(socket: LiveSocket, event: string | null, code: ErrorCode, message: string, ack: Ack | undefined): void {
  socket.emit('error', { code, message, event });
  const failure: CommandFailure = { ok: false, code, message };
  ack?.(failure);
}

/** A short, human-readable summary of a schema failure. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * Registers the handler of client event `event` on `socket`. The client must send exactly one
 * payload, optionally followed by an acknowledgement callback.
 */
export function onCommand<E extends ClientEventName>(socket: LiveSocket, event: E, handler: CommandHandler<E>): void {
  const schema = clientPayloadSchemas[event];
  // The typed listener describes what a client should send; what it may send is unknown[].
  const raw = socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
  raw.on(event, (...args: unknown[]) => {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    if (args.length !== 1) {
      reject(socket, event, 'invalid-arguments', `${event} takes exactly one payload, got ${args.length}`, ack);
      return;
    }
    const parsed = schema.safeParse(args[0]);
    if (!parsed.success) {
      reject(socket, event, 'invalid-payload', describeIssues(parsed.error), ack);
      return;
    }
    handler(parsed.data, socket).then(
      (response) => ack?.(response),
      (error: unknown) => {
        const code = error instanceof CommandError ? error.code : 'internal-error';
        const message = error instanceof CommandError ? error.message : 'the server failed to apply the command';
        reject(socket, event, code, message, ack);
      },
    );
  });
}

/** Answers events that are not part of the protocol with `unknown-event`. */
export function rejectUnknownEvents(socket: LiveSocket): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && isClientEventName(event)) return;
    const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as Ack) : undefined;
    reject(socket, null, 'unknown-event', `unknown event ${JSON.stringify(String(event)).slice(0, 80)}`, ack);
  });
}
