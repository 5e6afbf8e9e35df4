/**
 * Training benchmark (`rgflow bench train`): seconds per CD-1 epoch of the paper's first
 * layer (1600 visible → 400 hidden units, 20,000 samples, minibatches of 100) on every
 * compute backend that loads here, all measured in the same run as the js baseline.
 *
 * One epoch is what the trainer does per minibatch (shared/learn/trainer.ts), written out
 * here so the benchmark does not move when training options do:
 *   H₀ = σ(V₀W + b)                      gemm N·N  100×400×1600, biasSigmoid
 *   G  = V₀ᵀH₀ / B                        gemm Tᵀ·N 1600×400×100
 *   H₀ˢ ~ Bernoulli(H₀)                   JS, seeded Rng
 *   V₁ = σ(H₀ˢWᵀ + c)                     gemm N·Nᵀ 100×1600×400, biasSigmoid
 *   H₁ = σ(V₁W + b)                       gemm N·N, biasSigmoid
 *   G ← G − V₁ᵀH₁ / B                     gemm Tᵀ·N with β = 1
 *   Δ ← μΔ + ε(G − λ₁ sign W), W ← W + Δ  JS; biases likewise from column means
 * plus the minibatch gather of a shuffled order and the reconstruction error. The five
 * products are 5 · 2·100·1600·400 = 6.4·10⁸ FLOP per minibatch, 1.28·10¹¹ per epoch.
 * Data are random 0/1 (seeded): the point is timing. A backend that cannot finish an epoch
 * within `seconds` is timed on the minibatches it did finish and extrapolated (said so in
 * `extrapolated_from_batches`).
 */
import { cpus } from 'node:os';
import type { BackendName, ComputeBackend } from '../../shared/learn/backend.js';
import { Rng } from '../../shared/physics/rng.js';
import { createBackend, listBackends } from '../compute/select.js';

export interface TrainBenchBackend {
  name: BackendName;
  description: string;
  /** Wall time of one epoch (measured, or extrapolated from the minibatches timed). */
  seconds_per_epoch: number;
  /** The epoch's product FLOPs (1.28e11 for 20,000 samples) ÷ seconds_per_epoch, in 10⁹/s. */
  gflops: number;
  /** The same FLOPs ÷ the time spent inside gemm alone. */
  gemm_gflops: number;
  /** js seconds_per_epoch ÷ this backend's: the speed-up over plain TypeScript. */
  ratio_to_js: number | null;
  /** Present when the epoch was not run to the end: the number of minibatches timed. */
  extrapolated_from_batches?: number;
}

export interface TrainBenchResult {
  layer: '1600x400';
  samples: number;
  batch: number;
  backends: TrainBenchBackend[];
  /** Backends that could not be created here, and why. */
  unavailable: { name: BackendName; reason: string }[];
  fastest: BackendName;
  /** The reference figure: PyTorch, one CPU thread, this machine. */
  reference_pytorch_cpu_one_thread_seconds: 3.6;
  cpu: string;
  cores: number;
  node: string;
}

export interface TrainBenchOptions {
  /** Longest time to spend timing one backend, seconds (default 12); slower ones extrapolate. */
  seconds?: number;
  /** Training samples per epoch (default 20,000). */
  samples?: number;
  /** Only these backends (default: all available). */
  backends?: BackendName[];
  onProgress?: (message: string) => void;
}

const NV = 1600;
const NH = 400;
const B = 100;
const LEARNING_RATE = 0.1;
const MOMENTUM = 0.9;
const L1 = 2e-4;
const SEED = 20140101;
const TWO_TO_MINUS_32 = 2 ** -32;

/** The model and scratch of one CD-1 run: all row-major Float32Array. */
interface Cd1State {
  w: Float32Array; // NV×NH
  b: Float32Array; // NH hidden biases
  c: Float32Array; // NV visible biases
  dw: Float32Array;
  db: Float32Array;
  dc: Float32Array;
  g: Float32Array; // NV×NH gradient
  v0: Float32Array; // B×NV minibatch
  h0: Float32Array; // B×NH
  hs: Float32Array; // B×NH sampled
  v1: Float32Array; // B×NV
  h1: Float32Array; // B×NH
  rng: Rng;
}

