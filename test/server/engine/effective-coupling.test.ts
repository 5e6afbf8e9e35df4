/**
 * The K_eff estimator against known couplings: layers whose "hidden states" are exact 2D Ising
 * samples at K (Wolff chains, well decorrelated between frames) give K_eff within its error of K,
 * for the finite-lattice (Kaufman) relation and, on a large lattice, Onsager's; a sublattice-
 * flipped sample reads as −K; the inversion is exact against its own oracle; and a paused
 * engine's repeated frames do not shrink the error bars.
 */
import { describe, expect, it } from 'vitest';
import { CRITICAL_COUPLING } from '../../../shared/physics/ising.js';
import { WolffSampler } from '../../../shared/physics/wolff.js';
import {
  correlationAt,
  couplingFromCorrelation,
  CouplingWindow,
  estimateEffectiveCoupling,
  nearestNeighbourCorrelation,
} from '../../../server/engine/effective-coupling.js';

/** Per-frame correlations of `frames` Wolff samples at K, `spacing` sweeps apart, after a burn-in. */
function isingFrames(L: number, K: number, frames: number, seed: number, flipSublattice = false): number[] {
  const sampler = new WolffSampler(L, K, 0, seed);
  sampler.sweep(200);
  const spins = new Int8Array(L * L);
  const out: number[] = [];
  for (let f = 0; f < frames; f++) {
    sampler.sweep(5);
    sampler.readSpins(spins);
    if (flipSublattice) for (let i = 0; i < spins.length; i++) if (((i % L) + Math.floor(i / L)) % 2 === 1) spins[i] = -spins[i];
    out.push(nearestNeighbourCorrelation(spins, L));
  }
  return out;
}

describe('effective coupling of exact Ising samples', () => {
  it.each([
    [16, 0.25],
    [16, 0.35],
    [16, 0.408],
    [10, CRITICAL_COUPLING],
    [16, 0.55],
    [5, 0.3],
  ])('L = %i, K = %f: K_eff within 4 errors of K (finite-lattice relation)', (L, K) => {
    const estimate = estimateEffectiveCoupling(isingFrames(L, K, 200, 17 + L), L);
    expect(estimate.frames).toBe(200);
    expect(estimate.err!).toBeGreaterThan(0);
    expect(estimate.err!).toBeLessThan(0.05);
    expect(Math.abs(estimate.kEff! - K)).toBeLessThan(4 * estimate.err!);
  });

  it('agrees with Onsager’s relation on a large lattice away from K_c (L = 48, K = 0.3)', () => {
    const estimate = estimateEffectiveCoupling(isingFrames(48, 0.3, 100, 3));
    expect(Math.abs(estimate.kEff! - 0.3)).toBeLessThan(4 * estimate.err!);
  });

  it('reads a sublattice-flipped sample (an antiferromagnet) as −K', () => {
    const estimate = estimateEffectiveCoupling(isingFrames(16, 0.35, 200, 8, true), 16);
    expect(Math.abs(estimate.kEff! + 0.35)).toBeLessThan(4 * estimate.err!);
  });
});

describe('the inversion', () => {
  it('inverts c(K) of the finite and the infinite lattice to 1e-9', () => {
    for (const K of [0.01, 0.2, 0.4406868, 0.7, 1.5]) {
      expect(couplingFromCorrelation(correlationAt(K, 6), 6)).toBeCloseTo(K, 9);
      expect(couplingFromCorrelation(correlationAt(K))).toBeCloseTo(K, 9);
    }
    expect(couplingFromCorrelation(0)).toBe(0);
    expect(couplingFromCorrelation(1)).toBe(4);
  });

  it('computes c by the definition: all up gives 1, a checkerboard −1, vertical stripes two columns wide ½', () => {
    expect(nearestNeighbourCorrelation(new Int8Array(16).fill(1), 4)).toBe(1);
    const checker = Int8Array.from({ length: 16 }, (_, i) => (((i % 4) + Math.floor(i / 4)) % 2 ? 1 : -1));
    expect(nearestNeighbourCorrelation(checker, 4)).toBe(-1);
    const stripes = Int8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 1 : -1)); // columns ++−−
    expect(nearestNeighbourCorrelation(stripes, 4)).toBe(0.5);
    expect(nearestNeighbourCorrelation(Float32Array.of(1, 1, 1, 1), 2, true)).toBe(1);
  });

  it('keeps one value per tick: repeated frames of a paused engine do not count', () => {
    const window = new CouplingWindow([4], 8);
    window.add(1, [0.5]);
    window.add(1, [0.5]);
    window.add(1, [0.5]);
    expect(window.estimates()[0].frames).toBe(1);
    window.add(2, [0.6]);
    expect(window.estimates()[0]).toMatchObject({ frames: 2 });
    for (let t = 3; t < 20; t++) window.add(t, [0.55]);
    expect(window.estimates()[0].frames).toBe(8);
  });
});
