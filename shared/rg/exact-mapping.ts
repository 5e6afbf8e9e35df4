/**
 * The exact mapping between Kadanoff's variational RG and an RBM (Mehta & Schwab 2014, §§ I–III),
 * computed exactly for a periodic Ising system small enough to enumerate: every visible
 * configuration (N ≤ 16 spins) and every hidden configuration (M ≤ 8 units), float64,
 * log-sum-exp throughout. Pure: no I/O.
 *
 * Conventions (the paper's, β = 1):
 *   data      P(v) = e^{−H(v)}/Z, H(v) = −K Σ_<ij> v_i v_j (Eqs. 1, 23, 25), v_i = ±1, Z = Tr_v e^{−H}
 *   RBM       E(v,h) = ε + Σ_j b_j h_j + Σ_ij v_i w_ij h_j + Σ_i c_i v_i (Eq. 10, with + signs),
 *             p_λ(v,h) = e^{−E}/𝒵 (Eq. 11); the hidden units are spins too, h_j = ±1.
 *             ε is a constant energy offset: 0 in the paper's Eq. 10; it changes no probability
 *             (so not KL) but shifts 𝒵, ΔF and Tr_h e^T. It makes the conversion from rgflow's
 *             {0,1} RBM exact (mappingRbmFromBinary) and turns a KL = 0 RBM into an exact RG.
 *   marginals e^{−H^RBM_λ[v]} = Tr_h e^{−E}, e^{−H^RBM_λ[h]} = Tr_v e^{−E} (Eqs. 12–15)
 *   RG        T_λ(v,h) = −E(v,h) + H(v) (Eq. 18), e^{−H^RG_λ[h]} = Tr_v e^{T − H} (Eq. 6),
 *             F^v = −ln Z (Eq. 4), F^h_λ = −ln Tr_h e^{−H^RG_λ} (Eq. 7), ΔF = F^h_λ − F^v
 *   KL        D(P‖p_λ) = Σ_v P ln(P/p_λ) (Eq. 16)
 *
 * Identities that hold exactly for every λ (and are what verifyMapping checks numerically):
 *   Eq. 21   H^RG_λ[h] = H^RBM_λ[h]
 *   Eq. 22   Tr_h e^{T(v,h)} = e^{H(v) − H^RBM_λ[v]}
 *   (a)      e^{−ΔF} = 𝒵/Z = ⟨Tr_h e^T⟩_P            (Z-weighted average over the data)
 *   (b)      KL = ln⟨Tr_h e^T⟩_P − ⟨ln Tr_h e^T⟩_P = −ΔF − ⟨ln Tr_h e^T⟩_P ≥ 0   (Jensen gap)
 * Hence, precisely (P > 0 everywhere, so "for every v"):
 *   KL = 0  ⇔  Tr_h e^T is the same for every v (and that constant is e^{−ΔF});
 *   Tr_h e^T ≡ 1 (exact RG, Eq. 9)  ⇔  KL = 0 and ΔF = 0;
 *   Tr_h e^T ≡ 1 ⇒ ΔF = 0 (Eq. 8, ⇐), but ΔF = 0 only says ⟨Tr_h e^T⟩_P = 1 (Eq. 8, ⇒ fails);
 *   KL = 0 does not give Tr_h e^T ≡ 1 unless ΔF = 0: the paper's own 1D decimation RBM has
 *   KL = 0 and Tr_h e^T ≡ (2e^{|K|})^B (B bonds), ΔF = −B(ln 2 + |K|); the offset ε = B(ln 2 + |K|)
 *   makes it an exact RG without changing p_λ.
 *
 * Index convention: configuration index bit i set ⇔ unit i = +1 (clear ⇔ −1), for v and h.
 */
import type { Rbm } from '../learn/rbm.js';
import { Rng } from '../physics/rng.js';

/** Largest visible layer enumerated (2^16 configurations). */
export const MAX_MAPPING_SITES = 16;
/** Largest hidden layer enumerated (2^8 configurations). */
export const MAX_MAPPING_HIDDEN = 8;
/** Largest |K| accepted (P is then concentrated on a handful of states; still exact). */
export const MAX_MAPPING_COUPLING = 5;
/** Tolerances that decide "zero" for the constructed cases (absolute, nats). */
export const ZERO_KL = 1e-12;
export const ZERO_SPREAD = 1e-9;

// ---------------------------------------------------------------------------------------------
// The Ising system
// ---------------------------------------------------------------------------------------------

/** `ring:N` (periodic chain of N spins) or `lattice:RxC` (periodic R rows × C columns). */
export type SystemSpec = { kind: 'ring'; n: number } | { kind: 'lattice'; rows: number; cols: number };

/** A periodic Ising system with its bonds: H(v) = −K Σ_bonds v_i v_j. */
export interface IsingSystem {
  /** Canonical spec string: 'ring:12' or 'lattice:4x4'. */
  spec: string;
  kind: 'ring' | 'lattice';
  /** Number of spins N. */
  sites: number;
  /** Ring: 1 × N; lattice: rows × cols (site index r·cols + c). */
  rows: number;
  cols: number;
  /**
   * Bond endpoints (i at 2b, j at 2b + 1). Ring: (i, i+1 mod N), N bonds. Lattice: each site's
   * right and down neighbour, 2N bonds; a dimension of 2 bonds the pair twice (every site keeps
   * four neighbours), the convention of shared/physics/exact/enumerate.ts.
   */
  bonds: Int32Array;
  bondCount: number;
  /** Coupling K = βJ (dimensionless). */
  K: number;
}

/**
 * Parses 'ring:N' (2 ≤ N ≤ 16) or 'lattice:RxC' (R, C ≥ 2, R·C ≤ 16).
 * @throws RangeError with a message that says what is accepted
 */
export function parseSystemSpec(spec: string): SystemSpec {
  const text = spec.trim().toLowerCase();
  const ring = /^ring:(\d{1,3})$/.exec(text);
  if (ring) {
    const n = Number(ring[1]);
    if (n < 2 || n > MAX_MAPPING_SITES) throw new RangeError(`ring:N needs 2 ≤ N ≤ ${MAX_MAPPING_SITES}, got ${spec}`);
    return { kind: 'ring', n };
  }
  const lattice = /^lattice:(\d{1,3})x(\d{1,3})$/.exec(text);
  if (lattice) {
    const rows = Number(lattice[1]);
    const cols = Number(lattice[2]);
    if (rows < 2 || cols < 2 || rows * cols > MAX_MAPPING_SITES) {
      throw new RangeError(`lattice:RxC needs R, C ≥ 2 and R·C ≤ ${MAX_MAPPING_SITES}, got ${spec}`);
    }
    return { kind: 'lattice', rows, cols };
  }
  throw new RangeError(`system must be ring:N or lattice:RxC (e.g. ring:12, lattice:4x4), got '${spec}'`);
}

