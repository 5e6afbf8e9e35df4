/**
 * The cobweb diagram of the 1D Ising chain's decimation RG (Eq. 24 of Mehta & Schwab):
 * summing out every other spin maps K to K' with tanh K' = tanh² K, i.e. K' = atanh(tanh² K)
 * = ½ ln cosh 2K. Iterating is read off graphically: from (K⁽ⁿ⁾, K⁽ⁿ⁾) on the diagonal go
 * vertically to the curve, (K⁽ⁿ⁾, K⁽ⁿ⁺¹⁾), then horizontally back to the diagonal,
 * (K⁽ⁿ⁺¹⁾, K⁽ⁿ⁺¹⁾). Since tanh² K < tanh K for every finite K > 0 the curve lies below the
 * diagonal, and the path flows to the stable fixed point K = 0 (infinite temperature);
 * K = ∞ is the unstable one. Pure functions over typed arrays; no DOM.
 */
import { decimateCoupling } from '../../shared/physics/exact/chain1d.js';

/** One decimation step K → K' = atanh(tanh² K) (≥ 0 for either sign of K), accurate near K = 0 and for large K. */
export function decimate(K: number): number {
  return decimateCoupling(K);
}

export interface Polyline {
  x: Float64Array;
  y: Float64Array;
}

/**
 * The cobweb through a given flow K⁽⁰⁾, K⁽¹⁾, …, K⁽ⁿ⁾ (e.g. a metrics payload's exactFlow1d):
 * 2n + 1 corners (K⁽⁰⁾, K⁽⁰⁾), (K⁽⁰⁾, K⁽¹⁾), (K⁽¹⁾, K⁽¹⁾), …, (K⁽ⁿ⁾, K⁽ⁿ⁾); even corners lie on
 * the diagonal K' = K, odd ones on the curve K' = decimate(K) when the flow obeys Eq. 24.
 * An empty flow gives an empty path.
 */
export function cobwebThrough(flow: ArrayLike<number>): Polyline {
  const n = flow.length;
  const size = n === 0 ? 0 : 2 * n - 1;
  const x = new Float64Array(size);
  const y = new Float64Array(size);
  for (let l = 0; l < n; l++) {
    const K = flow[l]!;
    x[2 * l] = K;
    y[2 * l] = K;
    if (l + 1 < n) {
      x[2 * l + 1] = K;
      y[2 * l + 1] = flow[l + 1]!;
    }
  }
  return { x, y };
}

/** The exact flow K⁽⁰⁾ = K0, K⁽ˡ⁺¹⁾ = decimate(K⁽ˡ⁾), l < steps: steps + 1 couplings. */
export function flow1d(K0: number, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
  const flow = new Float64Array(steps + 1);
  flow[0] = K0;
  for (let l = 1; l <= steps; l++) flow[l] = decimate(flow[l - 1]!);
  return flow;
}

/** The cobweb of `steps` decimations from K0: 2·steps + 1 corners (see cobwebThrough). */
export function cobwebPath(K0: number, steps: number): Polyline {
  return cobwebThrough(flow1d(K0, steps));
}

/** The curve K' = decimate(K) sampled at `samples` equally spaced K in [0, kMax] (x ascending, for a plot). */
export function decimationCurve(kMax: number, samples: number): Polyline {
  if (!(kMax > 0) || !Number.isFinite(kMax)) throw new RangeError(`kMax must be finite and > 0, got ${kMax}`);
  if (!Number.isInteger(samples) || samples < 2) throw new RangeError(`samples must be an integer ≥ 2, got ${samples}`);
  const x = new Float64Array(samples);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    x[i] = (kMax * i) / (samples - 1);
    y[i] = decimate(x[i]!);
  }
  return { x, y };
}
