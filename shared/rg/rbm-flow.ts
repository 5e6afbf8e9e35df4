/**
 * The "RBM flow" of Iso, Shiba & Yokoo (Phys. Rev. E 97, 053304 (2018), arXiv:1801.07172):
 * iterate one trained RBM's reconstruction on L × L Ising configurations,
 *
 *   v(0) = data,   h(k) ~ p(h | v(k)),   v(k+1) ~ p(v | h(k)),
 *
 * and read the temperature of the flowed configurations v(k) step by step. ISY trained one
 * RBM on configurations from T = 0 to 6 and found the flow approaching T_c ≈ 2.27 from both
 * sides — opposite to a conventional RG flow, which runs away from the critical point. The
 * visible and hidden counts need not be equal (ISY varied N_h); nothing here assumes so.
 *
 * Two modes (option `mode`):
 *  - 'sample' (default): h and v′ are Bernoulli draws, so every v(k) is a real spin
 *    configuration and its energy is well defined. This is block Gibbs sampling of the RBM
 *    itself, so for k → ∞ every start converges to the RBM's own stationary p(v): the flow's
 *    end point is the temperature the RBM's model distribution reads as, and the number of
 *    steps to get there measures the chain's mixing. ISY's "toward T_c" is a statement about
 *    where that point lies for an RBM trained on all temperatures.
 *  - 'mean-field': h = p(h | v), v′ = p(v | h) (probabilities passed on, a deterministic map
 *    per configuration); the energy is then that of the magnetizations m = 2p − 1,
 *    −(1/N)Σ m_i m_j, which understates |u| (⟨s s′⟩ ≠ m m′) and so reads hot.
 * ISY describe their flow as iterated reconstruction through the RBM; rgflow defaults to the
 * sampled form because only it yields configurations whose energy is an Ising energy.
 *
 * Thermometer: the energy per site u = −(1/N)Σ_<ij> s_i s_j of each configuration (periodic
 * L × L, 2N bonds), averaged over the samples, u = −2c, and K_eff solves u(K) = ū for Kaufman's
 * exact finite-L energy (the lattice the samples live on; coupling-inversion.ts), Onsager's
 * infinite-lattice energy reported beside it for comparison; T_eff = 1/K_eff. Errors: the
 * initial samples flow independently of one another, so the per-sample energies at a step are
 * as independent as the initial samples; δū = max(naive, binning plateau) over the samples in
 * their given order (covers initial samples taken from one chain too closely), err(K) the
 * half-width of K(ū ∓ δū), err(T) = err(K)/K². Energy alone is a partial thermometer: a
 * flowed configuration can have the energy of temperature T without being typical of T (the
 * magnetization is reported beside it to show this).
 *
 * Pure functions; no I/O.
 */
import type { ComputeBackend } from '../learn/backend.js';
import { createJsBackend } from '../learn/backends/js.js';
import type { Rbm } from '../learn/rbm.js';
import { Rng } from '../physics/rng.js';
import { binningAnalysis } from '../physics/stats.js';
import { couplingFromSeries, nearestNeighbourCorrelation, type SeriesCoupling } from './coupling-inversion.js';
import { squareSide } from './effective-coupling-2d.js';

export type FlowMode = 'sample' | 'mean-field';

export interface RbmFlowOptions {
  /** Default: the js backend. */
  backend?: ComputeBackend;
  /** Draws of the sampled flow; default Rng(1, 0). */
  rng?: Rng;
  /** Default 'sample' (see the file header). */
  mode?: FlowMode;
}

/** A mean with its one-standard-deviation error. */
export interface MeanErr {
  mean: number;
  err: number;
}

/** The temperature read off one step's configurations. */
export interface FlowPoint {
  /** 0 = the initial samples. */
  step: number;
  /** Energy per site ū ± δū (J). */
  energy: MeanErr;
  /** ⟨|m|⟩ ± error, for context (not used by the thermometer). */
  absMagnetization: MeanErr;
  /** K_eff ± err from Kaufman's finite-L energy (L the visible lattice). */
  kEff: number;
  kErr: number;
  /** T_eff = 1/K_eff ± err; null where K_eff ≤ 0 (no ferromagnetic temperature). */
  tEff: number | null;
  tErr: number | null;
  /** K_eff from Onsager's infinite-lattice energy, for comparison. */
  kEffOnsager: number;
  tEffOnsager: number | null;
}

