import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import {
  binningAnalysis,
  chiSquareTest,
  gammaQ,
  integratedAutocorrelationTime,
  jackknife,
  jackknifeMeans,
} from '../../../shared/physics/stats.js';

/** AR(1): x_t = φ x_{t−1} + ε_t, stationary start; ρ(t) = φ^t, τ_int = (1+φ)/(2(1−φ)), mean 0. */
function ar1(phi: number, n: number, rng: Rng): Float64Array {
  const x = new Float64Array(n);
  let v = rng.nextGaussian() / Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    v = phi * v + rng.nextGaussian();
    x[i] = v;
  }
  return x;
}
const tauOf = (phi: number) => (1 + phi) / (2 * (1 - phi));

describe('binningAnalysis', () => {
  it('gives the exact mean and the textbook error for independent data (τ_int ≈ ½)', () => {
    const x = ar1(0, 1 << 14, new Rng(1));
    const b = binningAnalysis(x);
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    expect(b.mean).toBeCloseTo(mean, 12);
    expect(b.naiveErr).toBeCloseTo(Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / (x.length - 1) / x.length), 12);
    expect(b.converged).toBe(true);
    expect(b.tauInt).toBeGreaterThan(0.35);
    expect(b.tauInt).toBeLessThan(0.65);
    expect(b.levels[0]).toMatchObject({ binSize: 1, bins: 1 << 14 });
    expect(b.levels[1]).toMatchObject({ binSize: 2, bins: 1 << 13 });
  });

  it('recovers τ_int = (1+φ)/(2(1−φ)) of AR(1) within 20% (φ = 0.8 → 4.5, φ = 0.95 → 19.5)', () => {
    for (const phi of [0.8, 0.95]) {
      const b = binningAnalysis(ar1(phi, 1 << 17, new Rng(2)));
      expect(b.converged).toBe(true);
      expect(Math.abs(b.tauInt / tauOf(phi) - 1)).toBeLessThan(0.2);
    }
  });

  it('2σ error bars cover the true mean in 90–99% of 200 AR(1) replicas (φ = 0.8, n = 2^14)', () => {
    let covered = 0;
    let converged = 0;
    for (let r = 0; r < 200; r++) {
      const b = binningAnalysis(ar1(0.8, 1 << 14, new Rng(3, r)));
      if (Math.abs(b.mean) < 2 * b.err) covered++;
      if (b.converged) converged++;
    }
    expect(covered / 200).toBeGreaterThanOrEqual(0.9);
    expect(covered / 200).toBeLessThanOrEqual(0.99);
    expect(converged / 200).toBeGreaterThan(0.95);
  });

  it('reports converged = false for a run only ~20 τ_int long (φ = 0.995, n = 4096)', () => {
    const b = binningAnalysis(ar1(0.995, 4096, new Rng(4)));
    expect(b.converged).toBe(false);
    expect(b.tauInt).toBeLessThan(tauOf(0.995));
  });

  it('handles empty and constant series', () => {
    expect(Number.isNaN(binningAnalysis([]).mean)).toBe(true);
    const c = binningAnalysis(new Float64Array(100).fill(3));
    expect(c.mean).toBe(3);
    expect(c.err).toBe(0);
  });
});

describe('integratedAutocorrelationTime (Sokal windowing)', () => {
  it('matches the AR(1) value within its Madras–Sokal error for φ = 0, 0.5, 0.9', () => {
    for (const phi of [0, 0.5, 0.9]) {
      const t = integratedAutocorrelationTime(ar1(phi, 1 << 16, new Rng(5)));
      expect(Math.abs(t.tau - tauOf(phi))).toBeLessThan(3 * t.err);
      expect(t.window).toBeGreaterThanOrEqual(6 * t.tau - 1);
    }
  });

  it('τ ± 2δτ covers the truth in 90–99% of 200 AR(1) replicas (φ = 0.7, n = 2^14)', () => {
    let covered = 0;
    for (let r = 0; r < 200; r++) {
      const t = integratedAutocorrelationTime(ar1(0.7, 1 << 14, new Rng(6, r)));
      if (Math.abs(t.tau - tauOf(0.7)) < 2 * t.err) covered++;
    }
    expect(covered / 200).toBeGreaterThanOrEqual(0.9);
    expect(covered / 200).toBeLessThanOrEqual(0.99);
  });

  it('handles 10⁶ points (τ ≈ 19.5) in well under a second', () => {
    const x = ar1(0.95, 1_000_000, new Rng(7));
    const t0 = performance.now();
    const t = integratedAutocorrelationTime(x);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(Math.abs(t.tau - tauOf(0.95))).toBeLessThan(4 * t.err);
  });

  it('gives τ = ½ for a constant series', () => {
    expect(integratedAutocorrelationTime(new Float64Array(50).fill(1))).toEqual({ tau: 0.5, err: 0, window: 0 });
  });
});

