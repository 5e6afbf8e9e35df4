/**
 * Conventions and the common interface of every 2D Ising sampler.
 *
 * Model: P(s) ∝ exp(K Σ_<ij> s_i s_j + H Σ_i s_i) on a periodic L×L square lattice,
 * s_i = ±1, K = βJ (dimensionless coupling), H = βh (dimensionless field).
 * Energy per site in units of J (h = 0): e = −(1/N) Σ_<ij> s_i s_j, N = L², 2N bonds.
 * Spins are exchanged as Int8Array of ±1, row-major: index = y·L + x.
 * Critical coupling K_c = ln(1+√2)/2 (Onsager); the paper's text misprints it as 0.4352.
 */

/** Exact critical coupling of the square-lattice Ising model, ln(1+√2)/2 ≈ 0.4406868. */
export const CRITICAL_COUPLING = 0.5 * Math.log(1 + Math.SQRT2);

/** Critical temperature in units of J/k_B: T_c = 1/K_c = 2/ln(1+√2) ≈ 2.269185. */
export const CRITICAL_TEMPERATURE = 1 / CRITICAL_COUPLING;

export const ALGORITHMS = ['metropolis', 'wolff', 'metropolis-byte'] as const;
/** `metropolis` is the multi-spin (bit-packed) sampler; `metropolis-byte` the plain one-byte-per-spin baseline. */
export type Algorithm = (typeof ALGORITHMS)[number];

/** Serializable sampler state for checkpoints: enough to continue the exact same stream. */
export interface SamplerSnapshot {
  algorithm: Algorithm;
  L: number;
  coupling: number;
  field: number;
  /** ±1 spins, row-major, length L·L. */
  spins: Int8Array;
  /** Rng.state() words. */
  rngState: Uint32Array;
  sweeps: number;
}

export interface IsingSampler {
  readonly algorithm: Algorithm;
  /** Linear size; N = L·L sites. */
  readonly L: number;
  /** Dimensionless coupling K = βJ currently in force. */
  readonly coupling: number;
  /** Dimensionless field H = βh currently in force. */
  readonly field: number;
  /** Sweeps performed since construction (or restored from a snapshot). */
  readonly sweeps: number;
  /** Elementary spin updates attempted (Metropolis) or spins flipped (Wolff) since construction. */
  readonly spinUpdates: number;
  /** Change K and H; the configuration is kept (the chain re-equilibrates from it). */
  setParameters(coupling: number, field?: number): void;
  /**
   * Advance the chain by `count` sweeps. Metropolis: one sweep = one update attempt per site
   * (both checkerboard colours). Wolff: one sweep = a FIXED number of single-cluster flips,
   * k ≈ N/⟨|C|⟩, chosen from a trial run that depends only on (L, K, H), so a sweep moves
   * about N spins and sweep counts of the two algorithms cost about the same. (Stopping a
   * sweep once N spins have flipped would be biased: the cluster that crosses the threshold
   * tends to be large, i.e. from an ordered state, so end-of-sweep states lean ordered.)
   */
  sweep(count: number): void;
  /** Copy the configuration into `out` (length L·L, ±1, row-major). */
  readSpins(out: Int8Array): void;
  /** Replace the configuration (length L·L, ±1, row-major). */
  writeSpins(spins: Int8Array): void;
  /** Σ_<ij> s_i s_j over the 2N nearest-neighbour bonds of the periodic lattice. */
  bondSum(): number;
  /** Σ_i s_i. */
  magnetizationSum(): number;
  snapshot(): SamplerSnapshot;
}