/** Mean and max(naive, binning) error of a series. */
function meanErr(series: Float64Array): MeanErr {
  const n = series.length;
  let mean = 0;
  for (const x of series) mean += x;
  mean /= n;
  let v = 0;
  for (const x of series) v += (x - mean) ** 2;
  let err = n > 1 ? Math.sqrt(v / (n - 1) / n) : NaN;
  if (n >= 64) {
    const b = binningAnalysis(series);
    if (Number.isFinite(b.err) && b.err > err) err = b.err;
  }
  return { mean, err };
}

function temperature(k: SeriesCoupling): { tEff: number | null; tErr: number | null } {
  if (!(k.kEff > 0)) return { tEff: null, tErr: null };
  return { tEff: 1 / k.kEff, tErr: k.err / (k.kEff * k.kEff) };
}

/**
 * The thermometer alone: T_eff ± err of `rows` configurations (rows × L², 0/1 — or
 * probabilities in [0, 1], read as m = 2p − 1 — row-major) from their mean energy per site.
 */
export function readTemperature(configurations: ArrayLike<number>, rows: number, L: number, step = 0): FlowPoint {
  const N = L * L;
  if (!Number.isInteger(rows) || rows < 2) throw new RangeError(`rows must be an integer ≥ 2, got ${rows}`);
  if (configurations.length < rows * N) throw new RangeError(`${rows} rows of ${N} spins need ${rows * N} values, got ${configurations.length}`);
  const c = new Float64Array(rows);
  const energy = new Float64Array(rows);
  const absM = new Float64Array(rows);
  const row = new Float64Array(N);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < N; i++) {
      row[i] = configurations[r * N + i];
      m += 2 * row[i] - 1;
    }
    c[r] = nearestNeighbourCorrelation(row, L, true);
    energy[r] = -2 * c[r];
    absM[r] = Math.abs(m) / N;
  }
  const finite = couplingFromSeries(c, L);
  const infinite = couplingFromSeries(c);
  return {
    step,
    energy: meanErr(energy),
    absMagnetization: meanErr(absM),
    kEff: finite.kEff,
    kErr: finite.err,
    ...temperature(finite),
    kEffOnsager: infinite.kEff,
    tEffOnsager: temperature(infinite).tEff,
  };
}

const TWO_TO_MINUS_32 = 2.3283064365386963e-10;
const CHUNK = 256;

/**
 * The ISY flow of `initialSamples` (rows × visible, 0/1, row-major; rows = length / visible)
 * through `rbm` for `steps` reconstructions: steps + 1 points, step 0 being the initial
 * samples themselves. The visible units must form an L × L lattice (visible = L²).
 */
export function rbmFlow(rbm: Rbm, initialSamples: ArrayLike<number>, steps: number, options: RbmFlowOptions = {}): FlowPoint[] {
  const nv = rbm.visible;
  const nh = rbm.hidden;
  const L = squareSide(nv);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps must be an integer ≥ 0, got ${steps}`);
  if (initialSamples.length % nv !== 0) throw new RangeError(`initial samples hold ${initialSamples.length} values, not a multiple of ${nv} visible units`);
  const rows = initialSamples.length / nv;
  if (rows < 2) throw new RangeError(`the flow needs ≥ 2 initial samples, got ${rows}`);
  const backend = options.backend ?? createJsBackend();
  const rng = options.rng ?? new Rng(1, 0);
  const sample = (options.mode ?? 'sample') === 'sample';
  if (options.mode !== undefined && options.mode !== 'sample' && options.mode !== 'mean-field') throw new RangeError(`mode must be 'sample' or 'mean-field', got ${String(options.mode)}`);

  const v = Float32Array.from(initialSamples, (x) => (x > 0 ? 1 : 0));
  const h = new Float32Array(CHUNK * nh);
  const draw = (x: Float32Array, n: number): void => {
    for (let i = 0; i < n; i++) x[i] = rng.nextUint32() * TWO_TO_MINUS_32 < x[i] ? 1 : 0;
  };
  const points = [readTemperature(v, rows, L, 0)];
  for (let k = 1; k <= steps; k++) {
    for (let start = 0; start < rows; start += CHUNK) {
      const m = Math.min(CHUNK, rows - start);
      const block = v.subarray(start * nv, (start + m) * nv);
      rbm.hiddenProbabilities(backend, block, m, h);
      if (sample) draw(h, m * nh);
      rbm.visibleProbabilities(backend, h, m, block);
      if (sample) draw(block, m * nv);
    }
    points.push(readTemperature(v, rows, L, k));
  }
  return points;
}
