import { describe, expect, it } from 'vitest';
import { CRITICAL_COUPLING } from '../../../../shared/physics/ising.js';
import { enumerateIsing } from '../../../../shared/physics/exact/enumerate.js';
import { kaufmanExact } from '../../../../shared/physics/exact/kaufman.js';
import { onsagerEnergyPerSite, onsagerFreeEnergyPerSite, onsagerSpecificHeatPerSite } from '../../../../shared/physics/exact/onsager.js';

const Kc = CRITICAL_COUPLING;

/** |actual − expected| ≤ tol·|expected|. */
function expectRel(actual: number, expected: number, tol: number, what = ''): void {
  const bound = tol * Math.abs(expected);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(bound);
}

describe('kaufmanExact against brute-force enumeration', () => {
  it('ln Z, energy and specific heat agree to 1e-10 on square and non-square lattices, both sides of K_c and at K_c', () => {
    for (const [m, n] of [[4, 4], [4, 3], [3, 4], [2, 6], [6, 2], [2, 2], [3, 3], [5, 4]]) {
      for (const K of [0.1, 0.3, 0.408, Kc, 0.5, 0.6, 1.2]) {
        const exact = kaufmanExact(m, n, K);
        const brute = enumerateIsing(n, m, K);
        const at = `${m}×${n}, K = ${K}`;
        expectRel(exact.logZ, brute.logZ, 1e-12, `ln Z ${at}`);
        expectRel(exact.energyPerSite, brute.energyPerSite, 1e-12, `e ${at}`);
        expectRel(exact.specificHeatPerSite, brute.specificHeatPerSite, 1e-10, `c ${at}`);
      }
    }
  });

  it('is symmetric under m ↔ n and gives ln Z = N ln 2, e = c = 0 at K = 0', () => {
    for (const K of [0.2, Kc, 0.7]) {
      const a = kaufmanExact(12, 7, K);
      const b = kaufmanExact(7, 12, K);
      expectRel(a.logZ, b.logZ, 1e-13, 'ln Z');
      expectRel(a.energyPerSite, b.energyPerSite, 1e-12, 'e');
      expectRel(a.specificHeatPerSite, b.specificHeatPerSite, 1e-10, 'c');
    }
    expect(kaufmanExact(40, 40, 0)).toEqual({ logZ: 1600 * Math.LN2, energyPerSite: 0, specificHeatPerSite: 0 });
  });
});

describe('kaufmanExact against 60-digit evaluations of the same formula (mpmath, K-derivatives by mp.diff)', () => {
  const REFERENCE = [
    { L: 16, K: 0.35, logZ: 212.48919532406339934, e: -0.88099824756892151627, c: 0.48720959401941214744 },
    { L: 16, K: 0.5, logZ: 263.29621043402121762, e: -1.7455306689909190951, c: 0.72550876773656415436 },
    { L: 16, K: Kc, logZ: 238.6422566351328865, e: -1.4530648528134770628, c: 1.4987049594000261016 },
    { L: 40, K: 0.408, logZ: 1421.4325734700932645, e: -1.151821150767718701, c: 0.99467047467740626596 },
    { L: 40, K: Kc, logZ: 1488.1526002281576066, e: -1.4297713123073424568, c: 1.9581816502509387499 },
    { L: 256, K: 0.43, logZ: 59982.446790941773804, e: -1.3004124020715968427, c: 1.526973641018653501 },
    { L: 256, K: Kc, logZ: 60929.157538903390811, e: -1.4166449541968322989, c: 2.8797862552024991172 },
  ] as const;
  it('agrees to 1e-14 in ln Z, 1e-13 in e and 1e-11 in c, up to L = 256 at K_c', () => {
    for (const ref of REFERENCE) {
      const r = kaufmanExact(ref.L, ref.L, ref.K);
      const at = `L = ${ref.L}, K = ${ref.K}`;
      expectRel(r.logZ, ref.logZ, 1e-14, `ln Z ${at}`);
      expectRel(r.energyPerSite, ref.e, 1e-13, `e ${at}`);
      expectRel(r.specificHeatPerSite, ref.c, 1e-11, `c ${at}`);
    }
  });
});

