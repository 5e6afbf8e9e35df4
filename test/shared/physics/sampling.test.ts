import { describe, expect, it } from 'vitest';
import { createSampler } from '../../../shared/physics/samplers.js';
import { bondSumOf, magnetizationOf } from '../../../shared/physics/lattice.js';
import { sampleIsing, type SampleProgress } from '../../../shared/physics/sampling.js';

const make = (seed = 1, L = 8, coupling = 0.35) => createSampler({ algorithm: 'metropolis-byte', L, coupling, seed });

describe('sampleIsing', () => {
  it('chooses spacing = max(1, ceil(2 τ_int)) from the pilot and burns in ≥ max(1000, 20 τ_int) sweeps', () => {
    const run = sampleIsing({ sampler: make(), samples: 50 });
    expect(run.pilotSweeps).toBeGreaterThanOrEqual(2000);
    expect(run.tauIntPilot).toBeGreaterThan(0.5);
    expect(run.spacing).toBe(Math.max(1, Math.ceil(2 * run.tauIntPilot)));
    expect(run.spacing).toBeGreaterThanOrEqual(1);
    expect(run.burnInSweeps + run.pilotSweeps).toBeGreaterThanOrEqual(Math.max(1000, 20 * run.tauIntPilot));
    // The pilot's τ agrees with the one measured over the sampling phase.
    const t = run.measurement.tauIntEnergy;
    expect(Math.abs(run.tauIntPilot - t.tau)).toBeLessThan(0.5 * t.tau);
  });

  it('returns [samples × N] 0/1 spins and one measurement per sweep; each stored sample is the chain state at that sweep', () => {
    const sampler = make(2);
    const run = sampleIsing({ sampler, samples: 40, spacing: 3, burnInSweeps: 100 });
    const { L, N, samples, spacing } = run;
    expect([L, N, samples, spacing, run.sweeps]).toEqual([8, 64, 40, 3, 120]);
    expect(run.spins).toBeInstanceOf(Uint8Array);
    expect(run.spins.length).toBe(samples * N);
    expect(run.spins.every((v) => v === 0 || v === 1)).toBe(true);
    expect(run.bondSum.length).toBe(run.sweeps);
    expect(run.magnetization.length).toBe(run.sweeps);
    expect(run.pilotSweeps).toBe(0);
    expect(Number.isNaN(run.tauIntPilot)).toBe(true);
    expect(sampler.sweeps).toBe(100 + 120);
    for (let k = 0; k < samples; k++) {
      const s = Int8Array.from(run.spins.subarray(k * N, (k + 1) * N), (v) => 2 * v - 1);
      expect(bondSumOf(s, L)).toBe(run.bondSum[(k + 1) * spacing - 1]);
      expect(magnetizationOf(s)).toBe(run.magnetization[(k + 1) * spacing - 1]);
    }
    const now = new Int8Array(N);
    sampler.readSpins(now);
    expect(Array.from(run.spins.subarray((samples - 1) * N), (v) => 2 * v - 1)).toEqual(Array.from(now));
  });

  it('reports progress per phase, monotone, at most ~every 1%, ending at done = total', () => {
    const calls: SampleProgress[] = [];
    sampleIsing({ sampler: make(3), samples: 300, onProgress: (p) => calls.push({ ...p }) });
    for (const phase of ['burn-in', 'pilot', 'sampling'] as const) {
      const mine = calls.filter((c) => c.phase === phase);
      expect(mine.length).toBeGreaterThan(2);
      expect(mine.length).toBeLessThanOrEqual(2 * 102);
      for (let i = 1; i < mine.length; i++) expect(mine[i].done).toBeGreaterThanOrEqual(mine[i - 1].done);
      expect(mine.every((c) => c.done <= c.total)).toBe(true);
      const last = mine[mine.length - 1];
      expect(last.done).toBe(last.total);
    }
    expect(calls[calls.length - 1].phase).toBe('sampling');
  });

  it('is reproducible for a seed and differs between seeds', () => {
    const a = sampleIsing({ sampler: make(4), samples: 20 });
    const b = sampleIsing({ sampler: make(4), samples: 20 });
    const c = sampleIsing({ sampler: make(5), samples: 20 });
    expect(b.spins).toEqual(a.spins);
    expect(b.bondSum).toEqual(a.bondSum);
    expect(b.spacing).toBe(a.spacing);
    expect(c.spins).not.toEqual(a.spins);
  });

  it('rejects non-integer or non-positive counts', () => {
    expect(() => sampleIsing({ sampler: make(), samples: 0 })).toThrow(RangeError);
    expect(() => sampleIsing({ sampler: make(), samples: 1.5 })).toThrow(RangeError);
    expect(() => sampleIsing({ sampler: make(), samples: 1, spacing: 0 })).toThrow(RangeError);
    expect(() => sampleIsing({ sampler: make(), samples: 1, burnInSweeps: -1 })).toThrow(RangeError);
  });
});
