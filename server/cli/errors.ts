/**
 * Errors the CLI maps to exit codes: a UsageError (bad options, unusable paths) exits with 2
 * after printing its message; any other error exits with 1.
 */

/** Bad command-line usage: the message says what to change. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
