/**
 * Error codes the server sends in `error` events and failed acknowledgements.
 */

export const ERROR_CODES = [
  /** The payload failed its schema: wrong type, missing or unknown key, non-finite or out-of-range number. */
  'invalid-payload',
  /** The arguments were not exactly one payload (plus an optional acknowledgement callback). */
  'invalid-arguments',
  /** The event name is not part of ClientToServerEvents. */
  'unknown-event',
  /** The simulation engine is restarting or stopped; the command changed nothing. */
  'engine-unavailable',
  /** The server failed while handling the command; nothing changed. */
  'internal-error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
