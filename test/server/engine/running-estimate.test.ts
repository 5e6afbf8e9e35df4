/**
 * RunningBinnedMean against its oracle, binningAnalysis of shared/physics/stats: identical on a
 * series that fits, and equal to the analysis of every stride-th value once it has been
 * decimated — whose error bar is still honest for an AR(1) series with known τ_int.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { binningAnalysis } from '../../../shared/physics/stats.js';
import { MIN_SAMPLES, RunningBinnedMean } from '../../../server/engine/running-estimate.js';

/** AR(1) series x_t = ρ x_{t−1} + √(1−ρ²) ξ_t: unit variance, τ_int = (1+ρ) / (2(1−ρ)). */
function ar1(n: number, rho: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n);
  let x = rng.nextGaussian();
  for (let i = 0; i < n; i++) out[i] = x = rho * x + Math.sqrt(1 - rho * rho) * rng.nextGaussian();
  return out;
}

describe('RunningBinnedMean', () => {
  it('reports nothing below MIN_SAMPLES values', () => {
    const running = new RunningBinnedMean();
    for (let i = 0; i < MIN_SAMPLES - 1; i++) running.add(i);
    expect(running.estimate()).toBeNull();
  });

  it('equals binningAnalysis of the whole series while it fits', () => {
    const series = ar1(5000, 0.5, 1);
    const running = new RunningBinnedMean(8192);
    for (const x of series) running.add(x);
    const oracle = binningAnalysis(series);
    expect(running.estimate()).toEqual({
      mean: oracle.mean,
      err: oracle.err,
      tauInt: oracle.tauInt,
      samples: 5000,
      converged: oracle.converged,
    });
  });

  it('equals binningAnalysis of every stride-th value after decimation, with an honest error (AR(1), τ_int = 9.5)', () => {
    const rho = 0.9;
    const series = ar1(200_000, rho, 2);
    const running = new RunningBinnedMean(16_384);
    for (const x of series) running.add(x);
    const stride = 16;
    const oracle = binningAnalysis(series.filter((_, i) => i % stride === 0));
    const estimate = running.estimate()!;
    expect(estimate.samples).toBe(200_000);
    expect(estimate.mean).toBe(oracle.mean);
    expect(estimate.err).toBe(oracle.err);
    expect(estimate.tauInt).toBeCloseTo(stride * oracle.tauInt, 10);
    // Var of the mean of n/s values, spaced s apart: (1/m)(1 + 2 Σ_{k≥1} ρ^{sk}) with m = n/s.
    const m = series.length / stride;
    const exactErr = Math.sqrt((1 + (2 * rho ** stride) / (1 - rho ** stride)) / m);
    expect(Math.abs(estimate.err / exactErr - 1)).toBeLessThan(0.25);
  });

  it('starts over on reset', () => {
    const running = new RunningBinnedMean(128);
    for (let i = 0; i < 500; i++) running.add(5);
    running.reset();
    for (let i = 0; i < 500; i++) running.add(1);
    expect(running.estimate()!.mean).toBe(1);
    expect(running.samples).toBe(500);
  });
});