/** The system of a spec (string or parsed) at coupling K (finite, |K| ≤ 5). */
export function isingSystem(spec: string | SystemSpec, K: number): IsingSystem {
  const s = typeof spec === 'string' ? parseSystemSpec(spec) : spec;
  if (!Number.isFinite(K) || Math.abs(K) > MAX_MAPPING_COUPLING) throw new RangeError(`coupling K must be finite with |K| ≤ ${MAX_MAPPING_COUPLING}, got ${K}`);
  const pairs: number[] = [];
  let rows: number;
  let cols: number;
  if (s.kind === 'ring') {
    if (!Number.isInteger(s.n) || s.n < 2 || s.n > MAX_MAPPING_SITES) throw new RangeError(`ring needs 2 ≤ N ≤ ${MAX_MAPPING_SITES}, got ${s.n}`);
    rows = 1;
    cols = s.n;
    for (let i = 0; i < s.n; i++) pairs.push(i, (i + 1) % s.n);
  } else {
    rows = s.rows;
    cols = s.cols;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 2 || cols < 2 || rows * cols > MAX_MAPPING_SITES) {
      throw new RangeError(`lattice needs R, C ≥ 2 and R·C ≤ ${MAX_MAPPING_SITES}, got ${rows}x${cols}`);
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        pairs.push(i, r * cols + ((c + 1) % cols));
        pairs.push(i, ((r + 1) % rows) * cols + c);
      }
    }
  }
  const bonds = Int32Array.from(pairs);
  return {
    spec: s.kind === 'ring' ? `ring:${cols}` : `lattice:${rows}x${cols}`,
    kind: s.kind,
    sites: rows * cols,
    rows,
    cols,
    bonds,
    bondCount: bonds.length / 2,
    K,
  };
}

/** Σ_bonds v_i v_j of configuration `v` (an integer, exact). */
export function bondSum(system: IsingSystem, v: number): number {
  const b = system.bonds;
  let s = 0;
  for (let k = 0; k < b.length; k += 2) s += ((v >>> b[k]) ^ (v >>> b[k + 1])) & 1 ? -1 : 1;
  return s;
}

/** H(v) = −K Σ_<ij> v_i v_j (Eqs. 23/25 with βJ = K). */
export function isingHamiltonian(system: IsingSystem, v: number): number {
  return -system.K * bondSum(system, v);
}

// ---------------------------------------------------------------------------------------------
// The RBM in the paper's conventions (spins ±1, Eq. 10 with + signs)
// ---------------------------------------------------------------------------------------------

/**
 * An RBM with spin units (v_i, h_j = ±1) and the paper's energy
 *   E(v,h) = offset + Σ_j b_j h_j + Σ_ij v_i w_ij h_j + Σ_i c_i v_i.
 * weights: visible × hidden, row-major (w_ij at i·hidden + j), as rgflow's Rbm.
 */
export interface MappingRbm {
  visible: number;
  hidden: number;
  weights: Float64Array;
  /** b_j. */
  hiddenBias: Float64Array;
  /** c_i. */
  visibleBias: Float64Array;
  /** Constant ε (0 in Eq. 10). */
  offset: number;
}

function checkLayers(visible: number, hidden: number): void {
  if (!Number.isInteger(visible) || visible < 1 || visible > MAX_MAPPING_SITES) throw new RangeError(`visible units must be an integer in 1..${MAX_MAPPING_SITES}, got ${visible}`);
  if (!Number.isInteger(hidden) || hidden < 1 || hidden > MAX_MAPPING_HIDDEN) throw new RangeError(`hidden units must be an integer in 1..${MAX_MAPPING_HIDDEN}, got ${hidden}`);
}

/** All-zero parameters. */
export function zeroMappingRbm(visible: number, hidden: number): MappingRbm {
  checkLayers(visible, hidden);
  return { visible, hidden, weights: new Float64Array(visible * hidden), hiddenBias: new Float64Array(hidden), visibleBias: new Float64Array(visible), offset: 0 };
}

/** w_ij ~ N(0, scale²), zero biases and offset, from `seed`. */
export function randomMappingRbm(visible: number, hidden: number, seed: number, scale = 0.1, biasScale = 0): MappingRbm {
  const rbm = zeroMappingRbm(visible, hidden);
  const rng = new Rng(seed);
  for (let k = 0; k < rbm.weights.length; k++) rbm.weights[k] = scale * rng.nextGaussian();
  if (biasScale > 0) {
    for (let j = 0; j < hidden; j++) rbm.hiddenBias[j] = biasScale * rng.nextGaussian();
    for (let i = 0; i < visible; i++) rbm.visibleBias[i] = biasScale * rng.nextGaussian();
  }
  return rbm;
}

export function cloneMappingRbm(rbm: MappingRbm): MappingRbm {
  return { ...rbm, weights: rbm.weights.slice(), hiddenBias: rbm.hiddenBias.slice(), visibleBias: rbm.visibleBias.slice() };
}

/**
 * The same model as rgflow's {0,1} Rbm (E₀₁ = −c′·x − b′·y − xᵀW′y, x, y ∈ {0,1}), written in
 * spins: x = (1 + v)/2, y = (1 + h)/2 gives E₀₁(x, y) = E(v, h) exactly with
 *   w_ij = −W′_ij/4,  b_j = −b′_j/2 − Σ_i W′_ij/4,  c_i = −c′_i/2 − Σ_j W′_ij/4,
 *   ε = −Σ_i c′_i/2 − Σ_j b′_j/2 − Σ_ij W′_ij/4,
 * so 𝒵, p_λ, ΔF and Tr_h e^T are those of the {0,1} machine (v_i = +1 ⇔ x_i = 1).
 */
export function mappingRbmFromBinary(rbm: Rbm): MappingRbm {
  const { visible: nv, hidden: nh } = rbm;
  const out = zeroMappingRbm(nv, nh);
  let offset = 0;
  for (let j = 0; j < nh; j++) {
    out.hiddenBias[j] = -rbm.hiddenBias[j] / 2;
    offset -= rbm.hiddenBias[j] / 2;
  }
  for (let i = 0; i < nv; i++) {
    out.visibleBias[i] = -rbm.visibleBias[i] / 2;
    offset -= rbm.visibleBias[i] / 2;
    for (let j = 0; j < nh; j++) {
      const W = rbm.weights[i * nh + j];
      out.weights[i * nh + j] = -W / 4;
      out.hiddenBias[j] -= W / 4;
      out.visibleBias[i] -= W / 4;
      offset -= W / 4;
    }
  }
  out.offset = offset;
  return out;
}

