import { describe, expect, it } from 'vitest';
import { CRITICAL_TEMPERATURE } from '../../shared/physics/ising.js';
import type { VoteTally } from '../../shared/protocol/events.js';
import { axisTicks, histogramBars, histogramPosition, policySentence, voteSummary } from '../../client/ui/vote-histogram.js';

const counts = (entries: Record<number, number>): number[] => Array.from({ length: 19 }, (_, i) => entries[i] ?? 0);
const tally = (proposals: number[], applied: number | null, c = counts({})): VoteTally => ({
  mode: 'vote',
  applied,
  proposals,
  histogram: { min: 0.5, max: 10, counts: c },
  windowMs: 30_000,
});

describe('histogramBars', () => {
  it('gives equal bins over [min, max], the fullest one full height', () => {
    const bars = histogramBars({ min: 0.5, max: 10, counts: counts({ 0: 1, 3: 4, 18: 2 }) });
    expect(bars).toHaveLength(19);
    expect(bars[0]).toMatchObject({ lo: 0.5, hi: 1, count: 1, left: 0, height: 0.25 });
    expect(bars[3].lo).toBeCloseTo(2);
    expect(bars[3].hi).toBeCloseTo(2.5);
    expect(bars[3].height).toBe(1);
    expect(bars[18].hi).toBeCloseTo(10);
    expect(bars[18].left + bars[18].width).toBeCloseTo(1);
    for (const bar of bars) expect(bar.width).toBeCloseTo(1 / 19);
  });
  it('draws nothing tall without proposals and nothing at all for a degenerate range', () => {
    expect(histogramBars({ min: 0.5, max: 10, counts: counts({}) }).every((b) => b.height === 0)).toBe(true);
    expect(histogramBars({ min: 1, max: 1, counts: [3] })).toEqual([]);
    expect(histogramBars({ min: 0, max: 1, counts: [] })).toEqual([]);
  });
  it('places T_c and a median on the axis', () => {
    const h = { min: 0.5, max: 10, counts: counts({}) };
    expect(histogramPosition(h, CRITICAL_TEMPERATURE)).toBeCloseTo((CRITICAL_TEMPERATURE - 0.5) / 9.5);
    expect(histogramPosition(h, 0.5)).toBe(0);
    expect(histogramPosition(h, 12)).toBe(1);
  });
  it('puts axis ticks on multiples of the step inside the range', () => {
    expect(axisTicks(0.5, 10, 1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(axisTicks(0.5, 2, 0.5)).toEqual([0.5, 1, 1.5, 2]);
    expect(axisTicks(1, 0, 1)).toEqual([]);
  });
});

describe('wording', () => {
  it('says each policy in words', () => {
    expect(policySentence('free')).toMatch(/anyone sets the temperature/i);
    expect(policySentence('vote')).toMatch(/median of everyone's proposals in the last 30 s is applied every 2 s/);
    expect(policySentence('locked')).toMatch(/only the host sets the temperature/i);
  });
  it('summarises the histogram for screen readers', () => {
    expect(voteSummary(tally([], null), CRITICAL_TEMPERATURE)).toMatch(/no proposals/);
    const text = voteSummary(tally([1.5, 2, 2.4, 3], 2.2), CRITICAL_TEMPERATURE);
    expect(text).toContain('4 proposals from T = 1.50 to 3.00');
    expect(text).toContain('2 below and 2 above T_c');
    expect(text).toContain('median T = 2.20 is applied, below T_c');
    expect(voteSummary(tally([2.5], 2.5), CRITICAL_TEMPERATURE)).toContain('1 proposal at T = 2.50');
  });
});
