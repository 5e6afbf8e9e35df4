import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { measureIsing } from '../../../shared/physics/observables.js';

/** Sum of `count` independent ±1 coins. */
function coinSum(rng: Rng, count: number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += rng.nextUint32() & 1 ? 1 : -1;
  return s;
}

/** Exact moments of M = sum of N independent ±1 spins: ⟨|M|⟩, ⟨M²⟩ = N, ⟨M⁴⟩ = 3N² − 2N. */
function binomialMoments(N: number): { absM: number; m2: number; m4: number } {
  let absM = 0;
  let logC = 0; // ln C(N, k)
  for (let k = 0; k <= N; k++) {
    if (k > 0) logC += Math.log((N - k + 1) / k);
    absM += Math.exp(logC - N * Math.LN2) * Math.abs(2 * k - N);
  }
  return { absM, m2: N, m4: 3 * N * N - 2 * N };
}

describe('measureIsing', () => {
  it('reproduces hand-computed values exactly on a periodic series (period 4, e = −bondSum/N, c = K²N Var e)', () => {
    const N = 16;
    const K = 0.5;
    const bondPattern = [32, 16, 0, 16]; // e = −2, −1, 0, −1
    const magPattern = [16, -8, 0, 8]; // m = 1, −½, 0, ½
    const n = 64 * 4 * 8;
    const bondSum = Float64Array.from({ length: n }, (_, i) => bondPattern[i % 4]);
    const magnetization = Float64Array.from({ length: n }, (_, i) => magPattern[i % 4]);
    const r = measureIsing({ bondSum, magnetization, N, coupling: K });
    // ⟨e⟩ = −1, Var e = ½; ⟨|m|⟩ = ½, ⟨m²⟩ = 3/8, ⟨m⁴⟩ = (1 + 2/16)/4 = 9/32.
    expect(r.energyPerSite.mean).toBeCloseTo(-1, 12);
    expect(r.absMagnetization.mean).toBeCloseTo(0.5, 12);
    expect(r.specificHeat.mean).toBeCloseTo(K * K * N * 0.5, 10);
    expect(r.susceptibility.mean).toBeCloseTo(K * N * (3 / 8 - 1 / 4), 10);
    expect(r.binder.mean).toBeCloseTo(1 - 9 / 32 / (3 * (3 / 8) ** 2), 10);
    // Blocks hold whole periods, so every jackknife replica is identical: zero error.
    expect(r.specificHeat.err).toBeLessThan(1e-10);
    expect(r.binder.err).toBeLessThan(1e-10);
  });

  it('independent spins and bonds (infinite temperature): c = 2K², χ, U = 2/(3N) within 4σ', () => {
    const rng = new Rng(11);
    const N = 16;
    const K = 0.3;
    const n = 40_000;
    const bondSum = new Float64Array(n);
    const magnetization = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      bondSum[i] = coinSum(rng, 2 * N);
      magnetization[i] = coinSum(rng, N);
    }
    const r = measureIsing({ bondSum, magnetization, N, coupling: K });
    const { absM, m2, m4 } = binomialMoments(N);
    const expected = {
      energyPerSite: 0,
      absMagnetization: absM / N,
      specificHeat: 2 * K * K,
      susceptibility: K * N * (m2 / N ** 2 - (absM / N) ** 2),
      binder: 1 - m4 / (3 * m2 * m2),
    };
    expect(expected.binder).toBeCloseTo(2 / (3 * N), 12);
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
      const est = r[key];
      expect(est.err).toBeGreaterThan(0);
      expect(Math.abs(est.mean - expected[key]) / est.err).toBeLessThan(4);
    }
    expect(Math.abs(r.tauIntEnergy.tau - 0.5)).toBeLessThan(4 * r.tauIntEnergy.err);
  });

  it('repeating every measurement k = 8 times leaves the errors unchanged and makes τ_int ≈ k/2', () => {
    const rng = new Rng(12);
    const N = 16;
    const n = 8192;
    const k = 8;
    const bond = Float64Array.from({ length: n }, () => coinSum(rng, 2 * N));
    const mag = Float64Array.from({ length: n }, () => coinSum(rng, N));
    const repeat = (x: Float64Array) => Float64Array.from({ length: n * k }, (_, i) => x[Math.floor(i / k)]);
    const once = measureIsing({ bondSum: bond, magnetization: mag, N, coupling: 0.4 });
    const many = measureIsing({ bondSum: repeat(bond), magnetization: repeat(mag), N, coupling: 0.4 });
    expect(many.energyPerSite.mean).toBeCloseTo(once.energyPerSite.mean, 12);
    // Binning of the repeated series reads the error at a different level: agree to noise.
    expect(many.energyPerSite.err / once.energyPerSite.err).toBeGreaterThan(0.75);
    expect(many.energyPerSite.err / once.energyPerSite.err).toBeLessThan(1.25);
    expect(many.specificHeat.err / once.specificHeat.err).toBeGreaterThan(0.75);
    expect(many.specificHeat.err / once.specificHeat.err).toBeLessThan(1.25);
    // Repeating k times: ρ(t) = 1 − t/k for t < k, τ_int = k/2.
    expect(many.tauIntEnergy.tau).toBeGreaterThan(0.8 * (k / 2));
    expect(many.tauIntEnergy.tau).toBeLessThan(1.2 * (k / 2));
  });

  it('rejects series of different lengths', () => {
    expect(() => measureIsing({ bondSum: [1, 2], magnetization: [1], N: 4, coupling: 0.1 })).toThrow(RangeError);
  });
});