/** E(v,h) of Eq. 10 for configuration indices v, h (float64). */
export function rbmEnergy(rbm: MappingRbm, v: number, h: number): number {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  let e = rbm.offset;
  for (let j = 0; j < nh; j++) e += (h >>> j) & 1 ? rbm.hiddenBias[j] : -rbm.hiddenBias[j];
  for (let i = 0; i < nv; i++) {
    const si = (v >>> i) & 1 ? 1 : -1;
    let s = rbm.visibleBias[i];
    for (let j = 0; j < nh; j++) s += (h >>> j) & 1 ? w[i * nh + j] : -w[i * nh + j];
    e += si * s;
  }
  return e;
}

/** ln(2 cosh x) without overflow. */
export function logTwoCosh(x: number): number {
  const a = Math.abs(x);
  return a + Math.log1p(Math.exp(-2 * a));
}

/** log Σ e^{x_k} of the first n entries (two passes, exact for −∞ entries). */
function logSumExp(x: ArrayLike<number>, n = x.length): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (x[k] > max) max = x[k];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(x[k] - max);
  return max + Math.log(sum);
}

/** H^RBM_λ[v] = ε + c·v − Σ_j ln 2cosh(b_j + Σ_i v_i w_ij) (hidden spins summed analytically). */
export function rbmVisibleHamiltonian(rbm: MappingRbm, v: number): number {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  let e = rbm.offset;
  for (let i = 0; i < nv; i++) e += (v >>> i) & 1 ? rbm.visibleBias[i] : -rbm.visibleBias[i];
  for (let j = 0; j < nh; j++) {
    let a = rbm.hiddenBias[j];
    for (let i = 0; i < nv; i++) a += (v >>> i) & 1 ? w[i * nh + j] : -w[i * nh + j];
    e -= logTwoCosh(a);
  }
  return e;
}

/** H^RBM_λ[h] = ε + b·h − Σ_i ln 2cosh(c_i + Σ_j w_ij h_j) (visible spins summed analytically). */
export function rbmHiddenHamiltonian(rbm: MappingRbm, h: number): number {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  let e = rbm.offset;
  for (let j = 0; j < nh; j++) e += (h >>> j) & 1 ? rbm.hiddenBias[j] : -rbm.hiddenBias[j];
  for (let i = 0; i < nv; i++) {
    let u = rbm.visibleBias[i];
    for (let j = 0; j < nh; j++) u += (h >>> j) & 1 ? w[i * nh + j] : -w[i * nh + j];
    e -= logTwoCosh(u);
  }
  return e;
}

/** ln 𝒵 = ln Σ_h e^{−H^RBM_λ[h]} (2^hidden terms). */
export function rbmLogPartition(rbm: MappingRbm): number {
  const terms = new Float64Array(2 ** rbm.hidden);
  for (let h = 0; h < terms.length; h++) terms[h] = -rbmHiddenHamiltonian(rbm, h);
  return logSumExp(terms);
}

function checkPair(system: IsingSystem, rbm: MappingRbm): void {
  if (rbm.visible !== system.sites) throw new RangeError(`the RBM has ${rbm.visible} visible units, the system ${system.sites} spins`);
  checkLayers(rbm.visible, rbm.hidden);
  for (const [name, a] of [['weights', rbm.weights], ['hidden bias', rbm.hiddenBias], ['visible bias', rbm.visibleBias]] as const) {
    for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) throw new RangeError(`RBM ${name} must be finite`);
  }
  if (!Number.isFinite(rbm.offset)) throw new RangeError('RBM offset must be finite');
}

// ---------------------------------------------------------------------------------------------
// The operator T and the exact figures
// ---------------------------------------------------------------------------------------------

/** Largest T table operatorTable returns (2^22 float64 = 32 MiB). */
export const MAX_OPERATOR_TABLE = 2 ** 22;

/**
 * T_λ(v,h) = −E(v,h) + H(v) (Eq. 18) for every pair, index v·2^hidden + h, when
 * 2^(sites + hidden) ≤ 2^22 (RangeError otherwise; computeMapping streams instead).
 */
export function operatorTable(system: IsingSystem, rbm: MappingRbm): Float64Array {
  checkPair(system, rbm);
  const nV = 2 ** system.sites;
  const nH = 2 ** rbm.hidden;
  if (nV * nH > MAX_OPERATOR_TABLE) throw new RangeError(`T has ${nV}×${nH} entries, more than ${MAX_OPERATOR_TABLE}`);
  const t = new Float64Array(nV * nH);
  const row = new Float64Array(nH);
  const a = new Float64Array(rbm.hidden);
  for (let v = 0; v < nV; v++) {
    operatorRow(system, rbm, v, row, a);
    t.set(row, v * nH);
  }
  return t;
}

/**
 * Row v of T into `row` (length 2^hidden): T(v,h) = H(v) − ε − c·v − Σ_j h_j a_j with
 * a_j = b_j + Σ_i v_i w_ij computed afresh; Σ_j h_j a_j by a subset recursion over the set bits.
 * Returns H(v).
 */
function operatorRow(system: IsingSystem, rbm: MappingRbm, v: number, row: Float64Array, a: Float64Array): number {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  const H = isingHamiltonian(system, v);
  let cv = 0;
  for (let i = 0; i < nv; i++) cv += (v >>> i) & 1 ? rbm.visibleBias[i] : -rbm.visibleBias[i];
  let allDown = 0;
  for (let j = 0; j < nh; j++) {
    let x = rbm.hiddenBias[j];
    for (let i = 0; i < nv; i++) x += (v >>> i) & 1 ? w[i * nh + j] : -w[i * nh + j];
    a[j] = x;
    allDown -= x;
  }
  const base = H - rbm.offset - cv;
  // row[h] holds Σ_j h_j a_j first: h = 0 is all −1; adding bit k turns h_k from −1 to +1 (+2a_k).
  row[0] = allDown;
  for (let h = 1; h < row.length; h++) {
    const k = 31 - Math.clz32(h & -h);
    row[h] = row[h & (h - 1)] + 2 * a[k];
  }
  for (let h = 0; h < row.length; h++) row[h] = base - row[h];
  return H;
}

/** Summary of ln Tr_h e^{T(v,h)} over all v. */
export interface LnTraceSpread {
  min: number;
  max: number;
  /** max − min: 0 ⇔ Tr_h e^T is the same for every v ⇔ KL = 0. */
  range: number;
  /** Standard deviation over the 2^N configurations, each counted once. */
  std: number;
  /** Standard deviation under the data P(v) (KL ≈ stdP²/2 when small). */
  stdP: number;
  /** ⟨ln Tr_h e^T⟩_P. */
  meanP: number;
  /** max_v |ln Tr_h e^T|: 0 ⇔ Tr_h e^T ≡ 1, an exact RG (Eq. 9). */
  maxAbs: number;
}

