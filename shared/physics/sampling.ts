/**
 * The sampling pipeline behind `rgflow sample` and the live engine: burn in, measure the
 * autocorrelation time in a pilot run, then store decorrelated configurations while
 * measuring the energy and magnetization after every sweep.
 *
 * Rules (units: sweeps, as defined by IsingSampler.sweep):
 *   burn-in  1000 sweeps (or `burnInSweeps`), then the pilot, then more burn-in until the chain
 *            has run max(1000, 20·τ_int) sweeps before the first stored sample.
 *   pilot    2000 sweeps of energy measurements (or `pilotSweeps`); without an explicit
 *            `pilotSweeps` it doubles (up to 128 000) until it spans ≥ 100·τ_int.
 *            τ_int by Sokal's windowing (stats.ts).
 *   spacing  ceil(2·τ_int) sweeps between stored samples (≥ 1), or `spacing` (then no pilot).
 * The stored samples are spaced; the observables use every sweep of the sampling phase.
 */
import type { IsingSampler } from './ising.js';
import { measureIsing, type IsingMeasurement } from './observables.js';
import { integratedAutocorrelationTime } from './stats.js';

export const DEFAULT_BURN_IN_SWEEPS = 1000;
export const DEFAULT_PILOT_SWEEPS = 2000;
export const MAX_PILOT_SWEEPS = 128_000;
/** The chain runs at least this many τ_int before the first stored sample. */
export const BURN_IN_TAUS = 20;
/** An automatic pilot grows until it spans this many τ_int. */
export const PILOT_TAUS = 100;

/** Progress of one phase; `done` and `total` in sweeps (total may grow while a pilot doubles). */
export interface SampleProgress {
  phase: 'burn-in' | 'pilot' | 'sampling';
  done: number;
  total: number;
}

export interface SampleOptions {
  sampler: IsingSampler;
  /** Number of configurations to store. */
  samples: number;
  /** Initial burn-in in sweeps (default 1000); extended to 20·τ_int only when not given. */
  burnInSweeps?: number;
  /** Sweeps between stored samples; when given, no pilot runs. */
  spacing?: number;
  /** Fixed pilot length in sweeps; default 2000, doubling as needed. */
  pilotSweeps?: number;
  /** Called at the start and end of each phase and at most about every 1% in between. */
  onProgress?: (p: SampleProgress) => void;
}

export interface SampleRun {
  /** Stored configurations, shape [samples, N] row-major, 1 = spin up, 0 = spin down. */
  spins: Uint8Array;
  samples: number;
  /** Sites per configuration, L·L. */
  N: number;
  L: number;
  /** Sweeps between consecutive stored samples. */
  spacing: number;
  /** Sweeps discarded for equilibration, excluding the pilot. */
  burnInSweeps: number;
  /** Sweeps of the pilot run (0 when `spacing` was given). */
  pilotSweeps: number;
  /** Sweeps of the sampling phase = samples·spacing = length of the series below. */
  sweeps: number;
  /** Σ_<ij> s_i s_j after every sampling sweep. */
  bondSum: Float64Array;
  /** Σ_i s_i after every sampling sweep. */
  magnetization: Float64Array;
  /** Observables with errors over all sampling sweeps (τ_int in sweeps). */
  measurement: IsingMeasurement;
  /** τ_int of the energy from the pilot, in sweeps (NaN when no pilot ran). */
  tauIntPilot: number;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

/** Run `total` sweeps in chunks of about 1%, reporting progress after each chunk. */
function runPhase(
  sampler: IsingSampler,
  phase: SampleProgress['phase'],
  total: number,
  onProgress: SampleOptions['onProgress'],
  each?: (index: number) => void,
): void {
  const chunk = Math.max(1, Math.floor(total / 100));
  onProgress?.({ phase, done: 0, total });
  for (let done = 0; done < total; ) {
    const n = Math.min(chunk, total - done);
    if (each) {
      for (let i = 0; i < n; i++) {
        sampler.sweep(1);
        each(done + i);
      }
    } else sampler.sweep(n);
    done += n;
    onProgress?.({ phase, done, total });
  }
}

/**
 * Equilibrate `sampler`, choose the spacing from a pilot (unless given) and collect `samples`
 * configurations; see the file header for the rules. Deterministic given the sampler's seed.
 */
export function sampleIsing(options: SampleOptions): SampleRun {
  const { sampler, samples, onProgress } = options;
  checkCount('samples', samples, 1);
  if (options.burnInSweeps !== undefined) checkCount('burnInSweeps', options.burnInSweeps, 0);
  if (options.spacing !== undefined) checkCount('spacing', options.spacing, 1);
  if (options.pilotSweeps !== undefined) checkCount('pilotSweeps', options.pilotSweeps, 2);
  const L = sampler.L;
  const N = L * L;

  let burnInSweeps = options.burnInSweeps ?? DEFAULT_BURN_IN_SWEEPS;
  runPhase(sampler, 'burn-in', burnInSweeps, onProgress);

  let spacing = options.spacing ?? 0;
  let tauIntPilot = NaN;
  let pilotSweeps = 0;
  if (options.spacing === undefined) {
    const fixed = options.pilotSweeps !== undefined;
    let target = options.pilotSweeps ?? DEFAULT_PILOT_SWEEPS;
    let energy = new Float64Array(target);
    for (;;) {
      const from = pilotSweeps;
      const n = target - from;
      runPhase(sampler, 'pilot', n, (p) => onProgress?.({ phase: 'pilot', done: from + p.done, total: target }), (i) => {
        energy[from + i] = sampler.bondSum();
      });
      pilotSweeps = target;
      tauIntPilot = integratedAutocorrelationTime(energy).tau;
      if (fixed || target >= MAX_PILOT_SWEEPS || target >= PILOT_TAUS * tauIntPilot) break;
      target = Math.min(MAX_PILOT_SWEEPS, 2 * target);
      const grown = new Float64Array(target);
      grown.set(energy);
      energy = grown;
    }
    spacing = Number.isFinite(tauIntPilot) ? Math.max(1, Math.ceil(2 * tauIntPilot)) : 1;
    if (options.burnInSweeps === undefined) {
      const extra = Math.max(0, Math.ceil(BURN_IN_TAUS * tauIntPilot) - burnInSweeps - pilotSweeps);
      if (extra > 0) runPhase(sampler, 'burn-in', extra, onProgress);
      burnInSweeps += extra;
    }
  }

  const sweeps = samples * spacing;
  const spins = new Uint8Array(samples * N);
  const bondSum = new Float64Array(sweeps);
  const magnetization = new Float64Array(sweeps);
  const scratch = new Int8Array(N);
  runPhase(sampler, 'sampling', sweeps, onProgress, (i) => {
    bondSum[i] = sampler.bondSum();
    magnetization[i] = sampler.magnetizationSum();
    if ((i + 1) % spacing === 0) {
      sampler.readSpins(scratch);
      const offset = ((i + 1) / spacing - 1) * N;
      for (let j = 0; j < N; j++) spins[offset + j] = (scratch[j] + 1) >> 1;
    }
  });

  const measurement = measureIsing({ bondSum, magnetization, N, coupling: sampler.coupling });
  return { spins, samples, N, L, spacing, burnInSweeps, pilotSweeps, sweeps, bondSum, magnetization, measurement, tauIntPilot };
}
