/**
 * Strict parsing of numeric command-line values, shared by every command: the whole string must
 * be a finite decimal number (no "12abc", no hex, no empty string).
 */
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors.js';

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Commander argument parser: a decimal number, strictly. */
export function numberArg(value: string): number {
  const trimmed = value.trim();
  if (!DECIMAL.test(trimmed)) throw new InvalidArgumentError(`not a number: '${value}'`);
  return Number(trimmed);
}

/** Commander argument parser: an integer, strictly (no fractions; exponents only when exact). */
export function integerArg(value: string): number {
  const n = numberArg(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`not an integer: '${value}'`);
  return n;
}

/**
 * A flag value given as a string (from commander) or a number (from a caller): the number, or a
 * UsageError "invalid <command> options: --<flag>: not a number: '<value>'".
 */
export function parseFlagNumber(command: string, flag: string, value: unknown): number {
  if (typeof value === 'number') return value;
  const text = typeof value === 'string' ? value.trim() : '';
  if (!DECIMAL.test(text)) throw new UsageError(`invalid ${command} options: --${flag}: not a number: '${String(value)}'`);
  return Number(text);
}
