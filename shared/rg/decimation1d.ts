/**
 * The decimation network of the paper's Fig. 2B, built exactly for a periodic 1D Ising ring,
 * and its check by exact sampling.
 *
 * Layer 0 is a ring of N spins at coupling J (Eq. 23: P(s) ∝ exp(J Σ_k s_k s_{k+1}), J = βJ).
 * Layer n keeps every other spin of layer n − 1 (the even sites, `passUp`), so it is a ring of
 * N/2ⁿ spins; decimation is exact, so layer n is again a nearest-neighbour ring, with coupling
 * J(n) from tanh J(n) = tanh² J(n−1) (Eq. 24, `decimateCoupling`).
 *
 * ── Why one decimation step is exactly an RBM (derivation) ──────────────────────────────────
 * Write v for layer n−1 (M spins, ±1, indices mod M), h for layer n (M/2 spins), J for J(n−1).
 *
 * 1. Decimation. Keep h_i = v_{2i}. Each odd spin occurs only in J v_{2i+1}(h_i + h_{i+1}), so
 *      Σ_{v_{2i+1} = ±1} e^{J v_{2i+1}(h_i + h_{i+1})} = 2 cosh(J(h_i + h_{i+1})) = A e^{J' h_i h_{i+1}},
 *    and the two cases h_i h_{i+1} = ±1 give 2 cosh 2J = A e^{J'}, 2 = A e^{−J'}: e^{2J'} = cosh 2J,
 *    i.e. J' = ½ ln cosh 2J ⇔ tanh J' = tanh² J (Eq. 24), A = 2 √cosh 2J. The kept spins form a
 *    ring of M/2 spins at J' (for M = 4 a 2-ring whose two spins are bonded twice, which is
 *    what chainCorrelation / chainLogZ mean by N = 2).
 *
 * 2. The RBM. Kadanoff's operator for decimation is T_K(v, h) = Σ_i [K h_i v_{2i} − ln 2cosh K];
 *    Tr_h e^{T_K} = 1 for every v (the exact-RG condition under Eq. 22) and e^{T_K} → Π_i δ(h_i, v_{2i})
 *    as K → ∞. The paper's map Eq. 18, E(v, h) = H(v) − T(v, h) with H(v) = −J Σ_k v_k v_{k+1},
 *    still couples visible spins to each other — but on the support of e^{T_∞} (h_i = v_{2i}) every
 *    bond of H touches one kept spin, J v_{2i}(v_{2i−1} + v_{2i+1}) = J h_i (v_{2i−1} + v_{2i+1}), so
 *      E_K(v, h) = −Σ_i h_i (J v_{2i−1} + K v_{2i} + J v_{2i+1})            (K → ∞; zero fields)
 *    — bipartite: an RBM (Eq. 10 in ±1 spins) in which hidden spin h_i couples to v_{2i−1},
 *    v_{2i}, v_{2i+1} with weights (J(n−1), K, J(n−1)) and to nothing else. By direct summation:
 *    (i)  hidden marginal, any K: Σ_v e^{−E_K} = (2cosh K)^{M/2} Π_i 2cosh(J(h_i + h_{i+1}))
 *         ∝ exp(J' Σ_i h_i h_{i+1}) — H^RBM(h) = H^RG(h) (Eqs. 20–21) is the J(n) ring, exactly;
 *    (ii) visible marginal: Σ_h e^{−E_K} = Π_i 2cosh(K v_{2i} + J(v_{2i−1} + v_{2i+1}))
 *         = e^{KM/2} e^{J Σ_k v_k v_{k+1}} Π_i (1 + e^{−2K − 2J v_{2i}(v_{2i−1}+v_{2i+1})}) → the J ring
 *         as K → ∞ (relative error ≤ (M/2)·e^{−2(K−2J)}): H^RBM(v) = H(v), KL = 0 (Eq. 17). For finite
 *         K the visible marginal carries an extra next-nearest coupling
 *         ¼ ln[cosh(K+2J) cosh(K−2J)/cosh² K] = O(e^{−2K}), which vanishes only in the limit;
 *    (iii) conditional: p(h_i = +1 | v) = σ(2(K v_{2i} + J(v_{2i−1} + v_{2i+1}))) → [h_i = v_{2i}],
 *         which is `passUp`, and e^{T} = p(h | v) (Eq. 22).
 *    With K = ∞ and v_{2i} identified with h_i this is the paper's Fig. 2B: the bipartite graph
 *    between the decimated (odd) spins and the next layer, weights J(n−1), is the original chain.
 *    Since p(h) is exact for every K, the same RBM at finite K is a "soft" decimation whose
 *    hidden layer still carries exactly J(n); only the visible side needs K → ∞.
 *
 * Units: couplings and fields are dimensionless (βJ); correlations are in [−1, 1].
 */