describe('kaufmanExact derivatives (analytic, checked by finite differences at L = 40)', () => {
  it('e = −(1/N) d ln Z/dK and c = −K² de/dK to 1e-6', () => {
    const h = 1e-5;
    for (const K of [0.3, 0.408, Kc, 0.46, 0.6]) {
      const at = (k: number) => kaufmanExact(40, 40, k);
      const r = at(K);
      expectRel(-(at(K + h).logZ - at(K - h).logZ) / (2 * h) / 1600, r.energyPerSite, 1e-8, `e at K = ${K}`);
      expectRel((-K * K * (at(K + h).energyPerSite - at(K - h).energyPerSite)) / (2 * h), r.specificHeatPerSite, 1e-6, `c at K = ${K}`);
    }
  });
});

describe('kaufmanExact on large lattices against Onsager', () => {
  it('at L = 128 and 256 matches the infinite lattice to 1e-8 away from K_c (ln Z/N gains ln 2/N in the ordered phase)', () => {
    for (const L of [128, 256]) {
      const N = L * L;
      for (const K of [0.3, 0.6]) {
        const r = kaufmanExact(L, L, K);
        expect(Math.abs(r.energyPerSite - onsagerEnergyPerSite(K))).toBeLessThan(1e-8);
        expect(Math.abs(r.specificHeatPerSite - onsagerSpecificHeatPerSite(K))).toBeLessThan(1e-8);
        const degeneracy = K > Kc ? Math.LN2 / N : 0;
        expect(Math.abs(r.logZ / N - degeneracy - onsagerFreeEnergyPerSite(K))).toBeLessThan(1e-12);
      }
    }
  });

  it('shows the finite-size scaling at K_c: e_L − u ∝ 1/L and c_L grows by (8K_c²/π) ln 2 per doubling of L', () => {
    const u = onsagerEnergyPerSite(Kc);
    const [r64, r128, r256] = [64, 128, 256].map((L) => kaufmanExact(L, L, Kc));
    expect(r128.energyPerSite - u).toBeLessThan(-1e-3);
    expectRel((r128.energyPerSite - u) / (r256.energyPerSite - u), 2, 1e-2, 'energy ratio');
    const amplitude = ((8 * Kc * Kc) / Math.PI) * Math.LN2;
    expect(Math.abs(r256.specificHeatPerSite - r128.specificHeatPerSite - amplitude)).toBeLessThan(2e-3);
    expect(Math.abs(r128.specificHeatPerSite - r64.specificHeatPerSite - amplitude)).toBeLessThan(4e-3);
  });

  it('stays finite for every L up to 256 at, just off, and far from K_c', () => {
    for (const L of [2, 3, 5, 16, 40, 64, 127, 128, 255, 256]) {
      for (const K of [Kc, Kc * (1 - 1e-15), Kc * (1 + 1e-15), 1e-300, 1e-8, 0.01, 50, 1e6]) {
        const r = kaufmanExact(L, L, K);
        expect(Number.isFinite(r.logZ) && Number.isFinite(r.energyPerSite) && Number.isFinite(r.specificHeatPerSite), `L = ${L}, K = ${K}`).toBe(true);
        expect(r.specificHeatPerSite).toBeGreaterThan(-1e-20);
        expect(r.energyPerSite).toBeGreaterThanOrEqual(-2);
      }
    }
    expect(kaufmanExact(256, 256, 1e-8).energyPerSite / -2e-8).toBeCloseTo(1, 7);
    expect(kaufmanExact(256, 256, 50).energyPerSite).toBe(-2);
  });

  it('rejects bad sizes and couplings with RangeError', () => {
    expect(() => kaufmanExact(1, 4, 0.4)).toThrow(RangeError);
    expect(() => kaufmanExact(4, 2.5, 0.4)).toThrow(RangeError);
    expect(() => kaufmanExact(4, 4, -0.1)).toThrow(RangeError);
    expect(() => kaufmanExact(4, 4, NaN)).toThrow(RangeError);
    expect(() => kaufmanExact(4, 4, Infinity)).toThrow(RangeError);
  });
});
