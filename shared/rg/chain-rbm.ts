/**
 * A Bernoulli RBM trained by contrastive divergence on exactly sampled periodic 1D Ising rings,
 * and the effective coupling of its hidden layer read as a spin chain — the learned counterpart
 * of one step of the exact decimation network (decimation1d.ts).
 *
 * The exact step (decimation1d.ts) is an RBM with M/2 hidden units whose fields sit on
 * consecutive even sites, weights (J, K → ∞, J), zero fields; its hidden layer is a ring at
 * J(1) = atanh(tanh² J) (Eq. 24). An unconstrained RBM trained to maximize likelihood (minimize
 * KL, Eq. 16) has no reason to find exactly that solution: the exact step needs K → ∞ (at any
 * finite weight that architecture only approximates the J ring), CD-k only approximates the
 * gradient, the L1 penalty shapes the weights, and nothing forces one unit per pair of sites,
 * evenly spaced, or copying a single spin rather than voting over a block. So the measurement below asks an empirical
 * question — do the hidden units behave like a coarse-grained chain, and at what coupling? —
 * and reports the diagnostics that say how far the learned map is from decimation:
 *   - each unit's field centre (circular mean of |w_ij| over visible sites on the ring) and width
 *     (circular standard deviation of w_ij², in sites; hiddenFields); units no wider than
 *     `maxWidth` are "localized", the flat rest go last and are left out of the correlation;
 *   - each unit's orientation sign(Σ_i w_ij): a unit with mostly negative weights is a flipped
 *     spin (the RBM's h ↔ 1 − h gauge), so its ±1 state is multiplied by −1 before correlating;
 *   - the gaps between consecutive centres (decimation: all 2) and the effective distance
 *     d = ln c / ln tanh J at which the original chain has the measured correlation
 *     (decimation: d = 2, i.e. J_eff = J(1)).
 * c = ⟨σ_a σ_b⟩ over consecutive localized units a, b in centre order around the ring, with
 * σ = ±1 states drawn from p(h | v) for fresh test chains (not the training data); each test
 * chain's average is one sample, so the error is the standard error over test chains for this
 * one trained RBM (it does not include the spread between training runs or seeds).
 */
import { chainCorrelation, decimateCoupling } from '../physics/exact/chain1d.js';
import { sampleChain } from '../physics/chain1d-sampler.js';
import { Rng } from '../physics/rng.js';
import type { Estimate } from '../physics/stats.js';
import type { ComputeBackend } from '../learn/backend.js';
import { createJsBackend } from '../learn/backends/js.js';
import { Rbm } from '../learn/rbm.js';
import { RbmTrainer } from '../learn/trainer.js';
import type { TrainingConfigInput } from '../learn/training-config.js';

export interface ChainRbmOptions {
  /** Coupling of the training rings (βJ), finite, |J| ≤ 300. */
  J: number;
  /** Ring length = visible units, even, ≥ 4. */
  N: number;
  /** Hidden units (default N/2, as in decimation). */
  hidden?: number;
  /** Training epochs (passes over the training chains), ≥ 1. */
  epochs: number;
  seed: number;
  /** Training chains (default 4000). */
  samples?: number;
  /** Fresh chains for the measurement (default 2000, ≥ 2). */
  testChains?: number;
  /** Overrides of the CD settings (defaults: shared/learn/training-config.ts, the paper's). */
  training?: TrainingConfigInput;
  /** Standard deviation of the initial weights (default 0.01). */
  initScale?: number;
  /** Largest field width (sites) that counts as localized (default 3). */
  maxWidth?: number;
  /** Compute backend (default: the plain TypeScript one, created and disposed here). */
  backend?: ComputeBackend;
  /** Called after each epoch with (epoch, epochs, reconstruction error). */
  onEpoch?: (epoch: number, epochs: number, reconstructionError: number) => void;
}

/** Where one hidden unit looks on the ring. */
export interface HiddenUnitField {
  unit: number;
  /** Circular mean of |w_ij| over visible sites, in sites, [0, N). NaN for an all-zero field. */
  centre: number;
  /** Circular standard deviation of w_ij² around the ring, in sites (Infinity for an all-zero field). */
  width: number;
  /** +1 or −1: sign of Σ_i w_ij (the unit's orientation as a spin). */
  orientation: number;
  /** max_i |w_ij| (Bernoulli units). */
  peakWeight: number;
  localized: boolean;
}

