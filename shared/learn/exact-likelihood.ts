/**
 * Exact quantities of small RBMs by enumeration — the oracle that proves training works.
 * Z = Σ_{v,h} e^{−E(v,h)} is summed over the 2^n states of the smaller layer (n ≤ 20) with the
 * other layer summed analytically:
 *
 *   over v:  Z = Σ_v e^{−F(v)},  −F(v) = c·v + Σ_j softplus(b_j + (vW)_j)
 *   over h:  Z = Σ_h e^{b·h + Σ_i softplus(c_i + (Wh)_i)}
 *
 * States are visited in Gray-code order, so each step adds or removes one row or column of
 * W (O(2^n·m) work for m units on the other side). Everything is float64 with log-sum-exp.
 * Configuration index convention: bit i of the index ⇔ unit i is on.
 */
import { softplus, type Rbm } from './rbm.js';

/** The largest layer that is enumerated (2^20 ≈ 10⁶ states). */
export const MAX_EXACT_UNITS = 20;

/** ∂/∂θ of the mean log-likelihood, float64, shaped like the RBM's parameters. */
export interface LikelihoodGradient {
  /** visible × hidden, row-major: ⟨v_i h_j⟩_data − ⟨v_i h_j⟩_model. */
  weights: Float64Array;
  /** ⟨v_i⟩_data − ⟨v_i⟩_model. */
  visibleBias: Float64Array;
  /** ⟨h_j⟩_data − ⟨h_j⟩_model, with h_j at p(h_j = 1 | v) for the data. */
  hiddenBias: Float64Array;
}

/** One side to enumerate: its size n, the other side's size m, and how W is laid out for it. */
interface Side {
  visible: boolean;
  n: number;
  m: number;
  /** W index of (enumerated unit k, other unit t) = k·strideK + t·strideT. */
  strideK: number;
  strideT: number;
  biasS: Float32Array;
  biasT: Float32Array;
}

function smallerSide(rbm: Rbm, need?: 'visible'): Side {
  const { visible: nv, hidden: nh } = rbm;
  const useVisible = need === 'visible' || nv <= nh;
  const n = useVisible ? nv : nh;
  if (n > MAX_EXACT_UNITS) {
    const what = need === 'visible' ? `${nv} visible units` : `${nv} visible and ${nh} hidden units`;
    throw new RangeError(`exact enumeration needs at most ${MAX_EXACT_UNITS} units on one side, got ${what}`);
  }
  return useVisible
    ? { visible: true, n: nv, m: nh, strideK: nh, strideT: 1, biasS: rbm.visibleBias, biasT: rbm.hiddenBias }
    : { visible: false, n: nh, m: nv, strideK: 1, strideT: nh, biasS: rbm.hiddenBias, biasT: rbm.visibleBias };
}

/**
 * Calls visit(state, logWeight, a) for all 2^n states of the side, where a_t = biasT_t +
 * Σ_k W_kt s_k is the other side's input and logWeight = biasS·s + Σ_t softplus(a_t).
 */
function enumerate(rbm: Rbm, side: Side, visit: (state: number, logWeight: number, a: Float64Array) => void): void {
  const { n, m, strideK, strideT, biasS, biasT } = side;
  const w = rbm.weights;
  const a = Float64Array.from(biasT);
  let linear = 0;
  let state = 0;
  for (let t = 0; ; t++) {
    let lw = linear;
    for (let u = 0; u < m; u++) lw += softplus(a[u]);
    visit(state, lw, a);
    if (t + 1 === 2 ** n) return;
    const k = 31 - Math.clz32((t + 1) & -(t + 1)); // Gray code: bit k flips at step t + 1
    state ^= 1 << k;
    const sign = state & (1 << k) ? 1 : -1;
    linear += sign * biasS[k];
    for (let u = 0; u < m; u++) a[u] += sign * w[k * strideK + u * strideT];
  }
}

/** Streaming log Σ e^{x}. */
class LogSumExp {
  private max = -Infinity;
  private sum = 0;
  add(x: number): void {
    if (x <= this.max) this.sum += Math.exp(x - this.max);
    else {
      this.sum = this.sum * Math.exp(this.max - x) + 1;
      this.max = x;
    }
  }
  get value(): number {
    return this.max + Math.log(this.sum);
  }
}