import { chainCorrelation, decimateCoupling, decimationFlow } from '../physics/exact/chain1d.js';
import { sampleChain } from '../physics/chain1d-sampler.js';
import { Rng } from '../physics/rng.js';
import { Rbm } from '../learn/rbm.js';
import type { Estimate } from '../physics/stats.js';

export { decimateCoupling, decimationFlow };

/** Largest number of decimation layers measureFlow1d and the CLI accept. */
export const MAX_LAYERS = 12;

/** The kept spins of one decimation step: out[i] = chain[2i] (length chain.length/2; even length required). */
export function passUp(chain: Int8Array, out?: Int8Array): Int8Array {
  const M = chain.length;
  if (M < 2 || M % 2 !== 0) throw new RangeError(`passUp needs an even number of spins ≥ 2, got ${M}`);
  const h = out ?? new Int8Array(M / 2);
  if (h.length < M / 2) throw new RangeError(`output holds ${h.length} spins, need ${M / 2}`);
  for (let i = 0; i < M / 2; i++) h[i] = chain[2 * i];
  return h;
}

/** Layer sizes N, N/2, …, N/2^layers of the network (N divisible by 2^layers, top layer ≥ 2 spins). */
export function layerSizes(N: number, layers: number): number[] {
  checkNetwork(N, layers);
  return Array.from({ length: layers + 1 }, (_, n) => N / 2 ** n);
}

function checkNetwork(N: number, layers: number): void {
  if (!Number.isInteger(layers) || layers < 0 || layers > MAX_LAYERS) throw new RangeError(`layers must be an integer in 0…${MAX_LAYERS}, got ${layers}`);
  if (!Number.isSafeInteger(N) || N < 2) throw new RangeError(`N must be an integer ≥ 2, got ${N}`);
  if (N % 2 ** layers !== 0) throw new RangeError(`N = ${N} must be divisible by 2^layers = ${2 ** layers}`);
  if (N / 2 ** layers < 2) throw new RangeError(`the top layer needs ≥ 2 spins: N/2^layers = ${N / 2 ** layers}`);
}

/**
 * An RBM in ±1 spins, E(v, h) = −Σ_ki v_k W_ki h_i − Σ_k a_k v_k − Σ_i b_i h_i, float64.
 * weights is visible × hidden, row-major (W_ki at k·hidden + i).
 */
export interface SpinRbm {
  visible: number;
  hidden: number;
  weights: Float64Array;
  visibleField: Float64Array;
  hiddenField: Float64Array;
}

/**
 * The exact RBM of one decimation step (see the derivation above): M visible spins (layer n−1,
 * coupling J = J(n−1)), M/2 hidden spins; W_{2i−1,i} = W_{2i+1,i} = J, W_{2i,i} = K, zero fields.
 * The hidden marginal is the J' = decimateCoupling(J) ring for every K; the visible marginal is the
 * J ring up to a relative error ≤ (M/2)e^{−2(K−2|J|)} (K = 20, |J| ≤ 1: below 1e−14).
 * M must be even and ≥ 4 (each hidden spin needs two distinct odd neighbours).
 */