/** What readHiddenChain measures: the hidden layer of an RBM on rings at J, read as a spin chain. */
export interface HiddenChainReading {
  /** Coupling of the rings the RBM reads. */
  J: number;
  /** Visible units = ring length. */
  N: number;
  hidden: number;
  /** Fresh rings used for the measurement. */
  testChains: number;
  /** Largest width (sites) counted as localized. */
  maxWidth: number;
  /** J(1) = atanh(tanh² J) (Eq. 24): the exact decimated coupling. */
  J1Exact: number;
  /** atanh of the exact nearest-neighbour correlation of the decimated ring of N/2 spins at J(1). */
  J1ExactRing: number;
  /** All hidden units: localized ones in centre order, then the flat ones. */
  units: HiddenUnitField[];
  localizedUnits: number;
  localizedFraction: number;
  /** Units with orientation −1 among the localized ones. */
  flippedUnits: number;
  /** Gaps between consecutive localized centres around the ring (sites): mean, min, max; null with < 2 units. */
  centreGap: { mean: number; min: number; max: number } | null;
  /** ⟨σ_a σ_b⟩ over consecutive localized units (oriented); null with < 2 localized units. */
  c: Estimate | null;
  /** atanh(c), δJ = δc/(1 − c²); null when c is null or |c| = 1. */
  JEff: Estimate | null;
  /** (JEff − J1Exact)/δJ; null when undefined. */
  deviationSigma: number | null;
  /** d = ln c / ln tanh J (decimation: 2), δd = δc/(c |ln tanh J|); null unless 0 < c < 1 and J > 0. */
  effectiveDistance: Estimate | null;
  /** Mean over localized units of |⟨σ_j⟩| on the test chains (0 for a Z2-symmetric code); NaN with < 2 localized units. */
  meanAbsHiddenMagnetization: number;
}

/** trainChainRbm's result: the training run, the reading of its hidden layer, and the model. */
export interface ChainRbmResult extends HiddenChainReading {
  epochs: number;
  /** Training rings. */
  samples: number;
  seed: number;
  /** Mean squared one-step reconstruction error per unit in the last epoch. */
  reconstructionError: number;
  /** The trained model (not part of any JSON). */
  rbm: Rbm;
}

export interface ReadHiddenChainOptions {
  /** Coupling of the rings to read (βJ), finite, |J| ≤ 300. */
  J: number;
  /** Fresh rings (≥ 2). */
  chains: number;
  /** Generator for the rings and the hidden samples. */
  rng: Rng;
  /** Largest field width (sites) that counts as localized (default 3). */
  maxWidth?: number;
  /** Compute backend (default: the plain TypeScript one, created and disposed here). */
  backend?: ComputeBackend;
}

/**
 * Reads the hidden layer of any Bernoulli RBM over a ring of rbm.visible spins as a spin chain
 * (see the header): fields, orientation, centre order, then ⟨σ_a σ_b⟩ of consecutive localized
 * units with σ ~ p(h | v) on `chains` fresh exact rings at J, and J_eff = atanh of it.
 */
export function readHiddenChain(rbm: Rbm, options: ReadHiddenChainOptions): HiddenChainReading {
  const { J, chains, rng } = options;
  const maxWidth = options.maxWidth ?? 3;
  const N = rbm.visible;
  if (!Number.isFinite(J) || Math.abs(J) > 300) throw new RangeError(`J must be finite with |J| ≤ 300, got ${J}`);
  if (N < 4 || N % 2 !== 0) throw new RangeError(`the RBM needs an even number ≥ 4 of visible units (ring sites), got ${N}`);
  if (!Number.isSafeInteger(chains) || chains < 2) throw new RangeError(`chains must be an integer ≥ 2, got ${chains}`);
  if (!(maxWidth >= 0)) throw new RangeError(`maxWidth must be ≥ 0 sites, got ${maxWidth}`);
  const ownBackend = options.backend === undefined;
  const backend = options.backend ?? createJsBackend();
  try {
    const fields = hiddenFields(rbm, maxWidth);
    const localized = fields.filter((f) => f.localized).sort((a, b) => a.centre - b.centre);
    const flat = fields.filter((f) => !f.localized);
    const m = measureHiddenChain(rbm, backend, localized, N, J, chains, rng);
    const J1 = decimateCoupling(J);
    const c = localized.length >= 2 ? m.c : null;
    const JEff = c !== null && Math.abs(c.mean) < 1 ? { mean: Math.atanh(c.mean), err: c.err / (1 - c.mean * c.mean) } : null;
    const lnT = Math.log(Math.tanh(J));
    const effectiveDistance =
      c !== null && c.mean > 0 && c.mean < 1 && J > 0 ? { mean: Math.log(c.mean) / lnT, err: c.err / (c.mean * Math.abs(lnT)) } : null;
    const z = JEff === null ? NaN : (JEff.mean - J1) / JEff.err;
    return {
      J,
      N,
      hidden: rbm.hidden,
      testChains: chains,
      maxWidth,
      J1Exact: J1,
      J1ExactRing: Math.atanh(chainCorrelation(J1, 1, N / 2)),
      units: [...localized, ...flat],
      localizedUnits: localized.length,
      localizedFraction: localized.length / rbm.hidden,
      flippedUnits: localized.filter((f) => f.orientation < 0).length,
      centreGap: localized.length >= 2 ? gaps(localized.map((f) => f.centre), N) : null,
      c,
      JEff,
      deviationSigma: Number.isFinite(z) ? z : null,
      effectiveDistance,
      meanAbsHiddenMagnetization: m.meanAbsMagnetization,
    };
  } finally {
    if (ownBackend) backend.dispose();
  }
}

