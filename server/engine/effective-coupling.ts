/**
 * The coupling trajectories of the live page: K_eff of every layer (lattice first), how K flows
 * up the stack beside the exact 1D decimation flow.
 *
 * Per frame, one nearest-neighbour correlation per layer. Layer 0 is the lattice itself
 * (spin y·L + x at (x, y)). A hidden layer's n = side² units are placed on the coarse side × side
 * periodic lattice by their receptive-field centres (shared/rg/effective-coupling-2d.ts): the
 * centre of each unit's strong part |r| > max|r|/2 of r(l) = W(1)⋯W(l) (the rule the page's 3D
 * view draws units by), the optimal (Hungarian) one-to-one assignment of units to coarse sites,
 * and each unit's ±1 state 2h − 1 oriented by the sign of its field (so a unit that fires for
 * down-spins reads as a block "up" spin pointing down). Read as spins s,
 *
 *   c = (1/2n) Σ_sites σ_u s_u (σ_right s_right + σ_down s_down)
 *
 * — an O(n) gather through a precomputed list of the 2n bonds. The placement is a function of
 * the weights, not of the frame: hiddenLayerPlacements computes it (≈ 0.15 s for the
 * 1600-400-100-25 stack on the native backend, 0.2–0.3 s on js: the field products, the centres
 * and the 400-unit assignment), and the engine refreshes it every PLACEMENT_REFRESH_MINIBATCHES
 * minibatches, after a reset and after a divergence (LiveEngine.layerPlacements).
 *
 * Over recent frames c̄ ± δc (δc = standard deviation / √frames, frames treated as
 * independent), and K_eff solves c(K) = |c̄| for the exact energy u = −2c of the periodic
 * side × side lattice (Kaufman) by bisection, sign(c̄) for anticorrelated units; the error is the
 * half-width of K(c̄ ± δc) (shared/rg/coupling-inversion.ts, which this module re-exports).
 *
 * Limits, to read the numbers honestly: K_eff is the nearest-neighbour coupling that reproduces
 * the measured c on the coarse lattice — a one-number summary of the layer's effective
 * Hamiltonian, not an exact renormalized coupling. The placement is only as good as the fields
 * are local and tile the lattice: early in training (random fields) or for fields that are not
 * compact the assignment is arbitrary and K_eff ≈ 0 says so, not that the layer is
 * uncorrelated. Trained hidden units are sparse (p(h = 1) ≪ ½, some never fire), so 2h − 1 has
 * a mean and c includes the product of two units' means: a field (or a dead unit) reads as
 * coupling. The window spans placements that may differ by a refresh; frames close in time are
 * not independent, so δc is somewhat optimistic. For layer 0 K_eff ≈ K. Measured figures:
 * docs/model.md, "2D: coupling trajectories and the RBM flow".
 */
import type { ComputeBackend } from '../../shared/learn/backend.js';
import type { RbmStack } from '../../shared/learn/stack.js';
import { estimateEffectiveCoupling, type CouplingEstimate } from '../../shared/rg/coupling-inversion.js';
import { placementFromFields, type CoarsePlacement } from '../../shared/rg/effective-coupling-2d.js';

export {
  K_MAX,
  correlationAt,
  couplingFromCorrelation,
  estimateEffectiveCoupling,
  nearestNeighbourCorrelation,
  type CouplingEstimate,
} from '../../shared/rg/coupling-inversion.js';
export { placedCorrelation, type CoarsePlacement } from '../../shared/rg/effective-coupling-2d.js';

/** Minibatches between two refreshes of the live placements (≈ 5 s at the default ≈ 39 minibatches/s). */
export const PLACEMENT_REFRESH_MINIBATCHES = 200;

/**
 * The RF-centre placement of every hidden layer of `stack` over an L × L lattice (index l − 1
 * for layer l; null for a layer whose unit count is not a square ≥ 4). Receptive fields are
 * built cumulatively, r(l) = r(l−1)·W(l), on `backend`.
 */
export function hiddenLayerPlacements(stack: RbmStack, L: number, backend: ComputeBackend): (CoarsePlacement | null)[] {
  const N = L * L;
  let r: Float32Array | null = null;
  let below = N;
  return stack.layers.map((rbm) => {
    const n = rbm.hidden;
    if (r === null) r = rbm.weights;
    else {
      const next = new Float32Array(N * n);
      backend.gemm(false, false, N, n, below, 1, r, rbm.weights, 0, next);
      r = next;
    }
    below = n;
    const side = Math.round(Math.sqrt(n));
    return side * side === n && side >= 2 ? placementFromFields(r, n, L) : null;
  });
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
