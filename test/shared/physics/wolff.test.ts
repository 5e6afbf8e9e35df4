/**
 * Wolff cluster sampler: cluster geometry in the limits where it is known exactly
 * (K = 0: single sites; p = 1: the connected like-spin domain), and a quick statistical
 * check against exact enumeration (shared/physics/exact/enumerate.ts) with and without field.
 */
import { describe, expect, it } from 'vitest';
import { WolffSampler, clustersPerSweepFor } from '../../../shared/physics/wolff.js';
import { enumerateIsing } from '../../../shared/physics/exact/enumerate.js';
import { binningAnalysis } from '../../../shared/physics/stats.js';
import { Rng } from '../../../shared/physics/rng.js';

/** Sites of the like-spin domain containing `seed` (4-neighbour connectivity, periodic). */
function domainOf(spins: Int8Array, L: number, seed: number): Set<number> {
  const seen = new Set([seed]);
  const todo = [seed];
  while (todo.length > 0) {
    const i = todo.pop()!;
    const x = i % L;
    const y = (i - x) / L;
    for (const [nx, ny] of [[x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]]) {
      const j = ((ny + L) % L) * L + ((nx + L) % L);
      if (!seen.has(j) && spins[j] === spins[seed]) {
        seen.add(j);
        todo.push(j);
      }
    }
  }
  return seen;
}

function randomSpins(L: number, rng: Rng): Int8Array {
  return Int8Array.from({ length: L * L }, () => (rng.nextInt32() < 0 ? -1 : 1));
}

describe('WolffSampler clusters', () => {
  it('at K = 0 every cluster is one site, so a sweep flips exactly N spins', () => {
    const sampler = new WolffSampler(5, 0, 0, 3);
    for (let t = 0; t < 20; t++) {
      expect(sampler.clusterUpdate()).toBe(1);
    }
    sampler.sweep(4);
    expect(sampler.spinUpdates).toBe(20 + 4 * 25);
    expect(sampler.sweeps).toBe(4);
  });

  it('with p = 1 − e^{−2K} = 1 the cluster is exactly the like-spin domain of the seed', () => {
    const rng = new Rng(8);
    for (const L of [2, 3, 7, 10]) {
      const sampler = new WolffSampler(L, 40, 0, L);
      for (let t = 0; t < 10; t++) {
        const before = randomSpins(L, rng);
        sampler.writeSpins(before);
        const size = sampler.clusterUpdate();
        const after = new Int8Array(L * L);
        sampler.readSpins(after);
        const flipped = [...after.keys()].filter((i) => after[i] !== before[i]);
        expect(flipped.length).toBe(size);
        expect(new Set(flipped)).toEqual(domainOf(before, L, flipped[0]));
      }
    }
  });

  it('flips the whole ordered lattice in one cluster when p = 1', () => {
    const sampler = new WolffSampler(6, 40);
    expect(sampler.clusterUpdate()).toBe(36);
    expect(sampler.magnetizationSum()).toBe(-36);
    expect(sampler.bondSum()).toBe(72);
  });

  it('uses a fixed number of clusters per sweep that depends only on (L, K, H), about N spins per sweep', () => {
    for (const [L, K] of [[16, 0.3], [16, 0.408], [24, 0.6]]) {
      const a = new WolffSampler(L, K, 0, 1);
      const b = new WolffSampler(L, K, 0, 2);
      b.writeSpins(randomSpins(L, new Rng(3)));
      expect(a.clustersPerSweep).toBe(b.clustersPerSweep);
      expect(a.clustersPerSweep).toBe(clustersPerSweepFor(L, K));
      a.sweep(50);
      a.spinUpdates = 0;
      a.sweep(400);
      const perSweep = a.spinUpdates / 400 / (L * L);
      expect(perSweep).toBeGreaterThan(0.5);
      expect(perSweep).toBeLessThan(2);
    }
    const c = new WolffSampler(16, 0.3);
    c.setParameters(0.5);
    expect(c.clustersPerSweep).toBe(clustersPerSweepFor(16, 0.5));
  });

  it('rejects antiferromagnetic couplings and non-finite parameters', () => {
    expect(() => new WolffSampler(4, -0.1)).toThrow(RangeError);
    expect(() => new WolffSampler(4, 0.3).setParameters(-1)).toThrow(RangeError);
    expect(() => new WolffSampler(4, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new WolffSampler(1, 0.3)).toThrow(RangeError);
  });
});

describe('WolffSampler vs exact enumeration (quick statistical check, 5σ)', () => {
  const cases: [number, number, number][] = [
    [4, 0.408, 0],
    [3, 0.3, 0],
    [4, 0.3, 0.1],
    [3, 0.5, -0.2],
  ];
  it.each(cases)('L = %i, K = %f, H = %f: ⟨e⟩ and ⟨m⟩', (L, K, H) => {
    const exact = enumerateIsing(L, L, K, H);
    const sampler = new WolffSampler(L, K, H, 12345);
    sampler.sweep(200);
    const n = 40000;
    const e = new Float64Array(n);
    const m = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      sampler.sweep(1);
      e[t] = -sampler.bondSum() / (L * L);
      m[t] = sampler.magnetizationSum() / (L * L);
    }
    const eStats = binningAnalysis(e);
    expect(Math.abs(eStats.mean - exact.energyPerSite)).toBeLessThan(5 * eStats.err);
    const mStats = binningAnalysis(m);
    const absStats = binningAnalysis(m.map(Math.abs));
    expect(Math.abs(absStats.mean - exact.absMagnetization)).toBeLessThan(5 * absStats.err);
    if (H === 0) expect(Math.abs(mStats.mean)).toBeLessThan(5 * mStats.err);
    else expect(Math.sign(mStats.mean)).toBe(Math.sign(H));
  });
});
