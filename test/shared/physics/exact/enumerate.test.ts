import { describe, expect, it } from 'vitest';
import { enumerateIsing, type EnumerationResult } from '../../../../shared/physics/exact/enumerate.js';

/**
 * Independent oracle: loop over every state, build the spins as an Int8Array, sum the right
 * and down bonds site by site, and accumulate Boltzmann-weighted moments directly.
 */
function naive(Lx: number, Ly: number, K: number, H: number) {
  const N = Lx * Ly;
  const s = new Int8Array(N);
  const E: number[] = [];
  const M: number[] = [];
  for (let c = 0; c < 1 << N; c++) {
    for (let i = 0; i < N; i++) s[i] = (c >> i) & 1 ? 1 : -1;
    let bonds = 0;
    let mag = 0;
    for (let y = 0; y < Ly; y++) {
      for (let x = 0; x < Lx; x++) {
        const i = y * Lx + x;
        bonds += s[i] * (s[y * Lx + ((x + 1) % Lx)] + s[((y + 1) % Ly) * Lx + x]);
        mag += s[i];
      }
    }
    E.push(bonds);
    M.push(mag);
  }
  const logW = E.map((e, k) => K * e + H * M[k]);
  const top = Math.max(...logW);
  const w = logW.map((l) => Math.exp(l - top));
  const z = w.reduce((a, b) => a + b, 0);
  const avg = (f: (k: number) => number) => w.reduce((acc, wk, k) => acc + wk * f(k), 0) / z;
  const meanE = avg((k) => E[k]);
  const absM = avg((k) => Math.abs(M[k]) / N);
  const m2 = avg((k) => (M[k] / N) ** 2);
  const m4 = avg((k) => (M[k] / N) ** 4);
  const hist = new Map<number, number>();
  E.forEach((e, k) => hist.set(e, (hist.get(e) ?? 0) + w[k] / z));
  return {
    logZ: top + Math.log(z),
    energyPerSite: -meanE / N,
    specificHeatPerSite: (K * K * avg((k) => (E[k] - meanE) ** 2)) / N,
    absMagnetization: absM,
    magnetization2: m2,
    magnetization4: m4,
    susceptibility: K * N * avg((k) => (Math.abs(M[k]) / N - absM) ** 2),
    binder: 1 - m4 / (3 * m2 * m2),
    hist,
  };
}

const OBSERVABLES = [
  'logZ',
  'energyPerSite',
  'specificHeatPerSite',
  'absMagnetization',
  'magnetization2',
  'magnetization4',
  'susceptibility',
  'binder',
] as const;

/** |actual − expected| ≤ tol·max(|expected|, 1e-300). */
function expectRel(actual: number, expected: number, tol: number, what = ''): void {
  const bound = tol * Math.max(Math.abs(expected), 1e-300);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(bound);
}

function expectMatchesNaive(r: EnumerationResult, Lx: number, Ly: number, K: number, H: number): void {
  const o = naive(Lx, Ly, K, H);
  for (const key of OBSERVABLES) {
    expectRel(r[key], o[key], 1e-11, key);
  }
  expect(Array.from(r.bondSums)).toEqual([...o.hist.keys()].sort((a, b) => a - b));
  r.bondSums.forEach((e, j) => expectRel(r.bondSumProbabilities[j], o.hist.get(e) ?? NaN, 1e-11, `P(E = ${e})`));
}

