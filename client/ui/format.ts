/**
 * Number formatting for the readouts: a mean with its error bar to matching precision.
 */
import type { RunningEstimate } from '../../shared/protocol/events.js';

const MINUS = '\u2212';

/** Fixed-point with a typographic minus sign. */
export function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}

/** Decimal places that show `err` to two significant figures (at least 1, at most 8). */
export function decimalsForError(err: number): number {
  if (!(err > 0) || !Number.isFinite(err)) return 4;
  return Math.min(8, Math.max(1, 1 - Math.floor(Math.log10(err))));
}

/** "−1.7454 ± 0.0012", the error rounded to two significant figures; "measuring…" before there is one. */
export function formatEstimate(estimate: RunningEstimate | null): string {
  if (!estimate) return 'measuring…';
  const digits = decimalsForError(estimate.err);
  return `${fixed(estimate.mean, digits)} ± ${fixed(estimate.err, digits)}`;
}
