/**
 * Pure geometry and wording of the vote histogram: bars over equal bins of [min, max], the
 * positions of the applied median and of T_c, axis ticks, and the sentence screen readers get.
 * No DOM.
 */
import type { PolicyMode, VoteTally } from '../../shared/protocol/events.js';
import { VOTE_TALLY_INTERVAL_MS, VOTE_WINDOW_MS } from '../../shared/protocol/events.js';
import { fractionOf } from './timeline.js';

export interface HistogramBar {
  /** The bin's temperatures: [lo, hi) (the last bin includes hi). */
  lo: number;
  hi: number;
  count: number;
  /** Left edge and width as fractions of the plot width. */
  left: number;
  width: number;
  /** Height as a fraction of the plot height (the fullest bin is 1; all 0 without proposals). */
  height: number;
}

/** One bar per bin of `histogram`. */
export function histogramBars(histogram: VoteTally['histogram']): HistogramBar[] {
  const { min, max, counts } = histogram;
  const n = counts.length;
  if (n === 0 || !(max > min)) return [];
  const width = (max - min) / n;
  const peak = Math.max(0, ...counts);
  return counts.map((count, i) => ({
    lo: min + i * width,
    hi: min + (i + 1) * width,
    count,
    left: i / n,
    width: 1 / n,
    height: peak > 0 ? count / peak : 0,
  }));
}

/** Where temperature `t` falls on the histogram's axis, 0 … 1 (clamped). */
export function histogramPosition(histogram: VoteTally['histogram'], t: number): number {
  return fractionOf(t, histogram.min, histogram.max);
}

/** Multiples of `step` inside [min, max]. */
export function axisTicks(min: number, max: number, step: number): number[] {
  if (!(step > 0) || !(max >= min)) return [];
  const ticks: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + 1e-9; k++) ticks.push(Number((k * step).toFixed(10)));
  return ticks;
}

/** The policy in words, for everyone in the room. */
export function policySentence(mode: PolicyMode): string {
  switch (mode) {
    case 'free':
      return 'Anyone sets the temperature.';
    case 'vote':
      return `The median of everyone's proposals in the last ${VOTE_WINDOW_MS / 1000} s is applied every ${VOTE_TALLY_INTERVAL_MS / 1000} s.`;
    case 'locked':
      return 'Only the host sets the temperature.';
  }
}

/** The policy's short name ("Free", "Vote", "Locked"). */
export function policyTitle(mode: PolicyMode): string {
  return mode === 'free' ? 'Free' : mode === 'vote' ? 'Vote' : 'Locked';
}

/** "no proposals", "1 proposal", "12 proposals". */
export function proposalCount(n: number): string {
  return n === 0 ? 'no proposals' : n === 1 ? '1 proposal' : `${n} proposals`;
}

/** Where `t` lies with respect to T_c, in words. */
export function sideOfCritical(t: number, tc: number): string {
  if (Math.abs(t - tc) < 0.005) return 'at T_c';
  return t < tc ? 'below T_c (ordered)' : 'above T_c (disordered)';
}

/** The histogram summarised in one or two sentences (the figure's aria-label). */
export function voteSummary(tally: VoteTally, tc: number): string {
  const n = tally.proposals.length;
  const head = `Vote histogram of proposed temperatures: ${proposalCount(n)}`;
  if (n === 0) return `${head}. T_c ≈ ${tc.toFixed(3)}.`;
  const lowest = tally.proposals[0];
  const highest = tally.proposals[n - 1];
  const range = n > 1 ? ` from T = ${lowest.toFixed(2)} to ${highest.toFixed(2)}` : ` at T = ${lowest.toFixed(2)}`;
  const below = tally.proposals.filter((t) => t < tc).length;
  const split = `; ${below} below and ${n - below} above T_c ≈ ${tc.toFixed(3)}`;
  const median = tally.applied === null ? '' : ` The median T = ${tally.applied.toFixed(2)} is applied, ${sideOfCritical(tally.applied, tc)}.`;
  return `${head}${range}${split}.${median}`;
}
