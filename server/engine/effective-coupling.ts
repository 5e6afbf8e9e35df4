/**
 * A simple, documented estimator of the effective coupling of a layer's units, for the
 * coupling trajectories (how K flows up the stack, beside the exact 1D decimation flow).
 *
 * The n units of a layer are placed on a side × side periodic grid by index (unit j at row
 * ⌊j/side⌋, column j mod side) and read as spins s = 2h − 1. Per frame,
 *
 *   c = (1/2n) Σ_i s_i (s_right(i) + s_down(i))      (the mean nearest-neighbour correlation),
 *
 * and over recent frames c̄ ± δc (δc = standard deviation / √frames, frames treated as
 * independent). On the square lattice the energy per site is u = −2c, so K_eff solves
 * −u(K)/2 = |c̄| by bisection (c(K) rises monotonically from 0 at K = 0 towards 1, since the
 * specific heat is ≥ 0), with sign(c̄) for anticorrelated units (the antiferromagnet maps onto
 * the ferromagnet by flipping one sublattice, exact for even side). u(K) is the exact energy of
 * the very grid measured — Kaufman's periodic side × side lattice — by default, or Onsager's
 * infinite lattice (`side` omitted). The finite grid matters: at L = 8, K = 0.408 the lattice's
 * c is 0.62, which Onsager's relation reads as K = 0.421. The error is the half-width of
 * K(c̄ ± δc).
 *
 * Limits, to read the numbers honestly: an RBM's hidden units have no spatial order of their own
 * (any permutation is the same machine), so for hidden layers the grid by index is a convention
 * — K_eff then measures how correlated index-neighbours are, which is ≈ 0 unless the training
 * arranges fields by index. Onsager's relation is for the infinite lattice; on a small grid
 * (5 × 5) near K_c the finite-size correlation differs. For layer 0 (the lattice) K_eff ≈ K.
 */
import { kaufmanExact } from '../../shared/physics/exact/kaufman.js';
import { onsagerEnergyPerSite } from '../../shared/physics/exact/onsager.js';

/** Largest coupling reported; c(K_MAX) = 1 − 2·10⁻⁷, beyond which c no longer resolves K. */
export const K_MAX = 4;

/**
 * Mean nearest-neighbour correlation c of a side × side periodic grid of units.
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

export interface CouplingEstimate {
  /** K_eff, null with fewer than 2 frames. */
  kEff: number | null;
  err: number | null;
  correlation: number | null;
  frames: number;
}

/**
 * K_eff ± err from per-frame correlations (see the file header).
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
  const dc = Math.sqrt(variance / n);
  const clamp = (c: number): number => Math.max(-1, Math.min(1, c));
  const kEff = couplingFromCorrelation(mean, side);
  const err = 0.5 * Math.abs(couplingFromCorrelation(clamp(mean + dc), side) - couplingFromCorrelation(clamp(mean - dc), side));
  return { kEff, err, correlation: mean, frames: n };
}

/** Per-layer windows of the last `size` per-frame correlations. */
export class CouplingWindow {
  private readonly windows: number[][];
  private lastTick = -1;

  /**
   * @param sides each tracked layer's grid side, lattice first (the finite-lattice relation is used)
   * @param size  frames per window
   */
  constructor(
    private readonly sides: readonly number[],
    private readonly size = 32,
  ) {
    this.windows = sides.map(() => []);
  }

  /**
   * Adds one frame's correlations (one per layer). Ignored when `tick` equals the last frame's:
   * a paused engine repeats its state, which must not shrink the error bars.
   */
  add(tick: number, correlations: readonly number[]): void {
    if (tick === this.lastTick) return;
    this.lastTick = tick;
    correlations.forEach((c, l) => {
      const w = this.windows[l];
      w.push(c);
      if (w.length > this.size) w.shift();
    });
  }

  estimates(): CouplingEstimate[] {
    return this.windows.map((w, l) => estimateEffectiveCoupling(w, this.sides[l]));
  }
}
