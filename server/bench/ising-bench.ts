/**
 * Ising Monte Carlo benchmark (`rgflow bench ising`): every figure is measured in the same run
 * as its baseline, on one thread.
 *
 * 1. Metropolis throughput, attempted spin flips per second, at L = 40 (the paper's size) and
 *    L = 1024: the multi-spin coded sampler against the one-byte-per-spin baseline, both on the
 *    same equilibrium configuration at K = 0.408 (throughput depends on the configuration:
 *    the exact acceptance draws random words only for spins that may be rejected).
 * 2. Effectively independent samples per second at K = 0.408, L = 40, for multi-spin Metropolis
 *    and Wolff: sweeps per second ÷ (2 τ_int), τ_int the integrated autocorrelation time of the
 *    energy in sweeps (Sokal's automatic window, c = 6; shared/physics/stats.ts), measured on
 *    an energy series recorded after each sweep.
 * Each timing runs for `seconds` after a warm-up (JIT compilation and equilibration).
 */
import { MultiSpinMetropolisSampler } from '../../shared/physics/metropolis.js';
import { ByteMetropolisSampler } from '../../shared/physics/metropolis-byte.js';
import { WolffSampler } from '../../shared/physics/wolff.js';
import type { IsingSampler } from '../../shared/physics/ising.js';
import { integratedAutocorrelationTime } from '../../shared/physics/stats.js';
import { Rng } from '../../shared/physics/rng.js';

export interface FlipRate {
  multi_spin_flips_per_second: number;
  byte_flips_per_second: number;
  /** multi-spin ÷ byte. */
  ratio: number;
}

export interface IndependentSampleRate {
  sweeps_per_second: number;
  /** τ_int of the energy per site, in sweeps (½ for independent sweeps). */
  tau_int_energy: number;
  /** Madras–Sokal standard error of tau_int_energy. */
  tau_int_energy_err: number;
  /** sweeps_per_second / (2 τ_int). */
  independent_samples_per_second: number;
  /** Its error, propagated from tau_int_energy_err. */
  independent_samples_per_second_err: number;
}

export interface IsingBenchResult {
  metropolis: { L40: FlipRate; L1024: FlipRate };
  independent_samples: { K: number; L: number; metropolis: IndependentSampleRate; wolff: IndependentSampleRate };
  node: string;
}

export interface IsingBenchOptions {
  /** Timing budget per measurement, seconds (default 1.5). */
  seconds?: number;
  onProgress?: (message: string) => void;
}

const K = 0.408;
const SEED = 20140101;

/** Let the event loop breathe (progress output, signals) between measurements. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Sweeps per second over ≈ `seconds`, in chunks of ≈ 20 ms so the clock is read rarely. */
function sweepsPerSecond(sampler: IsingSampler, seconds: number): number {
  let chunk = 1;
  for (;;) {
    const start = performance.now();
    sampler.sweep(chunk);
    if (performance.now() - start > 20) break;
    chunk *= 2;
  }
  const start = performance.now();
  let sweeps = 0;
  let elapsed = 0;
  do {
    sampler.sweep(chunk);
    sweeps += chunk;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds);
  return sweeps / elapsed;
}

/** Run for ≈ `seconds` (JIT warm-up and equilibration), at least `minSweeps` sweeps. */
function warmUp(sampler: IsingSampler, seconds: number, minSweeps: number): void {
  sampler.sweep(minSweeps);
  sweepsPerSecond(sampler, seconds);
}

async function flipRate(L: number, seconds: number, progress: (m: string) => void): Promise<FlipRate> {
  const N = L * L;
  const rng = new Rng(SEED, L);
  const start = Int8Array.from({ length: N }, () => (rng.nextInt32() < 0 ? -1 : 1));
  const multi = new MultiSpinMetropolisSampler(L, K, 0, SEED);
  multi.writeSpins(start);
  progress(`Metropolis L=${L}: warming up and equilibrating`);
  warmUp(multi, Math.min(0.5, seconds), L <= 64 ? 2000 : 200);
  const byte = new ByteMetropolisSampler(L, K, 0, SEED);
  const equilibrium = new Int8Array(N);
  multi.readSpins(equilibrium);
  byte.writeSpins(equilibrium);
  warmUp(byte, Math.min(0.5, seconds), 2);
  await yieldToEventLoop();
  progress(`Metropolis L=${L}: timing the multi-spin sampler`);
  const multiRate = sweepsPerSecond(multi, seconds) * N;
  await yieldToEventLoop();
  progress(`Metropolis L=${L}: timing the byte baseline`);
  const byteRate = sweepsPerSecond(byte, seconds) * N;
  await yieldToEventLoop();
  return { multi_spin_flips_per_second: multiRate, byte_flips_per_second: byteRate, ratio: multiRate / byteRate };
}

/** Energy per site after each of ≈ `seconds` worth of sweeps (at least 1000 of them). */
function energySeries(sampler: IsingSampler, seconds: number): Float64Array {
  const N = sampler.L * sampler.L;
  const values: number[] = [];
  const start = performance.now();
  while (values.length < 1000 || (performance.now() - start) / 1000 < seconds) {
    for (let i = 0; i < 64; i++) {
      sampler.sweep(1);
      values.push(-sampler.bondSum() / N);
    }
  }
  return Float64Array.from(values);
}

async function independentSamples(sampler: IsingSampler, seconds: number, progress: (m: string) => void): Promise<IndependentSampleRate> {
  const name = sampler.algorithm;
  progress(`independent samples, ${name}: warming up`);
  warmUp(sampler, Math.min(0.5, seconds), 1000);
  await yieldToEventLoop();
  progress(`independent samples, ${name}: timing sweeps`);
  const rate = sweepsPerSecond(sampler, seconds);
  await yieldToEventLoop();
  progress(`independent samples, ${name}: energy series for τ_int`);
  const { tau, err } = integratedAutocorrelationTime(energySeries(sampler, seconds), 6);
  await yieldToEventLoop();
  const independent = rate / (2 * tau);
  return {
    sweeps_per_second: rate,
    tau_int_energy: tau,
    tau_int_energy_err: err,
    independent_samples_per_second: independent,
    independent_samples_per_second_err: independent * (err / tau),
  };
}

/** Measures everything listed in the file header; takes about 10 × `seconds`. */
export async function runIsingBench(options: IsingBenchOptions = {}): Promise<IsingBenchResult> {
  const seconds = options.seconds ?? 1.5;
  if (!(seconds > 0)) throw new RangeError(`seconds must be positive, got ${seconds}`);
  const progress = options.onProgress ?? (() => {});
  const L40 = await flipRate(40, seconds, progress);
  const L1024 = await flipRate(1024, seconds, progress);
  const L = 40;
  const metropolis = await independentSamples(new MultiSpinMetropolisSampler(L, K, 0, SEED), seconds, progress);
  const wolff = await independentSamples(new WolffSampler(L, K, 0, SEED), seconds, progress);
  progress('done');
  return {
    metropolis: { L40, L1024 },
    independent_samples: { K, L, metropolis, wolff },
    node: process.version,
  };
}
