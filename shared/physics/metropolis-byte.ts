/**
 * Plain checkerboard Metropolis on a one-byte-per-spin lattice (Int8Array of ±1).
 *
 * The baseline the multi-spin sampler is benchmarked against, and an independent
 * implementation to cross-check it. Acceptance: flip s_i with probability
 * min(1, exp(−ΔS)), ΔS = 2 s_i (K Σ_j s_j + H) (Metropolis et al. 1953).
 */
import type { IsingSampler, SamplerSnapshot } from './ising.js';
import { Rng } from './rng.js';
import { bondSumOf, magnetizationOf, validateLatticeSize, validateSpins } from './lattice.js';

export class ByteMetropolisSampler implements IsingSampler {
  readonly algorithm = 'metropolis-byte' as const;
  readonly L: number;
  coupling = 0;
  field = 0;
  sweeps = 0;
  spinUpdates = 0;
  private readonly spins: Int8Array;
  private readonly rng: Rng;
  /** Acceptance probability indexed by (s_i + 1)/2 · 5 + (Σ_j s_j + 4)/2. */
  private readonly acceptance = new Float64Array(10);

  constructor(L: number, coupling: number, field = 0, seed = 1, rng?: Rng) {
    validateLatticeSize(L, true);
    this.L = L;
    this.spins = new Int8Array(L * L).fill(1);
    this.rng = rng ?? new Rng(seed);
    this.setParameters(coupling, field);
  }

  setParameters(coupling: number, field = 0): void {
    if (!Number.isFinite(coupling) || !Number.isFinite(field)) throw new RangeError('coupling and field must be finite');
    this.coupling = coupling;
    this.field = field;
    for (let s = 0; s < 2; s++) {
      const spin = 2 * s - 1;
      for (let n = 0; n < 5; n++) {
        const neighbourSum = 2 * n - 4;
        const dS = 2 * spin * (coupling * neighbourSum + field);
        this.acceptance[s * 5 + n] = dS <= 0 ? 1 : Math.exp(-dS);
      }
    }
  }

  sweep(count: number): void {
    const { L, spins, rng, acceptance } = this;
    for (let t = 0; t < count; t++) {
      for (let colour = 0; colour < 2; colour++) {
        for (let y = 0; y < L; y++) {
          const row = y * L;
          const up = ((y + L - 1) % L) * L;
          const down = ((y + 1) % L) * L;
          for (let x = (y + colour) & 1; x < L; x += 2) {
            const left = x === 0 ? L - 1 : x - 1;
            const right = x === L - 1 ? 0 : x + 1;
            const s = spins[row + x];
            const sum = spins[row + left] + spins[row + right] + spins[up + x] + spins[down + x];
            const p = acceptance[((s + 1) >> 1) * 5 + ((sum + 4) >> 1)];
            if (p >= 1 || rng.nextFloat() < p) spins[row + x] = -s as -1 | 1;
          }
        }
      }
      this.sweeps++;
      this.spinUpdates += L * L;
    }
  }

  readSpins(out: Int8Array): void {
    out.set(this.spins);
  }

  writeSpins(spins: Int8Array): void {
    validateSpins(spins, this.L);
    this.spins.set(spins);
  }

  bondSum(): number {
    return bondSumOf(this.spins, this.L);
  }

  magnetizationSum(): number {
    return magnetizationOf(this.spins);
  }

  snapshot(): SamplerSnapshot {
    return {
      algorithm: this.algorithm,
      L: this.L,
      coupling: this.coupling,
      field: this.field,
      spins: this.spins.slice(),
      rngState: this.rng.state(),
      sweeps: this.sweeps,
    };
  }
}