/** Everything computeMapping computes; arrays are indexed by configuration. */
export interface MappingResult {
  system: IsingSystem;
  rbm: MappingRbm;
  /** H(v), length 2^N. */
  hamiltonian: Float64Array;
  /** ln Z = ln Tr_v e^{−H}. */
  logZ: number;
  /** ln 𝒵 of the RBM, from its hidden marginal (Σ_h e^{−H^RBM[h]}). */
  logZRbm: number;
  /** F^v = −ln Z (Eq. 4). */
  freeEnergyVisible: number;
  /** F^h_λ = −ln Tr_h e^{−H^RG_λ[h]} (Eq. 7), from H^RG (via T). */
  freeEnergyHidden: number;
  /** ΔF = F^h_λ − F^v. */
  deltaF: number;
  /** KL(P‖p_λ) as the Jensen gap ln⟨Tr⟩_P − ⟨ln Tr⟩_P of the T-side traces; ≥ 0 by construction. */
  kl: number;
  /** KL(P‖p_λ) = Σ_v P ln(P/p_λ) directly, with p_λ from H^RBM[v] and 𝒵 (independent of T). */
  klDirect: number;
  /** ln Tr_h e^{T(v,h)}, by summing e^T over all h, length 2^N. */
  lnTrace: Float64Array;
  /** H^RG_λ[h] = −ln Tr_v e^{T(v,h) − H(v)} (Eq. 6 via T), length 2^M. */
  hamiltonianRG: Float64Array;
  /** H^RBM_λ[h] from the RBM's hidden marginal (Eq. 15), length 2^M. */
  hamiltonianRbmHidden: Float64Array;
  /** H^RBM_λ[v] from the RBM's visible marginal (Eq. 14), length 2^N. */
  hamiltonianRbmVisible: Float64Array;
  spread: LnTraceSpread;
  /** max_h |H^RG_λ[h] − H^RBM_λ[h]| (Eq. 21). */
  eq21Residual: number;
  /** max_v |ln Tr_h e^T − (H(v) − H^RBM_λ[v])| (Eq. 22). */
  eq22Residual: number;
  /** |ln⟨Tr_h e^T⟩_P + ΔF|: identity (a). */
  freeEnergyTraceResidual: number;
  /** |F^h_λ + ln 𝒵|: F^h from H^RG against the RBM's own partition function. */
  partitionResidual: number;
}

/** φ(y) = e^y − 1 − y ≥ 0, accurate near 0. */
function expm1MinusX(y: number): number {
  if (Math.abs(y) < 1e-3) return y * y * (0.5 + y * (1 / 6 + y * (1 / 24 + y / 120)));
  return Math.expm1(y) - y;
}

/** Data distribution: H(v) for every v, ln Z and P(v). */
export interface DataDistribution {
  hamiltonian: Float64Array;
  logZ: number;
  probability: Float64Array;
}

/** H(v), ln Z and P(v) = e^{−H(v) − ln Z} for every v of the system. */
export function dataDistribution(system: IsingSystem): DataDistribution {
  const nV = 2 ** system.sites;
  const hamiltonian = new Float64Array(nV);
  const neg = new Float64Array(nV);
  for (let v = 0; v < nV; v++) {
    hamiltonian[v] = isingHamiltonian(system, v);
    neg[v] = -hamiltonian[v];
  }
  const logZ = logSumExp(neg);
  const probability = new Float64Array(nV);
  for (let v = 0; v < nV; v++) probability[v] = Math.exp(neg[v] - logZ);
  return { hamiltonian, logZ, probability };
}

/** Spread statistics of ln Tr over v; KL as the Jensen gap (≥ 0 by construction). */
function spreadOf(lnTrace: Float64Array, P: Float64Array): { spread: LnTraceSpread; kl: number; logMeanTraceP: number } {
  const n = lnTrace.length;
  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  let meanP = 0;
  let maxAbs = 0;
  for (let v = 0; v < n; v++) {
    const x = lnTrace[v];
    if (x < min) min = x;
    if (x > max) max = x;
    if (Math.abs(x) > maxAbs) maxAbs = Math.abs(x);
    mean += x;
    meanP += P[v] * x;
  }
  mean /= n;
  let varU = 0;
  let varP = 0;
  let gap = 0;
  for (let v = 0; v < n; v++) {
    const y = lnTrace[v] - meanP;
    varU += (lnTrace[v] - mean) ** 2;
    varP += P[v] * y * y;
    gap += P[v] * expm1MinusX(y);
  }
  const kl = Math.log1p(gap);
  return {
    spread: { min, max, range: max - min, std: Math.sqrt(varU / n), stdP: Math.sqrt(varP), meanP, maxAbs },
    kl,
    logMeanTraceP: meanP + kl,
  };
}

/**
 * Every exact figure of the mapping for (system, rbm): the T side by brute force over all
 * 2^(N+M) pairs (log-sum-exp over h for each v, and over v for each h), the RBM side from its
 * analytic marginals, and the residuals of Eqs. 21–22 and identity (a) between them.
 * 16 × 8 takes well under a second.
 */