function newState(): Cd1State {
  const rng = new Rng(SEED, 1);
  const w = Float32Array.from({ length: NV * NH }, () => 0.01 * rng.nextGaussian());
  return {
    w,
    b: new Float32Array(NH),
    c: new Float32Array(NV),
    dw: new Float32Array(NV * NH),
    db: new Float32Array(NH),
    dc: new Float32Array(NV),
    g: new Float32Array(NV * NH),
    v0: new Float32Array(B * NV),
    h0: new Float32Array(B * NH),
    hs: new Float32Array(B * NH),
    v1: new Float32Array(B * NV),
    h1: new Float32Array(B * NH),
    rng,
  };
}

/** Seeded random 0/1 data, samples × NV (each 32-bit draw gives 32 units). */
function randomData(samples: number): Float32Array {
  const rng = new Rng(SEED);
  const data = new Float32Array(samples * NV);
  for (let i = 0; i < data.length; i += 32) {
    const bits = rng.nextUint32();
    for (let j = 0; j < 32 && i + j < data.length; j++) data[i + j] = (bits >>> j) & 1;
  }
  return data;
}

/** A seeded Fisher–Yates permutation of 0 … n−1. */
function shuffledOrder(n: number, rng: Rng): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Σ_r x[r][j] · scale into out[j] (+=), x rows×cols. */
function addColumnMeans(x: Float32Array, rows: number, cols: number, scale: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let j = 0; j < cols; j++) out[j] += scale * x[off + j];
  }
}

/** One CD-1 minibatch update on rows `order[start … start+B)` of `data`; returns the squared error. */
function cd1Batch(backend: ComputeBackend, s: Cd1State, data: Float32Array, order: Uint32Array, start: number): number {
  for (let r = 0; r < B; r++) s.v0.set(data.subarray(order[start + r] * NV, (order[start + r] + 1) * NV), r * NV);
  backend.gemm(false, false, B, NH, NV, 1, s.v0, s.w, 0, s.h0);
  backend.biasSigmoid(s.h0, s.b, B, NH);
  backend.gemm(true, false, NV, NH, B, 1 / B, s.v0, s.h0, 0, s.g);
  for (let i = 0; i < B * NH; i++) s.hs[i] = s.rng.nextUint32() * TWO_TO_MINUS_32 < s.h0[i] ? 1 : 0;
  backend.gemm(false, true, B, NV, NH, 1, s.hs, s.w, 0, s.v1);
  backend.biasSigmoid(s.v1, s.c, B, NV);
  let err = 0;
  for (let i = 0; i < B * NV; i++) {
    const d = s.v0[i] - s.v1[i];
    err += d * d;
  }
  backend.gemm(false, false, B, NH, NV, 1, s.v1, s.w, 0, s.h1);
  backend.biasSigmoid(s.h1, s.b, B, NH);
  backend.gemm(true, false, NV, NH, B, -1 / B, s.v1, s.h1, 1, s.g);
  const gb = new Float32Array(NH);
  const gc = new Float32Array(NV);
  addColumnMeans(s.h0, B, NH, 1 / B, gb);
  addColumnMeans(s.h1, B, NH, -1 / B, gb);
  addColumnMeans(s.v0, B, NV, 1 / B, gc);
  addColumnMeans(s.v1, B, NV, -1 / B, gc);
  const epsL1 = LEARNING_RATE * L1;
  for (let i = 0; i < s.w.length; i++) {
    const wi = s.w[i];
    const d = MOMENTUM * s.dw[i] + LEARNING_RATE * s.g[i] - epsL1 * (+(wi > 0) - +(wi < 0));
    s.dw[i] = d;
    s.w[i] = wi + d;
  }
  for (let j = 0; j < NH; j++) s.b[j] += s.db[j] = MOMENTUM * s.db[j] + LEARNING_RATE * gb[j];
  for (let i = 0; i < NV; i++) s.c[i] += s.dc[i] = MOMENTUM * s.dc[i] + LEARNING_RATE * gc[i];
  return err;
}

const FLOPS_PER_BATCH = 5 * 2 * B * NV * NH;