/**
 * log Z of the RBM, enumerating the smaller layer (≤ 20 units; RangeError otherwise).
 * Natural log; Z is dimensionless (energies in units of k_BT).
 */
export function logPartitionFunction(rbm: Rbm): number {
  const acc = new LogSumExp();
  enumerate(rbm, smallerSide(rbm), (_s, lw) => acc.add(lw));
  return acc.value;
}

/** F(v) = −c·v − Σ_j softplus(b_j + (vW)_j) of row `row` of `data` (rows × visible), in float64. */
export function freeEnergyExact(rbm: Rbm, data: ArrayLike<number>, row = 0): number {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  const o = row * nv;
  let f = 0;
  for (let i = 0; i < nv; i++) f -= rbm.visibleBias[i] * data[o + i];
  for (let j = 0; j < nh; j++) {
    let x = rbm.hiddenBias[j];
    for (let i = 0; i < nv; i++) x += data[o + i] * w[i * nh + j];
    f -= softplus(x);
  }
  return f;
}

/** Mean log-likelihood (1/rows) Σ_r log p(v_r) = −⟨F⟩_data − log Z (nats per configuration). */
export function exactLogLikelihood(rbm: Rbm, data: ArrayLike<number>, rows: number): number {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  if (data.length < rows * rbm.visible) throw new RangeError(`data hold ${data.length} values, need ${rows}×${rbm.visible}`);
  const logZ = logPartitionFunction(rbm);
  let sum = 0;
  for (let r = 0; r < rows; r++) sum -= freeEnergyExact(rbm, data, r);
  return sum / rows - logZ;
}

/**
 * p(v) for all 2^visible configurations (visible ≤ 20, RangeError otherwise), index bit i ⇔
 * v_i = 1; sums to 1.
 */
export function exactVisibleDistribution(rbm: Rbm): Float64Array {
  const side = smallerSide(rbm, 'visible');
  const p = new Float64Array(2 ** side.n);
  const acc = new LogSumExp();
  enumerate(rbm, side, (s, lw) => {
    p[s] = lw;
    acc.add(lw);
  });
  const logZ = acc.value;
  for (let s = 0; s < p.length; s++) p[s] = Math.exp(p[s] - logZ);
  return p;
}

/**
 * The exact gradient of the mean log-likelihood of `data` (rows × visible):
 * ∂/∂w_ij = ⟨v_i h_j⟩_data − ⟨v_i h_j⟩_model, ∂/∂c_i = ⟨v_i⟩_data − ⟨v_i⟩_model,
 * ∂/∂b_j = ⟨h_j⟩_data − ⟨h_j⟩_model, where the data average uses p(h_j = 1 | v) and the model
 * average is an exact sum over the smaller layer (≤ 20 units) — what CD-k approximates.
 */
export function exactLogLikelihoodGradient(rbm: Rbm, data: ArrayLike<number>, rows: number): LikelihoodGradient {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  const g: LikelihoodGradient = { weights: new Float64Array(nv * nh), visibleBias: new Float64Array(nv), hiddenBias: new Float64Array(nh) };
  const p = new Float64Array(nh);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < nh; j++) {
      let x = rbm.hiddenBias[j];
      for (let i = 0; i < nv; i++) x += data[r * nv + i] * w[i * nh + j];
      p[j] = 1 / (1 + Math.exp(-x)) / rows;
      g.hiddenBias[j] += p[j];
    }
    for (let i = 0; i < nv; i++) {
      const v = data[r * nv + i];
      g.visibleBias[i] += v / rows;
      for (let j = 0; j < nh; j++) g.weights[i * nh + j] += v * p[j];
    }
  }
  const side = smallerSide(rbm);
  const logZ = logPartitionFunction(rbm);
  const [gS, gT] = side.visible ? [g.visibleBias, g.hiddenBias] : [g.hiddenBias, g.visibleBias];
  const sigma = new Float64Array(side.m);
  enumerate(rbm, side, (s, lw, a) => {
    const prob = Math.exp(lw - logZ);
    for (let t = 0; t < side.m; t++) {
      sigma[t] = prob / (1 + Math.exp(-a[t]));
      gT[t] -= sigma[t];
    }
    for (let k = 0; k < side.n; k++) {
      if (!(s & (1 << k))) continue;
      gS[k] -= prob;
      for (let t = 0; t < side.m; t++) g.weights[k * side.strideK + t * side.strideT] -= sigma[t];
    }
  });
  return g;
}