export function computeMapping(system: IsingSystem, rbm: MappingRbm, data: DataDistribution = dataDistribution(system)): MappingResult {
  checkPair(system, rbm);
  const nV = 2 ** system.sites;
  const nH = 2 ** rbm.hidden;
  const lnTrace = new Float64Array(nV);
  // Log-sum-exp shifts: the largest term of each sum. For fixed h, max_v (T − H) = max_v (−E) =
  // −ε − b·h + Σ_i |c_i + Σ_j w_ij h_j| (each v_i against its field); for fixed v, the row max is
  // found by scanning. A shift only guards against overflow: the sums themselves are literal.
  const shift = new Float64Array(nH);
  for (let h = 0; h < nH; h++) {
    let m = -rbm.offset;
    for (let j = 0; j < rbm.hidden; j++) m -= (h >>> j) & 1 ? rbm.hiddenBias[j] : -rbm.hiddenBias[j];
    for (let i = 0; i < rbm.visible; i++) {
      let u = rbm.visibleBias[i];
      for (let j = 0; j < rbm.hidden; j++) u += (h >>> j) & 1 ? rbm.weights[i * rbm.hidden + j] : -rbm.weights[i * rbm.hidden + j];
      m += Math.abs(u);
    }
    shift[h] = m;
  }
  const rgSum = new Float64Array(nH);
  const row = new Float64Array(nH);
  const a = new Float64Array(rbm.hidden);
  for (let v = 0; v < nV; v++) {
    const H = operatorRow(system, rbm, v, row, a);
    let max = -Infinity;
    for (let h = 0; h < nH; h++) if (row[h] > max) max = row[h];
    let sum = 0;
    for (let h = 0; h < nH; h++) {
      sum += Math.exp(row[h] - max);
      rgSum[h] += Math.exp(row[h] - H - shift[h]);
    }
    lnTrace[v] = max + Math.log(sum);
  }
  const hamiltonianRG = new Float64Array(nH);
  const hamiltonianRbmHidden = new Float64Array(nH);
  const negRG = new Float64Array(nH);
  const negRbm = new Float64Array(nH);
  let eq21Residual = 0;
  for (let h = 0; h < nH; h++) {
    hamiltonianRG[h] = -(shift[h] + Math.log(rgSum[h]));
    hamiltonianRbmHidden[h] = rbmHiddenHamiltonian(rbm, h);
    negRG[h] = -hamiltonianRG[h];
    negRbm[h] = -hamiltonianRbmHidden[h];
    eq21Residual = Math.max(eq21Residual, Math.abs(hamiltonianRG[h] - hamiltonianRbmHidden[h]));
  }
  const logZRbm = logSumExp(negRbm);
  const freeEnergyHidden = -logSumExp(negRG);
  const freeEnergyVisible = -data.logZ;
  const deltaF = freeEnergyHidden - freeEnergyVisible;

  const hamiltonianRbmVisible = new Float64Array(nV);
  let eq22Residual = 0;
  let klDirect = 0;
  for (let v = 0; v < nV; v++) {
    const hv = rbmVisibleHamiltonian(rbm, v);
    hamiltonianRbmVisible[v] = hv;
    eq22Residual = Math.max(eq22Residual, Math.abs(lnTrace[v] - (data.hamiltonian[v] - hv)));
    const P = data.probability[v];
    if (P > 0) klDirect += P * (-data.hamiltonian[v] - data.logZ + hv + logZRbm);
  }
  const { spread, kl, logMeanTraceP } = spreadOf(lnTrace, data.probability);
  return {
    system,
    rbm,
    hamiltonian: data.hamiltonian,
    logZ: data.logZ,
    logZRbm,
    freeEnergyVisible,
    freeEnergyHidden,
    deltaF,
    kl,
    klDirect,
    lnTrace,
    hamiltonianRG,
    hamiltonianRbmHidden,
    hamiltonianRbmVisible,
    spread,
    eq21Residual,
    eq22Residual,
    freeEnergyTraceResidual: Math.abs(logMeanTraceP + deltaF),
    partitionResidual: Math.abs(freeEnergyHidden + logZRbm),
  };
}

/** The figures verifyMapping reports. */
export interface MappingVerification {
  /** max_h |H^RG_λ[h] − H^RBM_λ[h]| (Eq. 21); 0 up to rounding for every λ. */
  eq21Residual: number;
  /** max_v |ln Tr_h e^T − (H(v) − H^RBM_λ[v])| (Eq. 22); 0 up to rounding for every λ. */
  eq22Residual: number;
  /** Spread of ln Tr_h e^{T(v,h)} over v. */
  lnTrace: LnTraceSpread;
  freeEnergyVisible: number;
  freeEnergyHidden: number;
  deltaF: number;
  kl: number;
  /** Tr_h e^T is the same for every v (range < 1e-9) — equivalent to KL = 0. */
  constantTrace: boolean;
  /** Tr_h e^T ≡ 1 (max |ln Tr| < 1e-9): an exact RG, Eq. 9 — equivalent to KL = 0 and ΔF = 0. */
  exactRg: boolean;
}

/** Eqs. 21 and 22 checked numerically, with ΔF, KL and the spread of Tr_h e^T. */
export function verifyMapping(system: IsingSystem, rbm: MappingRbm, data?: DataDistribution): MappingVerification {
  return verificationOf(computeMapping(system, rbm, data));
}

export function verificationOf(m: MappingResult): MappingVerification {
  return {
    eq21Residual: m.eq21Residual,
    eq22Residual: m.eq22Residual,
    lnTrace: m.spread,
    freeEnergyVisible: m.freeEnergyVisible,
    freeEnergyHidden: m.freeEnergyHidden,
    deltaF: m.deltaF,
    kl: m.kl,
    constantTrace: m.spread.range < ZERO_SPREAD,
    exactRg: m.spread.maxAbs < ZERO_SPREAD,
  };
}

// ---------------------------------------------------------------------------------------------
// Exact training: gradient descent on KL(P‖p_λ) with the enumerated gradient
// ---------------------------------------------------------------------------------------------

/** KL, ΔF and the spread of ln Tr_h e^T at one step (from the RBM side, Eq. 22). */
export interface TrainPoint {
  step: number;
  kl: number;
  deltaF: number;
  lnTraceStd: number;
  lnTraceStdP: number;
  lnTraceRange: number;
}

export interface ExactObjective {
  kl: number;
  deltaF: number;
  lnTraceStd: number;
  lnTraceStdP: number;
  lnTraceRange: number;
  /** ∂KL/∂θ, shaped like the RBM (the offset has none). */
  gradWeights: Float64Array;
  gradHiddenBias: Float64Array;
  gradVisibleBias: Float64Array;
}

/**
 * KL(P‖p_λ) and its exact gradient ∂KL/∂θ = ⟨∂E/∂θ⟩_{P(v)p_λ(h|v)} − ⟨∂E/∂θ⟩_{p_λ(v,h)}
 * (∂E/∂w_ij = v_i h_j, ∂E/∂b_j = h_j, ∂E/∂c_i = v_i; ⟨h_j⟩_{p(h|v)} = −tanh(b_j + Σ_i v_i w_ij)),
 * the data term over all 2^N v, the model term over all 2^M h. Also ΔF and the spread of
 * ln Tr_h e^T = H(v) − H^RBM_λ[v] (Eq. 22), which come with it.
 */
