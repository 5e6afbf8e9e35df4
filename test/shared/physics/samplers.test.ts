/**
 * The sampler factory and checkpoints: every algorithm is reproducible from its seed, and
 * snapshot → restoreSampler → continue gives exactly the uninterrupted chain. Plus a quick
 * statistical sanity check of all three against exact enumeration at L = 4 (the thorough
 * comparison with enumeration and Kaufman lives in samplers-vs-exact.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, type Algorithm, type IsingSampler } from '../../../shared/physics/ising.js';
import { createSampler, restoreSampler } from '../../../shared/physics/samplers.js';
import { MultiSpinMetropolisSampler } from '../../../shared/physics/metropolis.js';
import { ByteMetropolisSampler } from '../../../shared/physics/metropolis-byte.js';
import { WolffSampler } from '../../../shared/physics/wolff.js';
import { enumerateIsing } from '../../../shared/physics/exact/enumerate.js';
import { binningAnalysis } from '../../../shared/physics/stats.js';

function spinsOf(sampler: IsingSampler): Int8Array {
  const out = new Int8Array(sampler.L * sampler.L);
  sampler.readSpins(out);
  return out;
}

describe('createSampler', () => {
  it('maps each algorithm name to its implementation', () => {
    const made = (algorithm: Algorithm) => createSampler({ algorithm, L: 8, coupling: 0.4, seed: 1 });
    expect(made('metropolis')).toBeInstanceOf(MultiSpinMetropolisSampler);
    expect(made('wolff')).toBeInstanceOf(WolffSampler);
    expect(made('metropolis-byte')).toBeInstanceOf(ByteMetropolisSampler);
    for (const algorithm of ALGORITHMS) {
      const s = made(algorithm);
      expect(s.algorithm).toBe(algorithm);
      expect([s.L, s.coupling, s.field, s.sweeps]).toEqual([8, 0.4, 0, 0]);
      expect(s.magnetizationSum()).toBe(64);
    }
  });
});

describe.each(ALGORITHMS)('%s: reproducibility and checkpoints', (algorithm) => {
  const L = 12;
  const settings: [number, number][] = [
    [0.42, 0],
    [0.35, 0.08],
  ];

  it.each(settings)('the same seed gives the same configurations (K = %f, H = %f); another seed does not', (K, H) => {
    const a = createSampler({ algorithm, L, coupling: K, field: H, seed: 42 });
    const b = createSampler({ algorithm, L, coupling: K, field: H, seed: 42 });
    const c = createSampler({ algorithm, L, coupling: K, field: H, seed: 43 });
    for (let t = 0; t < 5; t++) {
      a.sweep(7);
      b.sweep(7);
      c.sweep(7);
      expect(spinsOf(a)).toEqual(spinsOf(b));
    }
    expect(spinsOf(a)).not.toEqual(spinsOf(c));
    expect(a.sweeps).toBe(35);
  });

  it.each(settings)('snapshot → restore → continue equals the uninterrupted run (K = %f, H = %f)', (K, H) => {
    const straight = createSampler({ algorithm, L, coupling: K, field: H, seed: 7 });
    const interrupted = createSampler({ algorithm, L, coupling: K, field: H, seed: 7 });
    straight.sweep(30);
    interrupted.sweep(13);
    const snap = interrupted.snapshot();
    interrupted.sweep(5); // the snapshot must be a copy, unaffected by later sweeps
    const restored = restoreSampler(snap);
    expect(restored.algorithm).toBe(algorithm);
    expect([restored.L, restored.coupling, restored.field, restored.sweeps]).toEqual([L, K, H, 13]);
    restored.sweep(17);
    expect(restored.sweeps).toBe(30);
    expect(spinsOf(restored)).toEqual(spinsOf(straight));
    expect(restored.snapshot().rngState).toEqual(straight.snapshot().rngState);
    expect(restored.bondSum()).toBe(straight.bondSum());
  });

  it('a snapshot survives a parameter change and restores the new parameters', () => {
    const s = createSampler({ algorithm, L, coupling: 0.3, seed: 3 });
    s.sweep(4);
    s.setParameters(0.45, 0.02);
    const snap = s.snapshot();
    expect([snap.coupling, snap.field, snap.sweeps]).toEqual([0.45, 0.02, 4]);
    const r = restoreSampler(snap);
    s.sweep(6);
    r.sweep(6);
    expect(spinsOf(r)).toEqual(spinsOf(s));
  });
});

describe('all samplers vs exact enumeration at L = 4 (quick check, 5σ)', () => {
  const cases: [Algorithm, number, number][] = [];
  for (const algorithm of ALGORITHMS) cases.push([algorithm, 0.408, 0], [algorithm, 0.3, 0.1]);
  cases.push(['metropolis', -0.35, 0], ['metropolis-byte', -0.35, 0]);

  it.each(cases)('%s, K = %f, H = %f: ⟨e⟩ and ⟨|m|⟩', (algorithm, K, H) => {
    const L = 4;
    const exact = enumerateIsing(L, L, K, H);
    const sampler = createSampler({ algorithm, L, coupling: K, field: H, seed: 2024 });
    sampler.sweep(500);
    const n = 40000;
    const e = new Float64Array(n);
    const m = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      sampler.sweep(1);
      e[t] = -sampler.bondSum() / (L * L);
      m[t] = Math.abs(sampler.magnetizationSum()) / (L * L);
    }
    const eStats = binningAnalysis(e);
    const mStats = binningAnalysis(m);
    expect(Math.abs(eStats.mean - exact.energyPerSite)).toBeLessThan(5 * eStats.err);
    expect(Math.abs(mStats.mean - exact.absMagnetization)).toBeLessThan(5 * mStats.err);
  });
});
