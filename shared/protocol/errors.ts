/**
 * Error codes the server sends in `error` events, failed acknowledgements, refused
 * handshakes (`connect_error` with `data.code`) and REST error bodies `{ error: { code, message } }`.
 */

export const ERROR_CODES = [
  /** The payload failed its schema: wrong type, missing or unknown key, non-finite or out-of-range number. */
  'invalid-payload',
  /** The arguments were not exactly one payload (plus an optional acknowledgement callback). */
  'invalid-arguments',
  /** The event name is not part of ClientToServerEvents. */
  'unknown-event',
  /** A host token was presented and is wrong (handshake or REST). */
  'unauthorized',
  /** The sender's role may not do this (a student's host action, a student's temperature in `locked` mode). */
  'forbidden',
  /** Too many events from this connection (or requests from this address); the excess changed nothing. */
  'rate-limited',
  /** No such session (code or id) or participant. */
  'not-found',
  /** The session has as many participants as it admits. */
  'session-full',
  /** The server runs as many sessions as it admits. */
  'too-many-sessions',
  /** An HTTP request body over the size limit (a socket that sends too much is disconnected instead). */
  'payload-too-large',
  /** The simulation engine is restarting or stopped; the command changed nothing. */
  'engine-unavailable',
  /** The server failed while handling the command; nothing changed. */
  'internal-error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
