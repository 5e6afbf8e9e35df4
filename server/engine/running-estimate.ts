/**
 * A running mean with an honest error bar (binningAnalysis of shared/physics/stats) over a
 * measurement stream that may go on for hours (one value per sweep), in bounded memory.
 *
 * The series is kept verbatim up to `capacity` values. When it fills, every second value is
 * dropped and from then on only every `stride`-th measurement is kept (stride doubles at each
 * fill). The mean of the kept values is an unbiased estimate and binningAnalysis gives its
 * honest error, so the pair stays consistent; once measurements are correlated over more
 * than a few sweeps the lost efficiency is negligible. τ_int is reported in sweeps, i.e.
 * stride × τ_int of the kept series, so after decimation it cannot resolve values below stride/2.
 */
import { binningAnalysis } from '../../shared/physics/stats.js';
import type { RunningEstimate } from '../../shared/protocol/events.js';

/** Fewest measurements for which an estimate is reported. */
export const MIN_SAMPLES = 64;

/** Everything a RunningBinnedMean holds, for checkpoints. */
export interface RunningMeanSnapshot {
  capacity: number;
  /** The kept values (length keptCount). */
  kept: Float64Array;
  stride: number;
  count: number;
}

export class RunningBinnedMean {
  private readonly kept: Float64Array;
  private keptCount = 0;
  private stride = 1;
  private count = 0;

  /** @param capacity most values kept; an even number ≥ MIN_SAMPLES (65 536 ≈ 1 min at 1000 sweeps/s) */
  constructor(capacity = 65_536) {
    if (!Number.isInteger(capacity) || capacity % 2 !== 0 || capacity < MIN_SAMPLES) {
      throw new RangeError(`capacity must be an even integer ≥ ${MIN_SAMPLES}, got ${capacity}`);
    }
    this.kept = new Float64Array(capacity);
  }

  /** Number of values added since the last reset. */
  get samples(): number {
    return this.count;
  }

  /** Forget every value. */
  reset(): void {
    this.keptCount = 0;
    this.stride = 1;
    this.count = 0;
  }

  add(value: number): void {
    if (this.count++ % this.stride !== 0) return;
    this.kept[this.keptCount++] = value;
    if (this.keptCount === this.kept.length) this.decimate();
  }

  /** Mean ± binning error of the kept values, τ_int in measurements; null below MIN_SAMPLES values. */
  estimate(): RunningEstimate | null {
    if (this.count < MIN_SAMPLES) return null;
    const binned = binningAnalysis(this.kept.subarray(0, this.keptCount));
    return {
      mean: binned.mean,
      err: binned.err,
      tauInt: this.stride * binned.tauInt,
      samples: this.count,
      converged: binned.converged,
    };
  }

  snapshot(): RunningMeanSnapshot {
    return { capacity: this.kept.length, kept: this.kept.slice(0, this.keptCount), stride: this.stride, count: this.count };
  }

  /** Continues exactly where `snapshot()` left off. */
  static fromSnapshot(s: RunningMeanSnapshot): RunningBinnedMean {
    const mean = new RunningBinnedMean(s.capacity);
    if (s.kept.length >= s.capacity) throw new RangeError(`a running mean keeps fewer than ${s.capacity} values, got ${s.kept.length}`);
    if (!Number.isSafeInteger(s.stride) || s.stride < 1 || !Number.isSafeInteger(s.count) || s.count < s.kept.length) {
      throw new RangeError('inconsistent running-mean counters');
    }
    mean.kept.set(s.kept);
    mean.keptCount = s.kept.length;
    mean.stride = s.stride;
    mean.count = s.count;
    return mean;
  }

  /** Keep values 0, 2, 4, … (measurements 0, 2·stride, …) and double the stride. */
  private decimate(): void {
    const half = this.keptCount >> 1;
    for (let i = 0; i < half; i++) this.kept[i] = this.kept[2 * i];
    this.keptCount = half;
    this.stride *= 2;
  }
}