export function exactObjective(system: IsingSystem, rbm: MappingRbm, data: DataDistribution): ExactObjective {
  const { visible: nv, hidden: nh, weights: w } = rbm;
  const nV = 2 ** nv;
  const nH = 2 ** nh;
  const gW = new Float64Array(nv * nh);
  const gB = new Float64Array(nh);
  const gC = new Float64Array(nv);
  const a = new Float64Array(nh);
  const lnTrace = new Float64Array(nV);
  // Data term, v in Gray-code order: flipping spin k moves a_j = b_j + Σ_i v_i w_ij by ±2w_kj and
  // c·v by ±2c_k; both are recomputed from scratch every 1024 steps so rounding cannot drift.
  // Σ_v P v_i ⟨h_j⟩ = 2 Σ_{v: v_i = +1} P⟨h_j⟩ − Σ_v P⟨h_j⟩: only the up spins are visited.
  const up = new Float64Array(nv * nh);
  const m = new Float64Array(nh);
  let cv = 0;
  let v = 0;
  for (let t = 0; t < nV; t++) {
    if (t > 0) {
      const k = 31 - Math.clz32(t & -t);
      v ^= 1 << k;
      const sign = (v >>> k) & 1 ? 2 : -2;
      cv += sign * rbm.visibleBias[k];
      const o = k * nh;
      for (let j = 0; j < nh; j++) a[j] += sign * w[o + j];
    }
    if ((t & 1023) === 0) {
      cv = 0;
      for (let i = 0; i < nv; i++) cv += (v >>> i) & 1 ? rbm.visibleBias[i] : -rbm.visibleBias[i];
      for (let j = 0; j < nh; j++) {
        let x = rbm.hiddenBias[j];
        for (let i = 0; i < nv; i++) x += (v >>> i) & 1 ? w[i * nh + j] : -w[i * nh + j];
        a[j] = x;
      }
    }
    const P = data.probability[v];
    // ln 2cosh a = |a| + log1p(e^{−2|a|}), tanh a = sign(a)(1 − e^{−2|a|})/(1 + e^{−2|a|})
    let hv = rbm.offset + cv;
    for (let j = 0; j < nh; j++) {
      const x = a[j];
      const ax = x < 0 ? -x : x;
      const e = Math.exp(-2 * ax);
      hv -= ax + Math.log1p(e);
      const th = (1 - e) / (1 + e);
      const mh = -P * (x < 0 ? -th : th); // P(v) ⟨h_j⟩_{p(h|v)}
      m[j] = mh;
      gB[j] += mh;
    }
    lnTrace[v] = data.hamiltonian[v] - hv;
    let bits = v;
    while (bits !== 0) {
      const i = 31 - Math.clz32(bits & -bits);
      gC[i] += 2 * P;
      const o = i * nh;
      for (let j = 0; j < nh; j++) up[o + j] += m[j];
      bits &= bits - 1;
    }
  }
  for (let i = 0; i < nv; i++) {
    gC[i] -= 1;
    for (let j = 0; j < nh; j++) gW[i * nh + j] = 2 * up[i * nh + j] - gB[j];
  }
  // model term
  const negH = new Float64Array(nH);
  const u = new Float64Array(nH * nv);
  for (let h = 0; h < nH; h++) {
    let e = rbm.offset;
    for (let j = 0; j < nh; j++) e += (h >>> j) & 1 ? rbm.hiddenBias[j] : -rbm.hiddenBias[j];
    for (let i = 0; i < nv; i++) {
      let x = rbm.visibleBias[i];
      const o = i * nh;
      for (let j = 0; j < nh; j++) x += (h >>> j) & 1 ? w[o + j] : -w[o + j];
      u[h * nv + i] = x;
      e -= logTwoCosh(x);
    }
    negH[h] = -e;
  }
  const logZRbm = logSumExp(negH);
  for (let h = 0; h < nH; h++) {
    const q = Math.exp(negH[h] - logZRbm);
    for (let j = 0; j < nh; j++) gB[j] -= (h >>> j) & 1 ? q : -q;
    for (let i = 0; i < nv; i++) {
      const mv = -q * Math.tanh(u[h * nv + i]);
      gC[i] -= mv;
      const o = i * nh;
      for (let j = 0; j < nh; j++) gW[o + j] -= (h >>> j) & 1 ? mv : -mv;
    }
  }
  const { spread, kl } = spreadOf(lnTrace, data.probability);
  return {
    kl,
    deltaF: data.logZ - logZRbm,
    lnTraceStd: spread.std,
    lnTraceStdP: spread.stdP,
    lnTraceRange: spread.range,
    gradWeights: gW,
    gradHiddenBias: gB,
    gradVisibleBias: gC,
  };
}

export interface TrainExactOptions {
  /** Gradient steps (integer ≥ 0); a rejected step counts. */
  steps: number;
  /** Largest learning rate of the gradient descent (> 0). Default 0.2. */
  lr?: number;
  /** Seed of the initial weights N(0, initScale²) (ignored when `init` is given). Default 1. */
  seed?: number;
  /** Standard deviation of the initial weights. Default 0.1. */
  initScale?: number;
  /** Start from these parameters instead (copied). */
  init?: MappingRbm;
  /** How many history points to keep, evenly spaced, step 0 and the last included. Default 51. */
  points?: number;
  /** Called every few steps with the fraction done. */
  onProgress?: (fraction: number, point: TrainPoint) => void;
}

export interface TrainExactResult {
  initial: MappingRbm;
  rbm: MappingRbm;
  history: TrainPoint[];
  /** Steps whose update raised KL and were undone (the rate halved). */
  rejectedSteps: number;
  /** The learning rate at the end. */
  finalLr: number;
}

/**
 * Gradient descent on KL(P‖p_λ) with the exact gradient (exactObjective), starting from
 * w ~ N(0, initScale²), zero biases (or `init`). KL is known exactly at every step, so a step
 * that would raise it is undone and the rate halved (it then grows back by 10 % per accepted
 * step up to `lr`): KL never increases. Reports KL, ΔF and the spread of ln Tr_h e^T.
 * The offset ε has no gradient and stays as it is.
 */
export function trainExact(system: IsingSystem, hidden: number, options: TrainExactOptions): TrainExactResult {
  const { steps } = options;
  const lr = options.lr ?? 0.2;
  const seed = options.seed ?? 1;
  const initScale = options.initScale ?? 0.1;
  const points = options.points ?? 51;
  if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`lr must be finite and > 0, got ${lr}`);
  if (!(initScale >= 0 && Number.isFinite(initScale))) throw new RangeError(`initScale must be finite and ≥ 0, got ${initScale}`);
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`points must be an integer ≥ 2, got ${points}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer ≥ 0, got ${seed}`);
  const initial = options.init ? cloneMappingRbm(options.init) : randomMappingRbm(system.sites, hidden, seed, initScale);
  checkPair(system, initial);
  if (initial.hidden !== hidden) throw new RangeError(`init has ${initial.hidden} hidden units, asked for ${hidden}`);
  let rbm = cloneMappingRbm(initial);
  const data = dataDistribution(system);
  const history: TrainPoint[] = [];
  const keep = new Set<number>();
  for (let k = 0; k < points; k++) keep.add(Math.round((k * steps) / (points - 1)));
  const progressEvery = Math.max(1, Math.floor(steps / 100));
  let o = exactObjective(system, rbm, data);
  let rate = lr;
  let rejectedSteps = 0;
  for (let step = 0; ; step++) {
    const point: TrainPoint = { step, kl: o.kl, deltaF: o.deltaF, lnTraceStd: o.lnTraceStd, lnTraceStdP: o.lnTraceStdP, lnTraceRange: o.lnTraceRange };
    if (keep.has(step)) history.push(point);
    if (options.onProgress && (step % progressEvery === 0 || step === steps)) options.onProgress(steps === 0 ? 1 : step / steps, point);
    if (step === steps) break;
    const next = cloneMappingRbm(rbm);
    for (let k = 0; k < next.weights.length; k++) next.weights[k] -= rate * o.gradWeights[k];
    for (let j = 0; j < hidden; j++) next.hiddenBias[j] -= rate * o.gradHiddenBias[j];
    for (let i = 0; i < system.sites; i++) next.visibleBias[i] -= rate * o.gradVisibleBias[i];
    const candidate = exactObjective(system, next, data);
    if (candidate.kl <= o.kl) {
      rbm = next;
      o = candidate;
      rate = Math.min(lr, rate * 1.1);
    } else {
      rejectedSteps++;
      rate /= 2;
    }
  }
  return { initial, rbm, history, rejectedSteps, finalLr: rate };
}