export function decimationRbm(M: number, J: number, K = 20): SpinRbm {
  if (!Number.isSafeInteger(M) || M < 4 || M % 2 !== 0) throw new RangeError(`decimationRbm needs an even M ≥ 4, got ${M}`);
  if (!Number.isFinite(J)) throw new RangeError(`coupling J must be finite, got ${J}`);
  if (!(Number.isFinite(K) && K >= 0)) throw new RangeError(`copy weight K must be finite and ≥ 0, got ${K}`);
  const H = M / 2;
  const w = new Float64Array(M * H);
  for (let i = 0; i < H; i++) {
    w[(2 * i) * H + i] = K;
    w[((2 * i + 1) % M) * H + i] += J;
    w[((2 * i - 1 + M) % M) * H + i] += J;
  }
  return { visible: M, hidden: H, weights: w, visibleField: new Float64Array(M), hiddenField: new Float64Array(H) };
}

/**
 * The same model in the project's Bernoulli units x = (s + 1)/2 ∈ {0, 1} (shared/learn/rbm.ts):
 * W' = 4W, c'_k = 2a_k − 2Σ_i W_ki, b'_i = 2b_i − 2Σ_k W_ki; E' differs from E by a constant,
 * so every probability is unchanged. Parameters are rounded to float32.
 */
export function spinRbmToBernoulli(s: SpinRbm): Rbm {
  const { visible: nv, hidden: nh, weights: w } = s;
  const W = new Float32Array(nv * nh);
  const c = new Float32Array(nv);
  const b = new Float32Array(nh);
  for (let k = 0; k < nv; k++) {
    let row = 0;
    for (let i = 0; i < nh; i++) {
      W[k * nh + i] = 4 * w[k * nh + i];
      row += w[k * nh + i];
    }
    c[k] = 2 * s.visibleField[k] - 2 * row;
  }
  for (let i = 0; i < nh; i++) {
    let col = 0;
    for (let k = 0; k < nv; k++) col += w[k * nh + i];
    b[i] = 2 * s.hiddenField[i] - 2 * col;
  }
  return new Rbm(nv, nh, W, c, b);
}

/** One layer of measureFlow1d: the measured nearest-neighbour correlation and coupling beside the exact ones. */
export interface FlowLayer {
  /** Layer index n (0 = the sampled chain). */
  layer: number;
  /** Spins in this layer's ring, N/2ⁿ. */
  spins: number;
  /** J(n) from the recursion tanh J(n) = tanh² J(n−1) (Eq. 24), J(0) = J. */
  JExact: number;
  /** ⟨h_i h_{i+1}⟩ of the infinite chain, tanh J(n). */
  cExactInfinite: number;
  /** ⟨h_i h_{i+1}⟩ of the periodic ring of `spins` spins at J(n) (what the sampler must give). */
  cExactRing: number;
  /** atanh(cExactRing): what atanh of the measured c estimates on this finite ring (→ J(n) as N → ∞). */
  JExactRing: number;
  /** Measured ⟨h_i h_{i+1}⟩: mean over chains of each chain's bond average, standard error over chains. */
  c: Estimate;
  /** atanh(c) with δJ = δc/(1 − c²); null when |c| = 1 (every sampled bond aligned: J = ∞ cannot be measured). */
  J: Estimate | null;
  /** When J is null: a 95% lower bound atanh(1 − 6/bonds) from "no broken bond in `bonds`" (rule of three). */
  JLowerBound95: number | null;
  /** (c − cExactRing)/δc; null when δc = 0. */
  deviationSigma: number | null;
  /** (J − JExact)/δJ, which includes the finite-ring shift JExactRing − JExact; null when undefined. */
  deviationSigmaRecursion: number | null;
}

export interface MeasureFlowOptions {
  /** Coupling of the sampled ring (βJ), finite; the sampler needs |J| ≤ 300. */
  J: number;
  /** Decimation steps, 0…MAX_LAYERS. */
  layers: number;
  /** Independent chains to draw, ≥ 2. */
  chains: number;
  /** Ring length, divisible by 2^layers with N/2^layers ≥ 2. */
  N: number;
  seed: number;
  /** Called every few chains with (chains done, chains). */
  onProgress?: (done: number, total: number) => void;
}

