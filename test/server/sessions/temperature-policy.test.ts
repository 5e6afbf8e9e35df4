/**
 * The temperature policy with an injected clock: the median against its definition (at most half
 * the values on either side), ties, one standing proposal per participant, the 30 s window
 * (inclusive) and what a tally every 2 s applies as proposals age out; free and locked modes,
 * bounds, and the histogram.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VOTE_TALLY_INTERVAL_MS, VOTE_WINDOW_MS } from '../../../shared/protocol/events.js';
import { histogram, median, TemperaturePolicy } from '../../../server/sessions/temperature-policy.js';

/** A clock the test moves by hand, ms. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms), set: (ms) => (t = start + ms) };
}

describe('median', () => {
  it('is the middle value, or the mean of the two middle values, and handles ties', () => {
    expect(median([])).toBeNull();
    expect(median([3])).toBe(3);
    expect(median([4, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([2, 2, 3, 3])).toBe(2.5);
    expect(median([2, 2, 2, 3])).toBe(2);
    expect(median([5, 5, 5])).toBe(5);
  });

  it('property: at most half of the values lie strictly on either side of it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.5, max: 10, noNaN: true }), { minLength: 1, maxLength: 60 }), (values) => {
        const m = median(values)!;
        const below = values.filter((v) => v < m).length;
        const above = values.filter((v) => v > m).length;
        expect(below).toBeLessThanOrEqual(values.length / 2);
        expect(above).toBeLessThanOrEqual(values.length / 2);
        if (values.length % 2 === 1) expect(values).toContain(m);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('histogram', () => {
  it('puts each value in its 0.5-wide bin over [0.5, 10], the upper limit in the last bin', () => {
    const counts = histogram([0.5, 0.99, 1.0, 2.269, 9.99, 10, 11, 0.1], 0.5, 10, 19);
    expect(counts).toHaveLength(19);
    expect(counts[0]).toBe(2);
    expect(counts[1]).toBe(1);
    expect(counts[3]).toBe(1);
    expect(counts[18]).toBe(2);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
  });
});

describe('free and locked modes', () => {
  it('applies anyone’s temperature in free mode', () => {
    const policy = new TemperaturePolicy({ now: fakeClock().now });
    expect(policy.mode).toBe('free');
    expect(policy.decide('s1', 'student', 3)).toEqual({ action: 'apply', temperature: 3 });
    expect(policy.decide('h', 'host', 1.5)).toEqual({ action: 'apply', temperature: 1.5 });
  });

  it('applies only the host’s in locked mode', () => {
    const policy = new TemperaturePolicy({ mode: 'locked', now: fakeClock().now });
    expect(policy.decide('s1', 'student', 3)).toEqual({ action: 'refuse', reason: 'locked' });
    expect(policy.decide('h', 'host', 3)).toEqual({ action: 'apply', temperature: 3 });
  });

  it('refuses temperatures outside [0.5, 10] and non-finite ones in every mode', () => {
    for (const mode of ['free', 'vote', 'locked'] as const) {
      const policy = new TemperaturePolicy({ mode, now: fakeClock().now });
      for (const t of [0.49, 10.01, Number.NaN, Number.POSITIVE_INFINITY, -1]) {
        expect(policy.decide('h', 'host', t)).toEqual({ action: 'refuse', reason: 'out-of-bounds' });
      }
      expect(policy.tally().proposals).toEqual([]);
    }
  });
});

describe('vote mode', () => {
  it('applies the median of the standing proposals, one per participant (the latest counts)', () => {
    const clock = fakeClock();
    const policy = new TemperaturePolicy({ mode: 'vote', now: clock.now });
    expect(policy.tally().applied).toBeNull();
    expect(policy.decide('a', 'student', 2)).toEqual({ action: 'vote' });
    policy.decide('b', 'student', 3);
    policy.decide('h', 'host', 9);
    expect(policy.tally()).toMatchObject({ mode: 'vote', applied: 3, proposals: [2, 3, 9], windowMs: VOTE_WINDOW_MS });
    policy.decide('h', 'host', 2.5);
    expect(policy.tally()).toMatchObject({ applied: 2.5, proposals: [2, 2.5, 3] });
    policy.withdraw('a');
    expect(policy.tally()).toMatchObject({ applied: 2.75, proposals: [2.5, 3] });
  });

  it('counts a proposal for exactly 30 s (inclusive), then drops it', () => {
    const clock = fakeClock();
    const policy = new TemperaturePolicy({ mode: 'vote', now: clock.now });
    policy.decide('a', 'student', 4);
    clock.advance(VOTE_WINDOW_MS);
    expect(policy.tally().proposals).toEqual([4]);
    clock.advance(1);
    expect(policy.tally()).toMatchObject({ applied: null, proposals: [] });
  });

  it('tallied every 2 s, follows proposals as they age out', () => {
    const clock = fakeClock();
    const policy = new TemperaturePolicy({ mode: 'vote', now: clock.now });
    const proposals: [number, string, number][] = [
      [0, 'a', 2],
      [10_000, 'b', 3],
      [20_000, 'c', 4],
    ];
    const applied: [number, number | null][] = [];
    for (let t = 0; t <= 60_000; t += VOTE_TALLY_INTERVAL_MS) {
      clock.set(t);
      for (const [at, who, temperature] of proposals) if (at === t) policy.decide(who, 'student', temperature);
      applied.push([t, policy.tally().applied]);
    }
    const at = (t: number): number | null => applied.find(([time]) => time === t)![1];
    expect([at(0), at(8_000)]).toEqual([2, 2]);
    expect([at(10_000), at(18_000)]).toEqual([2.5, 2.5]);
    expect([at(20_000), at(30_000)]).toEqual([3, 3]); // a's proposal still counts at exactly 30 s
    expect([at(32_000), at(40_000)]).toEqual([3.5, 3.5]);
    expect([at(42_000), at(50_000)]).toEqual([4, 4]);
    expect([at(52_000), at(60_000)]).toEqual([null, null]);
  });

  it('reports the distribution as a sorted list and a histogram', () => {
    const policy = new TemperaturePolicy({ mode: 'vote', now: fakeClock().now });
    ['a', 'b', 'c', 'd'].forEach((id, i) => policy.decide(id, 'student', [3.1, 1.2, 3.4, 9.9][i]));
    const tally = policy.tally();
    expect(tally.proposals).toEqual([1.2, 3.1, 3.4, 9.9]);
    expect(tally.histogram.min).toBe(0.5);
    expect(tally.histogram.max).toBe(10);
    expect(tally.histogram.counts[1]).toBe(1);
    expect(tally.histogram.counts[5]).toBe(2);
    expect(tally.histogram.counts[18]).toBe(1);
  });

  it('starts from no proposals when the host switches into vote mode, and applies nothing outside it', () => {
    const policy = new TemperaturePolicy({ mode: 'vote', now: fakeClock().now });
    policy.decide('a', 'student', 2);
    expect(policy.setMode('free')).toBe(true);
    expect(policy.tally()).toMatchObject({ mode: 'free', applied: null, proposals: [] });
    expect(policy.setMode('free')).toBe(false);
    policy.setMode('vote');
    expect(policy.tally().proposals).toEqual([]);
  });
});