describe('enumerateIsing', () => {
  it('matches a state-by-state oracle on rectangular and degenerate lattices, with and without a field', () => {
    for (const [Lx, Ly] of [[3, 2], [2, 3], [4, 3], [1, 5], [5, 1], [3, 3]]) {
      for (const [K, H] of [[0.3, 0], [0.44, 0.1], [-0.5, 0.2], [1.3, -0.05]]) {
        expectMatchesNaive(enumerateIsing(Lx, Ly, K, H), Lx, Ly, K, H);
      }
    }
  });

  it('reproduces the hand-computed 2×2 lattice, whose every bond is doubled: Z = 2e^{8K}cosh 4H + 8cosh 2H + 4 + 2e^{−8K}', () => {
    // Bond sum E = 2(s1s2 + s1s3 + s2s4 + s3s4): E = 8 (2 states, M = ±4), E = 0 (8 states with
    // M = ±2, 4 with M = 0), E = −8 (the 2 checkerboards, M = 0).
    const K = 0.3;
    const H = 0.2;
    const r = enumerateIsing(2, 2, K, H);
    const w8 = 2 * Math.exp(8 * K) * Math.cosh(4 * H);
    const w0 = 8 * Math.cosh(2 * H) + 4;
    const wm8 = 2 * Math.exp(-8 * K);
    const Z = w8 + w0 + wm8;
    expect(r.logZ).toBeCloseTo(Math.log(Z), 14);
    expect(Array.from(r.bondSums)).toEqual([-8, 0, 8]);
    expect(r.bondSumProbabilities[0]).toBeCloseTo(wm8 / Z, 15);
    expect(r.bondSumProbabilities[1]).toBeCloseTo(w0 / Z, 15);
    expect(r.bondSumProbabilities[2]).toBeCloseTo(w8 / Z, 15);
    expect(r.energyPerSite).toBeCloseTo((-8 * w8 + 8 * wm8) / Z / 4, 14);
    expect(r.absMagnetization).toBeCloseTo((w8 + 0.5 * 8 * Math.cosh(2 * H)) / Z, 14);
  });

  it('at K = 0, H = 0 the spins are independent: ln Z = N ln 2, e = 0, c = 0, ⟨m²⟩ = 1/N, ⟨m⁴⟩ = (3N − 2)/N³', () => {
    const r = enumerateIsing(4, 4, 0);
    const N = 16;
    expect(r.logZ).toBeCloseTo(N * Math.LN2, 13);
    expect(r.energyPerSite).toBeCloseTo(0, 15);
    expect(r.specificHeatPerSite).toBe(0);
    expect(r.magnetization2).toBeCloseTo(1 / N, 15);
    expect(r.magnetization4).toBeCloseTo((3 * N - 2) / N ** 3, 15);
  });

  it('is symmetric under H → −H and its energy distribution sums to 1 over increasing bond sums', () => {
    const a = enumerateIsing(4, 4, 0.4, 0.15);
    const b = enumerateIsing(4, 4, 0.4, -0.15);
    for (const key of OBSERVABLES) {
      expectRel(a[key], b[key], 1e-13, key);
    }
    a.bondSumProbabilities.forEach((p, j) => expectRel(p, b.bondSumProbabilities[j], 1e-13, `P_${j}`));
    expect(a.bondSumProbabilities.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 14);
    for (let j = 1; j < a.bondSums.length; j++) expect(a.bondSums[j]).toBeGreaterThan(a.bondSums[j - 1]);
    // 4×4: E = 2N = 32 down to −32, with no state at ±28 (a single flipped spin costs 8).
    expect(a.bondSums[0]).toBe(-32);
    expect(a.bondSums[a.bondSums.length - 1]).toBe(32);
    expect(Array.from(a.bondSums)).not.toContain(28);
  });

  it('specific heat is K² d²ln Z/dK²/N and energy −d ln Z/dK/N (finite differences, 4×4)', () => {
    const K = 0.42;
    const h = 1e-4;
    const lz = (k: number) => enumerateIsing(4, 4, k).logZ;
    const r = enumerateIsing(4, 4, K);
    expect(-(lz(K + h) - lz(K - h)) / (2 * h) / 16).toBeCloseTo(r.energyPerSite, 7);
    expect((K * K * (lz(K + h) - 2 * lz(K) + lz(K - h))) / (h * h) / 16).toBeCloseTo(r.specificHeatPerSite, 5);
  });

  it('handles the largest lattice, 4×5 (2^20 states), and rejects more sites or bad arguments with RangeError', () => {
    const r = enumerateIsing(4, 5, 0.44);
    expect(r.N).toBe(20);
    expect(r.bondSumProbabilities.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 13);
    expect(() => enumerateIsing(5, 5, 0.4)).toThrow(RangeError);
    expect(() => enumerateIsing(0, 4, 0.4)).toThrow(RangeError);
    expect(() => enumerateIsing(2.5, 4, 0.4)).toThrow(RangeError);
    expect(() => enumerateIsing(4, 4, NaN)).toThrow(RangeError);
    expect(() => enumerateIsing(4, 4, 0.4, Infinity)).toThrow(RangeError);
  });
});
