/**
 * One factory for every 2D sampler, so the CLI, the engine and the tests pick an
 * algorithm by name, and one way back from a checkpoint.
 */
import { type Algorithm, type IsingSampler, type SamplerSnapshot } from './ising.js';
import { MultiSpinMetropolisSampler } from './metropolis.js';
import { ByteMetropolisSampler } from './metropolis-byte.js';
import { Rng } from './rng.js';
import { WolffSampler } from './wolff.js';

export interface SamplerOptions {
  algorithm: Algorithm;
  L: number;
  coupling: number;
  field?: number;
  seed: number;
}

/**
 * A sampler started from the all-up configuration. `metropolis`: multi-spin coded
 * checkerboard (L even); `wolff`: single-cluster (K ≥ 0, any L ≥ 2); `metropolis-byte`:
 * the one-byte-per-spin baseline (L even).
 */
export function createSampler(options: SamplerOptions): IsingSampler {
  const { algorithm, L, coupling, field = 0, seed } = options;
  switch (algorithm) {
    case 'metropolis':
      return new MultiSpinMetropolisSampler(L, coupling, field, seed);
    case 'wolff':
      return new WolffSampler(L, coupling, field, seed);
    case 'metropolis-byte':
      return new ByteMetropolisSampler(L, coupling, field, seed);
  }
}

/**
 * Rebuild a sampler from `snapshot()`: same algorithm, parameters, configuration, sweep
 * count and generator state, so it continues the exact same Markov chain.
 */
export function restoreSampler(snapshot: SamplerSnapshot): IsingSampler {
  switch (snapshot.algorithm) {
    case 'metropolis':
      return MultiSpinMetropolisSampler.fromSnapshot(snapshot);
    case 'wolff':
      return WolffSampler.fromSnapshot(snapshot);
    case 'metropolis-byte': {
      const { L, coupling, field, spins, rngState, sweeps } = snapshot;
      const s = new ByteMetropolisSampler(L, coupling, field, 0, Rng.fromState(rngState));
      s.writeSpins(spins);
      s.sweeps = sweeps;
      s.spinUpdates = sweeps * L * L;
      return s;
    }
    default:
      throw new RangeError(`unknown algorithm in snapshot: ${String((snapshot as { algorithm: unknown }).algorithm)}`);
  }
}