/** Times one epoch (or as much of it as fits in `seconds`) on `backend`. */
function timeEpoch(
  backend: ComputeBackend,
  data: Float32Array,
  samples: number,
  seconds: number,
): { secondsPerEpoch: number; gemmSecondsPerEpoch: number; batches: number; complete: boolean } {
  const batchesPerEpoch = Math.floor(samples / B);
  const state = newState();
  const order = shuffledOrder(samples, new Rng(SEED, 2));
  let gemmMs = 0;
  const timed: ComputeBackend = {
    name: backend.name,
    description: backend.description,
    gemm(...args) {
      const t = performance.now();
      backend.gemm(...args);
      gemmMs += performance.now() - t;
    },
    biasSigmoid: (x, bias, rows, cols) => backend.biasSigmoid(x, bias, rows, cols),
    dispose: () => backend.dispose(),
  };
  for (let w = 0; w < 2; w++) cd1Batch(timed, state, data, order, w * B); // warm-up: JIT, kernel compilation
  gemmMs = 0;
  const start = performance.now();
  let batches = 0;
  while (batches < batchesPerEpoch) {
    cd1Batch(timed, state, data, order, batches * B);
    batches++;
    if ((performance.now() - start) / 1000 > seconds) break;
  }
  const elapsed = (performance.now() - start) / 1000;
  const scale = batchesPerEpoch / batches;
  return { secondsPerEpoch: elapsed * scale, gemmSecondsPerEpoch: (gemmMs / 1000) * scale, batches, complete: batches === batchesPerEpoch };
}

/** Runs the benchmark on every available backend (js first: it is the baseline). */
export async function runTrainBench(options: TrainBenchOptions = {}): Promise<TrainBenchResult> {
  const samples = options.samples ?? 20000;
  if (!Number.isInteger(samples) || samples < 2 * B) throw new RangeError(`samples must be an integer ≥ ${2 * B}, got ${samples}`);
  const seconds = options.seconds ?? 12;
  const progress = options.onProgress ?? (() => {});
  const data = randomData(samples);
  const epochFlops = FLOPS_PER_BATCH * Math.floor(samples / B);
  const names = (['js', 'wasm', 'native', 'gpu'] as const).filter((n) => !options.backends || options.backends.includes(n));
  const results: TrainBenchBackend[] = [];
  const unavailable: TrainBenchResult['unavailable'] = [];
  const listed = listBackends();
  for (const name of names) {
    if (!listed.find((b) => b.name === name)?.available) {
      unavailable.push({ name, reason: listed.find((b) => b.name === name)?.detail ?? 'unavailable' });
      continue;
    }
    let backend: ComputeBackend;
    try {
      backend = (await createBackend(name)).backend;
    } catch (error) {
      unavailable.push({ name, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    progress(`bench train: ${name} (${backend.description})…`);
    const t = timeEpoch(backend, data, samples, seconds);
    const entry: TrainBenchBackend = {
      name,
      description: backend.description,
      seconds_per_epoch: t.secondsPerEpoch,
      gflops: epochFlops / t.secondsPerEpoch / 1e9,
      gemm_gflops: epochFlops / t.gemmSecondsPerEpoch / 1e9,
      ratio_to_js: null,
      ...(t.complete ? {} : { extrapolated_from_batches: t.batches }),
    };
    results.push(entry);
    backend.dispose();
    progress(
      `bench train: ${name}: ${entry.seconds_per_epoch.toFixed(2)} s/epoch, ${entry.gflops.toFixed(1)} GFLOP/s` +
        (t.complete ? '' : ` (extrapolated from ${t.batches} minibatches)`),
    );
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (results.length === 0) throw new Error('no compute backend could be created');
  const js = results.find((r) => r.name === 'js');
  for (const r of results) r.ratio_to_js = js ? js.seconds_per_epoch / r.seconds_per_epoch : null;
  const fastest = results.reduce((a, b) => (b.seconds_per_epoch < a.seconds_per_epoch ? b : a)).name;
  return {
    layer: '1600x400',
    samples,
    batch: B,
    backends: results,
    unavailable,
    fastest,
    reference_pytorch_cpu_one_thread_seconds: 3.6,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
  };
}
