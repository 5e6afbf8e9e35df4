/**
 * The numbers behind `rgflow reproduce`, against values known by hand: energy and |m| of
 * ordered and checkerboard lattices, the size measures of uniform blocks, a perfect and a
 * sign-flipped reconstruction, mean ± standard error.
 */
import { describe, expect, it } from 'vitest';
import {
  blockReference,
  compareObservables,
  configurationObservables,
  fieldSizeMetrics,
  halfMaxRadius,
  macroscopicAgreement,
  meanErr,
  summarize,
} from '../../../server/learn/reproduce-metrics.js';

describe('reproduce metrics', () => {
  it('energy per site and |m|: all up −2 and 1, checkerboard +2 and 0 (periodic L×L)', () => {
    const L = 4;
    const up = new Uint8Array(16).fill(1);
    const checker = Uint8Array.from({ length: 16 }, (_, i) => (Math.floor(i / L) + i) % 2);
    const o = configurationObservables([...up, ...checker], 2, L);
    expect(Array.from(o.energy)).toEqual([-2, 2]);
    expect(Array.from(o.absM)).toEqual([1, 0]);
    const c = compareObservables(o, configurationObservables([...checker, ...up], 2, L));
    expect(c.difference.energy_per_site.mean).toBe(0);
    expect(c.difference.energy_per_site.err).toBe(4); // differences ±4: sd 4√2, over √2
  });

  it('mean ± standard error, and mean/spread/median skipping NaN', () => {
    expect(meanErr([1, 2, 3, 4])).toEqual({ mean: 2.5, err: Math.sqrt(5 / 3 / 4) });
    expect(summarize([3, NaN, 1, 2])).toEqual({ mean: 2, spread: 1, median: 2, count: 3 });
  });

  it('size measures of uniform blocks: half-max radius b/√π, RMS radius √((b²−1)/6)', () => {
    for (const b of [1, 2, 4, 8]) {
      const ref = blockReference(b, 40);
      expect(ref.half_max_radius).toBeCloseTo(b / Math.sqrt(Math.PI), 12);
      expect(ref.radius).toBeCloseTo(Math.sqrt((b * b - 1) / 6), 9);
    }
    expect(halfMaxRadius(new Float32Array(9))).toBeNaN();
  });

  it('field metrics of one compact block plus a faint background: |r|-weighting sees the background, half-max does not', () => {
    const L = 20;
    const fields = new Float32Array(L * L * 2);
    for (let i = 0; i < L * L; i++) {
      const x = i % L;
      const y = Math.floor(i / L);
      fields[i * 2] = x >= 5 && x < 7 && y >= 5 && y < 7 ? 1 : 0; // unit 0: a clean 2×2 block
      fields[i * 2 + 1] = x >= 5 && x < 7 && y >= 5 && y < 7 ? -1 : 0.02; // unit 1: the block on a 2% background
    }
    const m = fieldSizeMetrics(fields, 2, L);
    expect(m.half_max_radius.mean).toBeCloseTo(2 / Math.sqrt(Math.PI), 12);
    expect(m.half_max_radius.spread).toBe(0);
    expect(m.mean_radius).toBeGreaterThan(2);
    expect(m.radius_r2.mean).toBeLessThan(m.mean_radius);
    expect(m.zero_fields).toBe(0);
  });

  it('macroscopic agreement: 1 for a perfect reconstruction, −1 for a sign-flipped one', () => {
    const L = 16;
    const rows = 3;
    const v = Uint8Array.from({ length: rows * L * L }, (_, i) => ((i * 2654435761) >>> 7) % 3 === 0 ? 1 : 0);
    const same = macroscopicAgreement(v, Float32Array.from(v), rows, L);
    expect(same.magnetization_correlation).toBeCloseTo(1, 12);
    expect(same.magnetization_same_sign).toBe(1);
    expect(same.block_8x8_correlation).toBeCloseTo(1, 12);
    const flipped = macroscopicAgreement(v, Float32Array.from(v, (x) => 1 - x), rows, L);
    expect(flipped.block_8x8_correlation).toBeCloseTo(-1, 12);
    expect(flipped.magnetization_same_sign).toBe(0);
  });
});