export interface FlowMeasurement {
  J: number;
  N: number;
  layers: number;
  chains: number;
  seed: number;
  flow: FlowLayer[];
}

/**
 * Samples `chains` independent periodic rings of N spins at J exactly (chain1d-sampler), passes
 * each up through `layers` decimation steps and measures, for every layer n = 0…layers, the
 * nearest-neighbour correlation c(n) = ⟨h_i h_{i+1}⟩. Each chain's bond average is one
 * independent sample, so c(n) ± its standard error over chains is honest; J(n) = atanh c(n) with
 * linear error propagation (adequate while δc ≪ 1 − |c|).
 */
export function measureFlow1d(options: MeasureFlowOptions): FlowMeasurement {
  const { J, layers, chains, N, seed, onProgress } = options;
  if (!Number.isFinite(J) || Math.abs(J) > 300) throw new RangeError(`J must be finite with |J| ≤ 300, got ${J}`);
  checkNetwork(N, layers);
  if (!Number.isSafeInteger(chains) || chains < 2) throw new RangeError(`chains must be an integer ≥ 2, got ${chains}`);
  const rng = new Rng(seed);
  const sizes = layerSizes(N, layers);
  const buffers = sizes.map((M) => new Int8Array(M));
  const sum = new Float64Array(layers + 1);
  const sumSq = new Float64Array(layers + 1);
  const shift = new Float64Array(layers + 1); // first chain's value, for a stable variance
  const every = Math.max(1, Math.floor(chains / 100));
  for (let k = 0; k < chains; k++) {
    sampleChain(N, J, rng, buffers[0], true);
    for (let n = 0; n <= layers; n++) {
      if (n > 0) passUp(buffers[n - 1], buffers[n]);
      const x = bondAverage(buffers[n]);
      if (k === 0) shift[n] = x;
      const d = x - shift[n];
      sum[n] += d;
      sumSq[n] += d * d;
    }
    if ((k + 1) % every === 0 || k + 1 === chains) onProgress?.(k + 1, chains);
  }
  const exact = decimationFlow(J, layers);
  const flow: FlowLayer[] = sizes.map((M, n) => {
    const meanD = sum[n] / chains;
    const variance = Math.max(0, (sumSq[n] - chains * meanD * meanD) / (chains - 1));
    const c: Estimate = { mean: shift[n] + meanD, err: Math.sqrt(variance / chains) };
    const cRing = chainCorrelation(exact[n], 1, M);
    const saturated = Math.abs(c.mean) >= 1;
    const Jm: Estimate | null = saturated ? null : { mean: Math.atanh(c.mean), err: c.err / (1 - c.mean * c.mean) };
    return {
      layer: n,
      spins: M,
      JExact: exact[n],
      cExactInfinite: Math.tanh(exact[n]),
      cExactRing: cRing,
      JExactRing: Math.atanh(cRing),
      c,
      J: Jm,
      JLowerBound95: saturated ? Math.sign(c.mean) * Math.atanh(1 - 6 / (chains * M)) : null,
      deviationSigma: sigmas(c.mean - cRing, c.err),
      deviationSigmaRecursion: Jm === null ? null : sigmas(Jm.mean - exact[n], Jm.err),
    };
  });
  return { J, N, layers, chains, seed, flow };
}

/** (1/M) Σ_i s_i s_{i+1 mod M}: the ring's nearest-neighbour bond average. */
export function bondAverage(s: Int8Array): number {
  const M = s.length;
  let acc = 0;
  for (let i = 0; i < M - 1; i++) acc += s[i] * s[i + 1];
  acc += s[M - 1] * s[0];
  return acc / M;
}

/** diff/err, or null when that is not a finite number (err = 0, NaN). */
function sigmas(diff: number, err: number): number | null {
  const z = diff / err;
  return Number.isFinite(z) ? z : diff === 0 && err === 0 ? 0 : null;
}