// ---------------------------------------------------------------------------------------------
// KL = 0 ⇔ constant trace: constructed cases
// ---------------------------------------------------------------------------------------------

/**
 * The bond RBM: one hidden spin per bond (i, j), coupled to v_i and v_j with strength J,
 * cosh 2J = e^{2|K|} (i.e. tanh|K| = tanh² J), for K < 0 with opposite signs; no biases.
 * On a ring this is the paper's decimation network (§ IV.1, Fig. 2B): the joint (v, h) is a ring
 * of 2N spins at coupling J whose decimation (summing the h) gives the data's coupling K
 * (Eq. 24). Summing h_b gives 2cosh(J(v_i ± v_j)) = 2e^{|K|} e^{K v_i v_j}, so p_λ(v) = P(v)
 * exactly (KL = 0) and Tr_h e^T ≡ (2e^{|K|})^B for B bonds; `offset` is added to ε
 * (pass B(ln 2 + |K|) for Tr_h e^T ≡ 1). Needs B ≤ 8 hidden units.
 */
export function bondRbm(system: IsingSystem, offset = 0): MappingRbm {
  const B = system.bondCount;
  const rbm = zeroMappingRbm(system.sites, B);
  const absK = Math.abs(system.K);
  // J = ½ acosh(e^{2|K|}) = ½ log1p(x + √(x(x + 2))), x = e^{2|K|} − 1, exact near K = 0.
  const x = Math.expm1(2 * absK);
  const J = 0.5 * Math.log1p(x + Math.sqrt(x * (x + 2)));
  for (let b = 0; b < B; b++) {
    const i = system.bonds[2 * b];
    const j = system.bonds[2 * b + 1];
    // E ∋ v_i w_ib h_b: w = −J gives e^{+J h_b v_i}.
    rbm.weights[i * B + b] += -J;
    rbm.weights[j * B + b] += system.K >= 0 ? -J : J;
  }
  rbm.offset = offset;
  return rbm;
}

/** ln Tr_h e^T of the bond RBM with no offset: B(ln 2 + |K|), the same for every v. */
export function bondRbmLogTrace(system: IsingSystem): number {
  return system.bondCount * (Math.LN2 + Math.abs(system.K));
}

export interface KlTraceCase {
  name: string;
  description: string;
  system: string;
  K: number;
  hidden: number;
  kl: number;
  klDirect: number;
  deltaF: number;
  lnTrace: LnTraceSpread;
  eq21Residual: number;
  eq22Residual: number;
  /** KL < 1e-12. */
  klZero: boolean;
  /** range of ln Tr_h e^T < 1e-9. */
  constantTrace: boolean;
  /** |ΔF| < 1e-9. */
  deltaFZero: boolean;
  /** max |ln Tr_h e^T| < 1e-9. */
  exactRg: boolean;
}

export interface KlTraceEvidence {
  /** What holds, in the paper's conventions. */
  statement: string[];
  cases: KlTraceCase[];
  /** For every case: klZero === constantTrace. */
  klZeroIffConstantTrace: boolean;
  /** For every case: exactRg === (klZero && deltaFZero). */
  exactRgIffKlZeroAndDeltaFZero: boolean;
  /** Some case has ΔF = 0 without being an exact RG (Eq. 8's ⇒ fails). */
  deltaFZeroWithoutExactRg: boolean;
  /** Some case has KL = 0 without being an exact RG (KL = 0 ⇏ Tr ≡ 1). */
  klZeroWithoutExactRg: boolean;
}

export const KL_TRACE_STATEMENT = [
  'e^{−ΔF} = ⟨Tr_h e^T⟩_P and KL(P‖p_λ) = ln⟨Tr_h e^T⟩_P − ⟨ln Tr_h e^T⟩_P ≥ 0 (Jensen), exactly, for every λ.',
  'KL = 0 ⇔ Tr_h e^T(v) is the same for every v; the constant is e^{−ΔF}.',
  'Tr_h e^T ≡ 1 (exact RG, Eq. 9) ⇔ KL = 0 and ΔF = 0; so exact RG ⇒ KL = 0 and ⇒ ΔF = 0.',
  'ΔF = 0 alone only gives ⟨Tr_h e^T⟩_P = 1 (the ⇒ of Eq. 8 fails); KL = 0 alone only gives a constant trace (the decimation RBM with ε = 0 has Tr ≡ (2e^{|K|})^B).',
];

function caseOf(name: string, description: string, system: IsingSystem, rbm: MappingRbm): KlTraceCase {
  const m = computeMapping(system, rbm);
  return {
    name,
    description,
    system: system.spec,
    K: system.K,
    hidden: rbm.hidden,
    kl: m.kl,
    klDirect: m.klDirect,
    deltaF: m.deltaF,
    lnTrace: m.spread,
    eq21Residual: m.eq21Residual,
    eq22Residual: m.eq22Residual,
    klZero: m.kl < ZERO_KL,
    constantTrace: m.spread.range < ZERO_SPREAD,
    deltaFZero: Math.abs(m.deltaF) < ZERO_SPREAD,
    exactRg: m.spread.maxAbs < ZERO_SPREAD,
  };
}

/**
 * Evidence for "KL = 0 ⇔ constant trace" and for which directions of the exact-RG conditions
 * hold: KL = 0 machines (the decimation RBM on a ring, with and without the offset that makes
 * it an exact RG; the bond RBM on a 2×2 lattice; an uncoupled RBM on K = 0 data) against
 * KL > 0 machines (a perturbed decimation RBM, an exactly trained small RBM, and that same
 * machine shifted to ΔF = 0).
 */
