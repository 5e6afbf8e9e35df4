/**
 * Effective receptive fields r(l) = r(l−1)·W(l) (the paper's Appendix B) against explicit
 * float64 products, and the locality metrics on the torus against hand-computed values:
 * a single site has radius 0; a uniform 3×3 block has R² = (4·1 + 4·2)/9 = 4/3; a block
 * wrapped across the periodic boundary measures the same as one in the middle.
 */
import { describe, expect, it } from 'vitest';
import { fieldCentre, fieldMetrics, fieldOfUnit, fieldRadius, fractionWithin, receptiveFields } from '../../../shared/learn/receptive-field.js';
import { Rbm } from '../../../shared/learn/rbm.js';
import { RbmStack } from '../../../shared/learn/stack.js';
import { Rng } from '../../../shared/physics/rng.js';
import { createNaiveBackend } from './helpers/naive-backend.js';

/** (a·b) for row-major a (m×k) and b (k×n), float64. */
function product(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

/** An L×L field with weight w at each listed (x, y). */
function field(L: number, sites: [number, number][], w = 1): Float32Array {
  const f = new Float32Array(L * L);
  for (const [x, y] of sites) f[y * L + x] = w;
  return f;
}

function block(L: number, x0: number, y0: number): [number, number][] {
  const sites: [number, number][] = [];
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sites.push([(x0 + dx + L) % L, (y0 + dy + L) % L]);
  return sites;
}

describe('receptive fields', () => {
  it('r(1) = W(1); with an identity-like W(2) (a permutation) r(2) permutes the columns of W(1)', () => {
    const stack = RbmStack.create([9, 4, 4], new Rng(1), 1);
    const perm = [2, 0, 3, 1];
    stack.layers[1].weights.fill(0);
    perm.forEach((j, p) => (stack.layers[1].weights[p * 4 + j] = 1));
    expect(receptiveFields(stack, 1)).toEqual(stack.layers[0].weights);
    const r2 = receptiveFields(stack, 2);
    for (let i = 0; i < 9; i++) perm.forEach((j, p) => expect(r2[i * 4 + j]).toBe(stack.layers[0].weights[i * 4 + p]));
  });

  it('r(3) = W(1)·W(2)·W(3), the same with and without a backend', () => {
    const stack = RbmStack.create([16, 8, 5, 3], new Rng(2), 1);
    const [w1, w2, w3] = stack.layers.map((l) => l.weights);
    const expected = product(product(w1, w2, 16, 8, 5), w3, 16, 5, 3);
    const loops = receptiveFields(stack, 3);
    const gemm = receptiveFields(stack, 3, createNaiveBackend());
    expect(loops.length).toBe(16 * 3);
    for (let i = 0; i < expected.length; i++) {
      expect(loops[i]).toBeCloseTo(expected[i], 4);
      expect(gemm[i]).toBeCloseTo(expected[i], 4);
    }
    expect(() => receptiveFields(stack, 4)).toThrow(RangeError);
  });

  it('fieldOfUnit extracts one column of the visible × units matrix', () => {
    const fields = Float32Array.from({ length: 12 }, (_, i) => i); // 4 visible × 3 units
    expect(Array.from(fieldOfUnit(fields, 3, 1))).toEqual([1, 4, 7, 10]);
  });
});

describe('field metrics on the torus', () => {
  const L = 10;

  it('a single site: centre on the site, radius 0, all weight within any radius', () => {
    const f = field(L, [[3, 7]], -0.4);
    const c = fieldCentre(f, L);
    expect(c.x).toBeCloseTo(3, 12);
    expect(c.y).toBeCloseTo(7, 12);
    expect(fieldRadius(f, L)).toBeCloseTo(0, 6);
    expect(fractionWithin(f, L, 0)).toBe(1);
  });

  it('a uniform 3×3 block: R = sqrt((4·1 + 4·2)/9) = sqrt(4/3); 5/9 of it within 1, all within 1.5', () => {
    const f = field(L, block(L, 4, 5));
    expect(fieldCentre(f, L).x).toBeCloseTo(4, 12);
    expect(fieldCentre(f, L).y).toBeCloseTo(5, 12);
    expect(fieldRadius(f, L)).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(fractionWithin(f, L, 0)).toBeCloseTo(1 / 9, 12);
    expect(fractionWithin(f, L, 1)).toBeCloseTo(5 / 9, 12);
    expect(fractionWithin(f, L, 1.5)).toBeCloseTo(1, 12);
  });

  it('a block wrapped across the periodic corner measures exactly like an unwrapped one', () => {
    const wrapped = field(L, block(L, 0, 0));
    const c = fieldCentre(wrapped, L);
    expect(Math.min(c.x, L - c.x)).toBeCloseTo(0, 12);
    expect(Math.min(c.y, L - c.y)).toBeCloseTo(0, 12);
    expect(fieldRadius(wrapped, L)).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(fractionWithin(wrapped, L, 1)).toBeCloseTo(5 / 9, 12);
  });

  it('signs do not matter (|r| weights); a spread-out field has a larger radius and less weight nearby', () => {
    const mixed = field(L, block(L, 4, 5));
    mixed[5 * L + 3] = -1;
    expect(fieldRadius(mixed, L)).toBeCloseTo(Math.sqrt(4 / 3), 12);
    const wide: [number, number][] = [];
    for (let y = 2; y <= 8; y++) for (let x = 2; x <= 8; x++) wide.push([x, y]);
    const f = field(L, wide);
    expect(fieldRadius(f, L)).toBeCloseTo(Math.sqrt(2 * 4), 10); // per axis ⟨d²⟩ = (2·(1+4+9))/7 = 4
    expect(fractionWithin(f, L, 1)).toBeCloseTo(5 / 49, 12);
  });

  it('fieldMetrics gives every unit\'s centre, radius and locality; NaN for an all-zero field', () => {
    const a = field(4, [[1, 2]]);
    const b = field(4, block(4, 2, 2));
    const fields = new Float32Array(16 * 3);
    for (let i = 0; i < 16; i++) {
      fields[i * 3] = a[i];
      fields[i * 3 + 1] = b[i];
    }
    const m = fieldMetrics(fields, 3, 4, 1);
    expect(m.centreX[0]).toBeCloseTo(1, 12);
    expect(m.centreY[0]).toBeCloseTo(2, 12);
    expect(m.radius[1]).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(m.fractionWithin[1]).toBeCloseTo(5 / 9, 12);
    expect(Number.isNaN(m.radius[2])).toBe(true);
  });
});
