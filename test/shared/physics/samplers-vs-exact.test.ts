/**
 * The correctness proof of the Monte Carlo: every sampler, measured one sweep at a time through
 * the IsingSampler interface (exactly as the sampling pipeline uses it), against exact results —
 * brute-force enumeration at L = 4 (with and without a field) and Kaufman's finite-lattice
 * solution at L = 16 and 40 on both sides of K_c. Errors: binning for means, jackknife for the
 * specific heat; distributions: chi-square on samples spaced ≥ 10 τ_int apart. Seeded.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, type Algorithm } from '../../../shared/physics/ising.js';
import { createSampler } from '../../../shared/physics/samplers.js';
import { MultiSpinMetropolisSampler } from '../../../shared/physics/metropolis.js';
import { ByteMetropolisSampler } from '../../../shared/physics/metropolis-byte.js';
import { WolffSampler } from '../../../shared/physics/wolff.js';
import { enumerateIsing, kaufmanExact } from '../../../shared/physics/exact/index.js';
import { binningAnalysis, chiSquareTest, integratedAutocorrelationTime } from '../../../shared/physics/stats.js';
import { measureIsing } from '../../../shared/physics/observables.js';

const SIGMAS = 4;
const MIN_P_VALUE = 1e-3;

/** Per-sweep series of Σ s_i s_j and Σ s_i, after 2000 discarded sweeps from the all-up start. */
function chain(algorithm: Algorithm, L: number, coupling: number, field: number, sweeps: number, seed: number) {
  const sampler = createSampler({ algorithm, L, coupling, field, seed });
  sampler.sweep(2000);
  const bondSum = new Float64Array(sweeps);
  const magnetization = new Float64Array(sweeps);
  for (let i = 0; i < sweeps; i++) {
    sampler.sweep(1);
    bondSum[i] = sampler.bondSum();
    magnetization[i] = sampler.magnetizationSum();
  }
  return { bondSum, magnetization };
}

/** |measured − exact| / err, for messages that carry the numbers. */
function deviation(name: string, mean: number, err: number, exact: number): { name: string; sigma: number; text: string } {
  const sigma = Math.abs(mean - exact) / err;
  return { name, sigma, text: `${name}: measured ${mean.toFixed(5)} ± ${err.toFixed(5)}, exact ${exact.toFixed(5)} (${sigma.toFixed(1)}σ)` };
}

function expectWithin(deviations: ReturnType<typeof deviation>[]): void {
  const report = deviations.map((d) => d.text).join('; ');
  for (const d of deviations) expect(d.sigma, report).toBeLessThan(SIGMAS);
}

const SWEEPS_L4: Record<Algorithm, number> = { metropolis: 400_000, 'metropolis-byte': 400_000, wolff: 200_000 };

describe('createSampler builds the real samplers', () => {
  it('metropolis → MultiSpinMetropolisSampler, wolff → WolffSampler, metropolis-byte → ByteMetropolisSampler', () => {
    const classes = { metropolis: MultiSpinMetropolisSampler, wolff: WolffSampler, 'metropolis-byte': ByteMetropolisSampler };
    for (const algorithm of ALGORITHMS) {
      const s = createSampler({ algorithm, L: 4, coupling: 0.3, seed: 1 });
      expect(s).toBeInstanceOf(classes[algorithm]);
      expect(s.algorithm).toBe(algorithm);
    }
  });
});

describe('L = 4 vs exact enumeration: e, |m|, m² (and signed m = ∂ln Z/∂H/N with a field) within 4σ and the bond-sum distribution by chi-square (p > 1e-3)', () => {
  const cases = ALGORITHMS.flatMap((algorithm) =>
    [
      [0.3, 0],
      [0.6, 0],
      [0.3, 0.1],
      [0.6, 0.1],
    ].map(([K, H]) => ({ algorithm, K, H })),
  );
  it.each(cases)('$algorithm at K = $K, H = $H', ({ algorithm, K, H }) => {
    const L = 4;
    const N = L * L;
    const exact = enumerateIsing(L, L, K, H);
    const sweeps = SWEEPS_L4[algorithm];
    const { bondSum, magnetization } = chain(algorithm, L, K, H, sweeps, 17);
    const energy = binningAnalysis(Array.from(bondSum, (b) => -b / N));
    const absM = binningAnalysis(Array.from(magnetization, (m) => Math.abs(m) / N));
    const m2 = binningAnalysis(Array.from(magnetization, (m) => (m / N) ** 2));
    const checks = [
      deviation('e', energy.mean, energy.err, exact.energyPerSite),
      deviation('|m|', absM.mean, absM.err, exact.absMagnetization),
      deviation('m²', m2.mean, m2.err, exact.magnetization2),
    ];
    if (H !== 0) {
      // ⟨m⟩ = (1/N) ∂ln Z/∂H by a central difference of the exact ln Z (error ~1e-9): fixes the sign of the field.
      const d = 1e-4;
      const mExact = (enumerateIsing(L, L, K, H + d).logZ - enumerateIsing(L, L, K, H - d).logZ) / (2 * d * N);
      const mSigned = binningAnalysis(Array.from(magnetization, (m) => m / N));
      checks.push(deviation('m', mSigned.mean, mSigned.err, mExact));
    }
    expectWithin(checks);

    const tau = integratedAutocorrelationTime(bondSum).tau;
    expect(sweeps).toBeGreaterThan(1000 * tau);
    const gap = Math.max(1, Math.ceil(10 * tau));
    const index = new Map(Array.from(exact.bondSums, (E, j) => [E, j]));
    const counts = new Float64Array(exact.bondSums.length);
    for (let i = gap - 1; i < sweeps; i += gap) {
      const j = index.get(bondSum[i]);
      expect(j, `bond sum ${bondSum[i]} is impossible on the 4×4 torus`).toBeDefined();
      counts[j as number]++;
    }
    const test = chiSquareTest(counts, exact.bondSumProbabilities);
    expect(test.pValue, `χ² = ${test.chi2.toFixed(1)} on ${test.dof} dof from ${Math.floor(sweeps / gap)} samples`).toBeGreaterThan(MIN_P_VALUE);
  });
});

describe('L = 16 and 40 vs Kaufman 1949 (H = 0): energy per site and specific heat within 4σ', () => {
  const sweeps: Record<Algorithm, Record<number, number>> = {
    metropolis: { 16: 300_000, 40: 200_000 },
    'metropolis-byte': { 16: 100_000, 40: 40_000 },
    wolff: { 16: 100_000, 40: 30_000 },
  };
  const cases = ALGORITHMS.flatMap((algorithm) =>
    [16, 40].flatMap((L) => [0.35, 0.408, 0.5].map((K) => ({ algorithm, L, K }))),
  );
  it.each(cases)('$algorithm at L = $L, K = $K', ({ algorithm, L, K }) => {
    const exact = kaufmanExact(L, L, K);
    const n = sweeps[algorithm][L];
    const { bondSum, magnetization } = chain(algorithm, L, K, 0, n, 29);
    const m = measureIsing({ bondSum, magnetization, N: L * L, coupling: K });
    expect(n).toBeGreaterThan(100 * m.tauIntEnergy.tau);
    expectWithin([
      deviation('e', m.energyPerSite.mean, m.energyPerSite.err, exact.energyPerSite),
      deviation('c', m.specificHeat.mean, m.specificHeat.err, exact.specificHeatPerSite),
    ]);
  });
});
