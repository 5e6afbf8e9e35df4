/**
 * Thermodynamic observables of the 2D Ising model from Monte Carlo time series, with errors.
 *
 * Input: one entry per measurement of the bond sum Σ_<ij> s_i s_j and the magnetization Σ_i s_i
 * of an N-site lattice at coupling K = βJ. Definitions (units of J, k_B = 1, per site):
 *   energy per site      e = −Σ_<ij> s_i s_j / N
 *   magnetization        m = Σ_i s_i / N,  reported as ⟨|m|⟩ (finite lattices never break symmetry)
 *   specific heat        c = K² N (⟨e²⟩ − ⟨e⟩²)              (= β² Var(E) / N)
 *   susceptibility       χ = K N (⟨m²⟩ − ⟨|m|⟩²)             (= β Var(|M|) / N, J = 1)
 *   Binder cumulant      U = 1 − ⟨m⁴⟩ / (3 ⟨m²⟩²)
 * Means get binning errors; the nonlinear c, χ, U get jackknife errors over 64 contiguous
 * blocks (bias-corrected estimates), which is honest when the run spans ≫ 64·2τ_int measurements.
 */
import { binningAnalysis, integratedAutocorrelationTime, jackknifeMeans, type Estimate } from './stats.js';

/** Number of jackknife blocks for the nonlinear observables. */
export const JACKKNIFE_BLOCKS = 64;

/** Observables with errors; `tauIntEnergy` is in units of measurements (sweeps if one per sweep). */
export interface IsingMeasurement {
  energyPerSite: Estimate;
  absMagnetization: Estimate;
  specificHeat: Estimate;
  susceptibility: Estimate;
  binder: Estimate;
  tauIntEnergy: { tau: number; err: number };
}

/**
 * Measure e, ⟨|m|⟩, c, χ and U with honest errors from time series of the bond sum and the
 * magnetization (see the file header for definitions). `N` = number of sites, `coupling` = K.
 */
export function measureIsing(input: {
  bondSum: ArrayLike<number>;
  magnetization: ArrayLike<number>;
  N: number;
  coupling: number;
}): IsingMeasurement {
  const { bondSum, magnetization, N, coupling: K } = input;
  const n = bondSum.length;
  if (magnetization.length !== n) throw new RangeError('bondSum and magnetization must have the same length');
  if (!(N > 0)) throw new RangeError(`N must be positive, got ${N}`);
  const e = new Float64Array(n);
  const absM = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    e[i] = -bondSum[i] / N;
    absM[i] = Math.abs(magnetization[i]) / N;
  }
  const energy = binningAnalysis(e);
  const mag = binningAnalysis(absM);
  // Shift e and |m| by their means before squaring: Var is shift-invariant and the
  // differences of large squares lose no digits.
  const de = new Float64Array(n);
  const de2 = new Float64Array(n);
  const dm = new Float64Array(n);
  const dm2 = new Float64Array(n);
  const m2 = new Float64Array(n);
  const m4 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    de[i] = e[i] - energy.mean;
    de2[i] = de[i] * de[i];
    dm[i] = absM[i] - mag.mean;
    dm2[i] = dm[i] * dm[i];
    m2[i] = absM[i] * absM[i];
    m4[i] = m2[i] * m2[i];
  }
  const specificHeat = jackknifeMeans([de, de2], JACKKNIFE_BLOCKS, (x) => K * K * N * (x[1] - x[0] * x[0]));
  const susceptibility = jackknifeMeans([dm, dm2], JACKKNIFE_BLOCKS, (x) => K * N * (x[1] - x[0] * x[0]));
  const binder = jackknifeMeans([m2, m4], JACKKNIFE_BLOCKS, (x) => 1 - x[1] / (3 * x[0] * x[0]));
  const tau = integratedAutocorrelationTime(e);
  return {
    energyPerSite: { mean: energy.mean, err: energy.err },
    absMagnetization: { mean: mag.mean, err: mag.err },
    specificHeat,
    susceptibility,
    binder,
    tauIntEnergy: { tau: tau.tau, err: tau.err },
  };
}