/**
 * Trains a Bernoulli RBM (visible x = (s + 1)/2) on `samples` exactly sampled rings at J, then
 * measures the effective coupling of its hidden layer on `testChains` fresh rings. Deterministic
 * for a given seed and backend.
 */
export function trainChainRbm(options: ChainRbmOptions): ChainRbmResult {
  const { J, N, epochs, seed } = options;
  const hidden = options.hidden ?? N / 2;
  const samples = options.samples ?? 4000;
  const testChains = options.testChains ?? 2000;
  const maxWidth = options.maxWidth ?? 3;
  if (!Number.isFinite(J) || Math.abs(J) > 300) throw new RangeError(`J must be finite with |J| ≤ 300, got ${J}`);
  if (!Number.isSafeInteger(N) || N < 4 || N % 2 !== 0) throw new RangeError(`N must be an even integer ≥ 4, got ${N}`);
  if (!Number.isSafeInteger(hidden) || hidden < 2) throw new RangeError(`hidden must be an integer ≥ 2, got ${hidden}`);
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be an integer ≥ 1, got ${epochs}`);
  if (!Number.isSafeInteger(samples) || samples < 1) throw new RangeError(`samples must be an integer ≥ 1, got ${samples}`);
  if (!Number.isSafeInteger(testChains) || testChains < 2) throw new RangeError(`testChains must be an integer ≥ 2, got ${testChains}`);
  if (!(maxWidth >= 0)) throw new RangeError(`maxWidth must be ≥ 0 sites, got ${maxWidth}`);

  const dataRng = new Rng(seed, 0);
  const trainRng = new Rng(seed, 1);
  const testRng = new Rng(seed, 2);
  const data = drawChains(N, J, samples, dataRng);
  const ownBackend = options.backend === undefined;
  const backend = options.backend ?? createJsBackend();
  try {
    const rbm = Rbm.random(N, hidden, trainRng, options.initScale ?? 0.01);
    const trainer = new RbmTrainer(rbm, options.training ?? {}, backend, trainRng);
    let reconstructionError = NaN;
    for (let e = 1; e <= epochs; e++) {
      reconstructionError = trainer.trainEpoch(data, samples).reconstructionError;
      options.onEpoch?.(e, epochs, reconstructionError);
    }
    const reading = readHiddenChain(rbm, { J, chains: testChains, rng: testRng, maxWidth, backend });
    return { ...reading, epochs, samples, seed, reconstructionError, rbm };
  } finally {
    if (ownBackend) backend.dispose();
  }
}

/** `count` rings of N spins at J as Bernoulli rows (1 = up), count × N. */
function drawChains(N: number, J: number, count: number, rng: Rng): Float32Array {
  const s = new Int8Array(N);
  const out = new Float32Array(count * N);
  for (let r = 0; r < count; r++) {
    sampleChain(N, J, rng, s, true);
    for (let i = 0; i < N; i++) out[r * N + i] = s[i] > 0 ? 1 : 0;
  }
  return out;
}

/**
 * Centre, width and orientation of every hidden unit's weight column on the ring. The centre is
 * the circular mean of |w_ij| (as fieldCentre does on the torus); the width is the circular
 * standard deviation (N/2π)·√(−2 ln R₂) of the w_ij² distribution, R₂ = |Σ_i w_ij² e^{2πi·i/N}|/Σ_i w_ij²
 * (w² rather than |w| so that the many small L1-shrunk weights far away do not swamp a sharp
 * bump): 0 for one site, ≈ 1 for a block of four, ≳ N/4 for a flat field.
 */
export function hiddenFields(rbm: Rbm, maxWidth = 3): HiddenUnitField[] {
  const { visible: N, hidden: nh, weights: w } = rbm;
  const k = (2 * Math.PI) / N;
  const out: HiddenUnitField[] = [];
  for (let j = 0; j < nh; j++) {
    let s1 = 0;
    let c1 = 0;
    let s2 = 0;
    let c2 = 0;
    let total2 = 0;
    let signed = 0;
    let peak = 0;
    for (let i = 0; i < N; i++) {
      const x = w[i * nh + j];
      const a = Math.abs(x);
      const sin = Math.sin(k * i);
      const cos = Math.cos(k * i);
      s1 += a * sin;
      c1 += a * cos;
      s2 += x * x * sin;
      c2 += x * x * cos;
      total2 += x * x;
      signed += x;
      if (a > peak) peak = a;
    }
    let centre = total2 > 0 ? Math.atan2(s1, c1) / k : NaN;
    if (centre < 0) centre += N;
    if (centre >= N) centre -= N;
    const R2 = total2 > 0 ? Math.min(1, Math.hypot(s2, c2) / total2) : 0;
    const width = R2 > 0 ? Math.sqrt(-2 * Math.log(R2)) / k : Infinity;
    out.push({ unit: j, centre, width, orientation: signed < 0 ? -1 : 1, peakWeight: peak, localized: width <= maxWidth });
  }
  return out;
}

function gaps(centres: number[], N: number): { mean: number; min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let a = 0; a < centres.length; a++) {
    // Centres are sorted; the last gap wraps round the ring.
    const g = a + 1 < centres.length ? centres[a + 1] - centres[a] : centres[0] + N - centres[a];
    if (g < min) min = g;
    if (g > max) max = g;
  }
  return { mean: N / centres.length, min, max };
}

/**
 * Draws `chains` fresh rings, samples h ~ p(h | v) for each, and averages σ_a σ_b over consecutive
 * localized units (ring order, oriented); also the mean |⟨σ_j⟩| of those units.
 */
function measureHiddenChain(
  rbm: Rbm,
  backend: ComputeBackend,
  order: HiddenUnitField[],
  N: number,
  J: number,
  chains: number,
  rng: Rng,
): { c: Estimate; meanAbsMagnetization: number } {
  const nh = rbm.hidden;
  const U = order.length;
  const batch = 256;
  const s = new Int8Array(N);
  const v = new Float32Array(batch * N);
  const p = new Float32Array(batch * nh);
  const magnetization = new Float64Array(U);
  let sum = 0;
  let sumSq = 0;
  let first = NaN;
  for (let done = 0; done < chains; done += batch) {
    const rows = Math.min(batch, chains - done);
    for (let r = 0; r < rows; r++) {
      sampleChain(N, J, rng, s, true);
      for (let i = 0; i < N; i++) v[r * N + i] = s[i] > 0 ? 1 : 0;
    }
    rbm.hiddenProbabilities(backend, v, rows, p);
    for (let r = 0; r < rows; r++) {
      if (U < 2) continue;
      let acc = 0;
      let prev = 0;
      let first0 = 0;
      for (let a = 0; a < U; a++) {
        const u = order[a];
        const sigma = (rng.nextFloat() < p[r * nh + u.unit] ? 1 : -1) * u.orientation;
        magnetization[a] += sigma;
        if (a === 0) first0 = sigma;
        else acc += prev * sigma;
        prev = sigma;
      }
      // Close the ring (for two units, the pair counted twice, as in a 2-ring).
      acc += prev * first0;
      const x = acc / U;
      if (Number.isNaN(first)) first = x;
      sum += x - first;
      sumSq += (x - first) ** 2;
    }
  }
  if (U < 2) return { c: { mean: NaN, err: NaN }, meanAbsMagnetization: NaN };
  const meanD = sum / chains;
  const variance = Math.max(0, (sumSq - chains * meanD * meanD) / (chains - 1));
  let absM = 0;
  for (let a = 0; a < U; a++) absM += Math.abs(magnetization[a] / chains);
  return { c: { mean: first + meanD, err: Math.sqrt(variance / chains) }, meanAbsMagnetization: absM / U };
}
