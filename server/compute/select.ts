/**
 * Choosing a compute backend: by name (`--backend js|wasm|native|gpu`), or 'auto', which
 * creates every backend that loads here, times each on the products of one CD-1 step of
 * the paper's first layer (B = 100 rows, 1600 visible × 400 hidden units) and keeps the
 * fastest. Losers are disposed; why a backend could not be created is recorded.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { BACKEND_NAMES, type BackendName, type ComputeBackend } from '../../shared/learn/backend.js';
import { createJsBackend } from '../../shared/learn/backends/js.js';
import { createGpuJsBackend, gpuAvailable } from '../../shared/learn/backends/gpujs.js';
import { Rng } from '../../shared/physics/rng.js';
import { loadNativeBackend, nativeBackendStatus } from './native-backend.js';
import { createWasmBackend } from './wasm-backend.js';
import { createWebGpuBridgeBackend } from './webgpu-backend.js';

export interface BackendMeasurement {
  name: BackendName;
  /** GFLOP/s on the CD-1 product workload; null when the backend could not be created. */
  gflops: number | null;
  error?: string;
}

export interface BackendInfo {
  name: BackendName;
  available: boolean;
  /** What it is, or why it is unavailable. */
  detail: string;
  /**
   * gpu only: whether gpu.js reaches a real GPU through GL. A WebGPU adapter is only known once
   * the backend is created (the probe is asynchronous); without either it runs its CPU fallback.
   */
  isGpu?: boolean;
}

export interface CreateBackendOptions {
  onProgress?: (message: string) => void;
  /** Timing budget per backend for 'auto', seconds (default 0.3). */
  seconds?: number;
  /** Threads for the native backend (default: the number of cores). */
  threads?: number;
}

/** Whether each backend can be created here, without creating it (cheap, synchronous). */
export function listBackends(): BackendInfo[] {
  const native = nativeBackendStatus();
  const gpu = gpuAvailable();
  let wasmDetail = 'TensorFlow.js wasm (XNNPACK, SIMD, 1 thread)';
  let wasmOk = typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object';
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    wasmOk = false;
    wasmDetail = '@tensorflow/tfjs-backend-wasm is not installed';
  }
  return [
    { name: 'js', available: true, detail: 'plain TypeScript, one thread' },
    { name: 'wasm', available: wasmOk, detail: wasmDetail },
    {
      name: 'native',
      available: native.available,
      detail: native.available ? `C++ SGEMM addon (${native.kernels?.join(', ')})` : (native.reason ?? 'unavailable'),
    },
    {
      name: 'gpu',
      available: true,
      detail: gpu.isGpu
        ? `gpu.js on a GPU (${gpu.mode})`
        : `gpu.js: WebGPU if an adapter answers (probed on creation), else its ${gpu.mode} CPU fallback`,
      isGpu: gpu.isGpu,
    },
  ];
}

/** Creates one backend by name; throws an Error saying why when it is unavailable here. */
async function createNamed(name: BackendName, options: CreateBackendOptions): Promise<ComputeBackend> {
  switch (name) {
    case 'js':
      return createJsBackend();
    case 'wasm':
      try {
        return await createWasmBackend();
      } catch (error) {
        throw new Error(`compute backend 'wasm' is unavailable: ${error instanceof Error ? error.message : String(error)}`);
      }
    case 'native': {
      const backend = loadNativeBackend({ threads: options.threads ?? availableParallelism() });
      if (!backend) throw new Error(`compute backend 'native' is unavailable: ${nativeBackendStatus().reason}`);
      return backend;
    }
    case 'gpu':
      return createGpuBackend();
  }
}

/**
 * The `gpu` backend, best first: gpu.js on a GL context (synchronous kernels); else its WebGPU
 * kernels through the worker bridge, where an adapter answers; else its CPU fallback, whose
 * description says so and why WebGPU was not used.
 */