export function showKlZeroIffConstantTrace(options: { K?: number; ringSites?: number; trainSteps?: number } = {}): KlTraceEvidence {
  const K = options.K ?? 0.4;
  const n = options.ringSites ?? 8;
  const ring = isingSystem({ kind: 'ring', n }, K);
  const cases: KlTraceCase[] = [];
  const deci = bondRbm(ring);
  cases.push(caseOf('decimation', 'the paper’s 1D decimation RBM (Fig. 2B), ε = 0: p_λ = P exactly', ring, deci));
  cases.push(caseOf('decimation + offset', `the same with ε = B(ln 2 + |K|): Tr_h e^T ≡ 1, an exact RG`, ring, bondRbm(ring, bondRbmLogTrace(ring))));
  const plaquette = isingSystem({ kind: 'lattice', rows: 2, cols: 2 }, K);
  cases.push(caseOf('bond RBM, 2×2 lattice', 'one hidden spin per bond of the periodic 2×2 lattice (8 bonds): p_λ = P exactly', plaquette, bondRbm(plaquette)));
  const free = isingSystem({ kind: 'ring', n }, 0);
  const uncoupled = randomMappingRbm(n, 3, 7, 0, 0);
  for (let j = 0; j < 3; j++) uncoupled.hiddenBias[j] = 0.3 * (j + 1);
  cases.push(caseOf('uncoupled', 'K = 0 data, W = 0 and hidden biases only: both uniform', free, uncoupled));
  const perturbed = cloneMappingRbm(deci);
  perturbed.weights[0] += 0.1;
  cases.push(caseOf('perturbed decimation', 'the decimation RBM with one weight moved by 0.1', ring, perturbed));
  const trained = trainExact(ring, 3, { steps: options.trainSteps ?? 200, seed: 3 }).rbm;
  cases.push(caseOf('trained', 'an RBM with 3 hidden units trained exactly on KL', ring, trained));
  const shifted = cloneMappingRbm(trained);
  shifted.offset -= computeMapping(ring, trained).deltaF;
  cases.push(caseOf('trained, ΔF = 0', 'the trained RBM with ε chosen so that ΔF = 0: Kadanoff’s criterion met, no exact RG', ring, shifted));
  return {
    statement: KL_TRACE_STATEMENT,
    cases,
    klZeroIffConstantTrace: cases.every((c) => c.klZero === c.constantTrace),
    exactRgIffKlZeroAndDeltaFZero: cases.every((c) => c.exactRg === (c.klZero && c.deltaFZero)),
    deltaFZeroWithoutExactRg: cases.some((c) => c.deltaFZero && !c.exactRg),
    klZeroWithoutExactRg: cases.some((c) => c.klZero && !c.exactRg),
  };
}

// ---------------------------------------------------------------------------------------------
// The experiment `rgflow mapping` and GET /api/mapping report
// ---------------------------------------------------------------------------------------------

export interface MappingExperimentOptions {
  /** 'ring:N' or 'lattice:RxC'. */
  system: string;
  K: number;
  hidden: number;
  steps: number;
  seed: number;
  /** Largest learning rate, default 0.2. */
  lr?: number;
  /** Default 0.1. */
  initScale?: number;
}

/** The figures of one RBM in the report (snake_case, as the CLI's JSON). */
export interface MappingFiguresJson {
  /** max_h |H^RG_λ[h] − H^RBM_λ[h]| (Eq. 21). */
  eq21_residual: number;
  /** max_v |ln Tr_h e^T − (H(v) − H^RBM_λ[v])| (Eq. 22). */
  eq22_residual: number;
  /** F^h_λ = −ln Tr_h e^{−H^RG_λ[h]}. */
  free_energy_hidden: number;
  /** ΔF = F^h_λ − F^v. */
  delta_f: number;
  /** KL(P‖p_λ), nats. */
  kl: number;
  ln_trace: { min: number; max: number; range: number; std: number; std_p: number; mean_p: number };
  constant_trace: boolean;
  exact_rg: boolean;
}

export interface MappingReport {
  system: string;
  sites: number;
  bonds: number;
  K: number;
  hidden: number;
  steps: number;
  seed: number;
  lr: number;
  init_scale: number;
  /** The conventions, in one line. */
  conventions: string;
  /** F^v = −ln Z of the data, fixed. */
  free_energy_visible: number;
  before: MappingFiguresJson;
  after: MappingFiguresJson;
  /** KL, ΔF and the P-weighted spread of ln Tr_h e^T along the way (≤ 51 points). */
  training: { step: number; kl: number; delta_f: number; ln_trace_std_p: number }[];
  /** Steps undone because they would have raised KL (the rate was halved). */
  rejected_steps: number;
  seconds: number;
}

export const MAPPING_CONVENTIONS =
  'v_i, h_j = ±1; H(v) = −K Σ_<ij> v_i v_j; E(v,h) = Σ_j b_j h_j + Σ_ij v_i w_ij h_j + Σ_i c_i v_i (Eq. 10); T = −E + H (Eq. 18); nats, β = 1';

function figuresJson(m: MappingResult): MappingFiguresJson {
  const v = verificationOf(m);
  const s = m.spread;
  return {
    eq21_residual: m.eq21Residual,
    eq22_residual: m.eq22Residual,
    free_energy_hidden: m.freeEnergyHidden,
    delta_f: m.deltaF,
    kl: m.kl,
    ln_trace: { min: s.min, max: s.max, range: s.range, std: s.std, std_p: s.stdP, mean_p: s.meanP },
    constant_trace: v.constantTrace,
    exact_rg: v.exactRg,
  };
}

/**
 * The whole experiment: a random RBM (seeded), its exact mapping figures, exact training by
 * gradient descent on KL, the figures again. RangeError on bad options.
 */
export function mappingExperiment(options: MappingExperimentOptions, onProgress?: (message: string, fraction: number) => void): MappingReport {
  const started = performance.now();
  const system = isingSystem(options.system, options.K);
  const lr = options.lr ?? 0.2;
  const initScale = options.initScale ?? 0.1;
  checkLayers(system.sites, options.hidden);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new RangeError(`seed must be an integer ≥ 0, got ${options.seed}`);
  const data = dataDistribution(system);
  const initial = randomMappingRbm(system.sites, options.hidden, options.seed, initScale);
  onProgress?.('mapping before training', 0);
  const before = computeMapping(system, initial, data);
  const trained = trainExact(system, options.hidden, {
    steps: options.steps,
    lr,
    init: initial,
    initScale,
    onProgress: onProgress ? (f) => onProgress(`exact training (${options.steps} steps)`, f) : undefined,
  });
  onProgress?.('mapping after training', 1);
  const after = computeMapping(system, trained.rbm, data);
  return {
    system: system.spec,
    sites: system.sites,
    bonds: system.bondCount,
    K: system.K,
    hidden: options.hidden,
    steps: options.steps,
    seed: options.seed,
    lr,
    init_scale: initScale,
    conventions: MAPPING_CONVENTIONS,
    free_energy_visible: before.freeEnergyVisible,
    before: figuresJson(before),
    after: figuresJson(after),
    training: trained.history.map((p) => ({ step: p.step, kl: p.kl, delta_f: p.deltaF, ln_trace_std_p: p.lnTraceStdP })),
    rejected_steps: trained.rejectedSteps,
    seconds: (performance.now() - started) / 1000,
  };
}
