/**
 * One factory for every 2D sampler, so the CLI, the engine and the tests pick an
 * algorithm by name.
 */
import { type Algorithm, type IsingSampler } from './ising.js';
import { ByteMetropolisSampler } from './metropolis-byte.js';

export interface SamplerOptions {
  algorithm: Algorithm;
  L: number;
  coupling: number;
  field?: number;
  seed: number;
}

export function createSampler(options: SamplerOptions): IsingSampler {
  const { algorithm, L, coupling, field = 0, seed } = options;
  switch (algorithm) {
    case 'metropolis-byte':
    case 'metropolis':
    case 'wolff':
      return new ByteMetropolisSampler(L, coupling, field, seed);
  }
}