async function createGpuBackend(): Promise<ComputeBackend> {
  if (gpuAvailable().isGpu) return createGpuJsBackend();
  let reason: string;
  try {
    return await createWebGpuBridgeBackend({ requireAdapter: true });
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  const fallback = createGpuJsBackend();
  return {
    name: 'gpu',
    get description(): string {
      return `${fallback.description}; ${reason}`;
    },
    gemm: fallback.gemm.bind(fallback),
    biasSigmoid: fallback.biasSigmoid.bind(fallback),
    dispose: fallback.dispose.bind(fallback),
  };
}

/** Row-major random matrices for one CD-1 step of a 1600×400 layer, from a fixed seed. */
function workload(): { v: Float32Array; w: Float32Array; h: Float32Array; v1: Float32Array; dw: Float32Array } {
  const B = 100;
  const nv = 1600;
  const nh = 400;
  const rng = new Rng(20140101);
  const v = new Float32Array(B * nv).map(() => (rng.nextUint32() & 1 ? 1 : 0));
  const w = new Float32Array(nv * nh).map(() => 0.02 * (rng.nextFloat() - 0.5));
  return { v, w, h: new Float32Array(B * nh), v1: new Float32Array(B * nv), dw: new Float32Array(nv * nh) };
}

const STEP_FLOPS = 3 * 2 * 100 * 1600 * 400;

/**
 * GFLOP/s of `backend` on the three products of a CD-1 step (H = V·W, V' = H·Wᵀ, ΔW = Vᵀ·H),
 * after one untimed warm-up step (kernel compilation, JIT). Steps repeat for ≈ `seconds`,
 * but a backend more than 10× slower than `bestSeconds` per step is timed on one step only.
 */
export function measureGflops(backend: ComputeBackend, seconds: number, bestSeconds = Infinity): number {
  const { v, w, h, v1, dw } = workload();
  const step = (): void => {
    backend.gemm(false, false, 100, 400, 1600, 1, v, w, 0, h);
    backend.gemm(false, true, 100, 1600, 400, 1, h, w, 0, v1);
    backend.gemm(true, false, 1600, 400, 100, 1, v, h, 0, dw);
  };
  step();
  let steps = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    step();
    steps++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds && elapsed / steps < 10 * bestSeconds);
  return (STEP_FLOPS * steps) / elapsed / 1e9;
}

/**
 * The backend named, or with 'auto' the fastest one here (measurements say what each did).
 * A named backend that cannot be created throws an Error saying why.
 */
export async function createBackend(
  name: BackendName | 'auto',
  options: CreateBackendOptions = {},
): Promise<{ backend: ComputeBackend; measurements?: BackendMeasurement[] }> {
  if (name !== 'auto') {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown compute backend '${name}' (expected auto | ${BACKEND_NAMES.join(' | ')})`);
    }
    return { backend: await createNamed(name, options) };
  }
  const seconds = options.seconds ?? 0.3;
  const measurements: BackendMeasurement[] = [];
  let best: { backend: ComputeBackend; gflops: number } | null = null;
  // Likely fastest first, so that slow backends stop after one timed step.
  for (const candidate of ['native', 'wasm', 'gpu', 'js'] as const) {
    let backend: ComputeBackend;
    try {
      backend = await createNamed(candidate, options);
    } catch (error) {
      measurements.push({ name: candidate, gflops: null, error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    try {
      const gflops = measureGflops(backend, seconds, best ? STEP_FLOPS / (best.gflops * 1e9) : Infinity);
      measurements.push({ name: candidate, gflops });
      options.onProgress?.(`backend ${candidate}: ${gflops.toFixed(1)} GFLOP/s (${backend.description})`);
      if (!best || gflops > best.gflops) {
        best?.backend.dispose();
        best = { backend, gflops };
      } else {
        backend.dispose();
      }
    } catch (error) {
      backend.dispose();
      measurements.push({ name: candidate, gflops: null, error: error instanceof Error ? error.message : String(error) });
    }
  }
  if (!best) throw new Error('no compute backend could be created');
  options.onProgress?.(`backend auto: chose ${best.backend.name}`);
  const order = (m: BackendMeasurement): number => BACKEND_NAMES.indexOf(m.name);
  return { backend: best.backend, measurements: measurements.sort((x, y) => order(x) - order(y)) };
}
