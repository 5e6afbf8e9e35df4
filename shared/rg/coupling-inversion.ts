/**
 * From a measured nearest-neighbour correlation (or energy per site) to a coupling K, through
 * the exact square-lattice Ising relation — the one inversion shared by the live engine's
 * coupling trajectories (server/engine/effective-coupling.ts), the RF-centre estimator
 * (effective-coupling-2d.ts) and the RBM flow's thermometer (rbm-flow.ts).
 *
 * On the periodic square lattice with 2N bonds the energy per site is u = −(1/N)Σ_<ij> s_i s_j
 * = −2c, c the mean nearest-neighbour correlation. c(K) = −u(K)/2 rises monotonically from 0
 * at K = 0 towards 1 (du/dK = −C/K² ≤ 0, the specific heat C ≥ 0), so K(c) is found by
 * bisection, with sign(c) for anticorrelated spins (the antiferromagnet maps onto the
 * ferromagnet by flipping one sublattice, exact for an even side). u(K) is Kaufman's exact
 * energy of the periodic side × side lattice, or Onsager's infinite-lattice energy when no side
 * is given. The finite lattice matters: at L = 8, K = 0.408 the lattice's c is 0.62, which
 * Onsager's relation reads as K = 0.421.
 *
 * Pure functions, no I/O.
 */
import { kaufmanExact } from '../physics/exact/kaufman.js';
import { onsagerEnergyPerSite } from '../physics/exact/onsager.js';
import { binningAnalysis } from '../physics/stats.js';

/** Largest coupling reported; c(K_MAX) = 1 − 2·10⁻⁷, beyond which c no longer resolves K. */
export const K_MAX = 4;

/**
 * Mean nearest-neighbour correlation c of a side × side periodic grid of units, by index
 * (unit y·side + x at row y, column x).
 * @param states one value per unit, row-major: ±1 spins, or 0/1 states when `binary`
 */
export function nearestNeighbourCorrelation(states: ArrayLike<number>, side: number, binary = false): number {
  const n = side * side;
  if (!Number.isInteger(side) || side < 2) throw new RangeError(`side must be an integer ≥ 2, got ${side}`);
  if (states.length < n) throw new RangeError(`a ${side}×${side} grid needs ${n} states, got ${states.length}`);
  const spin = (i: number): number => (binary ? 2 * states[i] - 1 : states[i]);
  let sum = 0;
  for (let y = 0; y < side; y++) {
    const row = y * side;
    const down = ((y + 1) % side) * side;
    for (let x = 0; x < side; x++) {
      const s = spin(row + x);
      sum += s * (spin(row + ((x + 1) % side)) + spin(down + x));
    }
  }
  return sum / (2 * n);
}

/** c(K) = −u(K)/2: on the periodic side × side lattice (Kaufman), or the infinite one (Onsager) without `side`. */
export function correlationAt(K: number, side?: number): number {
  return -(side === undefined ? onsagerEnergyPerSite(K) : kaufmanExact(side, side, K).energyPerSite) / 2;
}

/**
 * The coupling K whose exact nearest-neighbour correlation is c, sign(c)·K(|c|), on the periodic
 * side × side lattice (or the infinite one without `side`); |K| is clamped to K_MAX.
 */
export function couplingFromCorrelation(c: number, side?: number): number {
  if (!Number.isFinite(c)) throw new RangeError(`correlation must be finite, got ${c}`);
  const a = Math.min(Math.abs(c), 1);
  if (a === 0) return 0;
  if (a >= correlationAt(K_MAX, side)) return Math.sign(c) * K_MAX;
  let lo = 0;
  let hi = K_MAX;
  for (let i = 0; i < 64 && hi - lo > 1e-12; i++) {
    const mid = 0.5 * (lo + hi);
    if (correlationAt(mid, side) < a) lo = mid;
    else hi = mid;
  }
  return Math.sign(c) * 0.5 * (lo + hi);
}

/** The coupling whose exact energy per site is u (u = −2c); see couplingFromCorrelation. */
export function couplingFromEnergy(u: number, side?: number): number {
  return couplingFromCorrelation(-u / 2, side);
}

/** K ± err read from a mean correlation c̄ ± δc. */
export interface CouplingFromMean {
  kEff: number;
  /** Half-width of K(c̄ ± δc) (c clamped to [−1, 1]). */
  err: number;
}

/** K(c̄) and the half-width of K(c̄ ± δc): the error propagated through the (monotonic) inversion. */
export function couplingWithError(mean: number, dc: number, side?: number): CouplingFromMean {
  const clamp = (c: number): number => Math.max(-1, Math.min(1, c));
  const kEff = couplingFromCorrelation(mean, side);
  const err = 0.5 * Math.abs(couplingFromCorrelation(clamp(mean + dc), side) - couplingFromCorrelation(clamp(mean - dc), side));
  return { kEff, err };
}

export interface CouplingEstimate {
  /** K_eff, null with fewer than 2 frames. */
  kEff: number | null;
  err: number | null;
  correlation: number | null;
  frames: number;
}

/**
 * K_eff ± err from per-frame correlations, frames treated as independent: c̄ ± δc with
 * δc = standard deviation / √frames, err the half-width of K(c̄ ± δc).
 * @param side the grid's side for the finite-lattice relation; omit for Onsager's infinite lattice
 */
export function estimateEffectiveCoupling(correlations: ArrayLike<number>, side?: number): CouplingEstimate {
  const n = correlations.length;
  if (n < 2) return { kEff: null, err: null, correlation: null, frames: n };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += correlations[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (correlations[i] - mean) ** 2;
  variance /= n - 1;
  const { kEff, err } = couplingWithError(mean, Math.sqrt(variance / n), side);
  return { kEff, err, correlation: mean, frames: n };
}

/** K ± err from a series of per-sample correlations, with the series' own error analysis. */
export interface SeriesCoupling {
  kEff: number;
  err: number;
  /** c̄ and its error δc. */
  correlation: number;
  correlationErr: number;
  samples: number;
  /** τ_int of the series in samples from the binning analysis (½ for independent samples). */
  tauInt: number;
  /** Whether the binning analysis found a plateau (with < 64 samples: false, naive error used). */
  converged: boolean;
}

/**
 * K_eff ± err from per-sample correlations that may be correlated in sample order (consecutive
 * samples of one Markov chain): δc = max(naive error, binning-plateau error) — the binning
 * analysis of shared/physics/stats.ts (Flyvbjerg–Petersen, Lee et al.'s plateau rule), never
 * smaller than the independent-sample error. Needs ≥ 2 samples.
 */
export function couplingFromSeries(series: ArrayLike<number>, side?: number): SeriesCoupling {
  const n = series.length;
  if (n < 2) throw new RangeError(`an error needs ≥ 2 samples, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (series[i] - mean) ** 2;
  variance /= n - 1;
  const naive = Math.sqrt(variance / n);
  let dc = naive;
  let tauInt = 0.5;
  let converged = false;
  if (n >= 64) {
    const b = binningAnalysis(series);
    converged = b.converged;
    if (Number.isFinite(b.err) && b.err > dc) dc = b.err;
    if (Number.isFinite(b.tauInt)) tauInt = Math.max(0.5, b.tauInt);
  }
  const { kEff, err } = couplingWithError(mean, dc, side);
  return { kEff, err, correlation: mean, correlationErr: dc, samples: n, tauInt, converged };
}