describe('jackknife', () => {
  it('is exact for a linear estimator: the mean and the standard error of the mean', () => {
    const x = [1, 4, 2, 8, 5, 7];
    const n = x.length;
    const mean = x.reduce((a, v) => a + v, 0) / n;
    const j = jackknife(n, (k) => (n * mean - x[k]) / (n - 1), mean);
    expect(j.mean).toBeCloseTo(mean, 12);
    const sem = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) / n);
    expect(j.err).toBeCloseTo(sem, 12);
  });

  it('removes the O(1/n) bias of the plug-in variance ⟨x²⟩ − ⟨x⟩² (gives the unbiased sample variance)', () => {
    const rng = new Rng(8);
    const x = Array.from({ length: 40 }, () => rng.nextGaussian());
    const n = x.length;
    const mean = x.reduce((a, v) => a + v, 0) / n;
    const unbiased = x.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
    const est = jackknifeMeans([x, x.map((v) => v * v)], n, (m) => m[1] - m[0] * m[0]);
    expect(est.mean).toBeCloseTo(unbiased, 10);
  });

  it('error of exp(⟨x⟩) matches the delta method e^μ σ/√n for Gaussian data, and covers the truth', () => {
    const rng = new Rng(9);
    const n = 1 << 14;
    const x = Array.from({ length: n }, () => 1 + 0.5 * rng.nextGaussian());
    const est = jackknifeMeans([x], 64, (m) => Math.exp(m[0]));
    const delta = Math.exp(1) * (0.5 / Math.sqrt(n));
    expect(Math.abs(est.err / delta - 1)).toBeLessThan(0.3);
    expect(Math.abs(est.mean - Math.exp(1))).toBeLessThan(3 * est.err);
  });

  it('rejects fewer than 2 blocks and mismatched series', () => {
    expect(() => jackknife(1, () => 0, 0)).toThrow(RangeError);
    expect(() => jackknifeMeans([[1, 2], [1]], 2, () => 0)).toThrow(RangeError);
  });
});

describe('chi-square test', () => {
  it('Q(a, x) matches closed forms: Q(1, x) = e^−x, Q(½, x) = erfc(√x) at x = 2', () => {
    expect(gammaQ(1, 0.3)).toBeCloseTo(Math.exp(-0.3), 12);
    expect(gammaQ(1, 7)).toBeCloseTo(Math.exp(-7), 12);
    expect(gammaQ(0.5, 2)).toBeCloseTo(0.04550026389635842, 12);
    expect(gammaQ(5, 4)).toBeCloseTo(0.6288369351798734, 12);
  });

  it('accepts multinomial samples from the stated distribution and rejects a distorted one', () => {
    const p = [0.05, 0.2, 0.4, 0.3, 0.05];
    const rng = new Rng(10);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 20000; i++) {
      let u = rng.nextFloat();
      let k = 0;
      while (k < 4 && u >= p[k]) u -= p[k++];
      counts[k]++;
    }
    expect(chiSquareTest(counts, p).pValue).toBeGreaterThan(1e-3);
    expect(chiSquareTest(counts, [0.06, 0.2, 0.39, 0.3, 0.05]).pValue).toBeLessThan(1e-3);
    expect(chiSquareTest(counts, p).dof).toBe(4);
  });
});
