/**
 * The `gpu` compute backend: gpu.js kernels, one output cell per GPU thread.
 *
 * gpu.js transpiles each kernel to the mode it runs in: GLSL through headless-gl (Node) or
 * WebGL/WebGL2 (browser) where a GL context exists, else its WebAssembly SIMD backend
 * ('webasm'), else plain JavaScript ('cpu'). A product kernel is compiled once per
 * (transA, transB, m, n, k) and cached; the 2-D output (n columns × m rows) comes back as
 * m Float32Array rows, which are combined into C with α and β here.
 *
 * Its 'webgpu' mode is asynchronous only (every kernel call returns a Promise), so it cannot
 * serve this synchronous interface and is refused with an explanation.
 */
import { GPU } from 'gpu.js';
import type { ComputeBackend } from '../backend.js';

export const GPUJS_MODES = ['gpu', 'cpu', 'webgl', 'webgl2', 'headlessgl', 'webgpu', 'webasm'] as const;
/** 'gpu': gpu.js's own choice (headlessgl → webgl2 → webgl → webasm); the rest force one mode. */
export type GpuJsMode = (typeof GPUJS_MODES)[number];

export interface GpuJsBackendOptions {
  mode?: GpuJsMode;
}

/** A compiled gpu.js kernel: call it with the arguments; `.kernel` is the backend instance. */
type KernelRun = ((...args: unknown[]) => unknown) & {
  kernel?: { constructor: { mode?: string }; fallbackReason?: string | null };
  destroy?: (removeCanvasReferences?: boolean) => void;
};

/** Kernel sources: given as text so that no transpiler (tsx, esbuild) rewrites them. */
const GEMM_SOURCE: Record<string, string> = {
  // C[i][j] = Σ_p op(A)[i][p]·op(B)[p][j]; thread.y = i, thread.x = j.
  nn: `function(a, b) {
    let sum = 0;
    for (let p = 0; p < this.constants.k; p++) {
      sum += a[this.thread.y * this.constants.k + p] * b[p * this.constants.n + this.thread.x];
    }
    return sum;
  }`,
  nt: `function(a, b) {
    let sum = 0;
    for (let p = 0; p < this.constants.k; p++) {
      sum += a[this.thread.y * this.constants.k + p] * b[this.thread.x * this.constants.k + p];
    }
    return sum;
  }`,
  tn: `function(a, b) {
    let sum = 0;
    for (let p = 0; p < this.constants.k; p++) {
      sum += a[p * this.constants.m + this.thread.y] * b[p * this.constants.n + this.thread.x];
    }
    return sum;
  }`,
  tt: `function(a, b) {
    let sum = 0;
    for (let p = 0; p < this.constants.k; p++) {
      sum += a[p * this.constants.m + this.thread.y] * b[this.thread.x * this.constants.k + p];
    }
    return sum;
  }`,
};

/** σ(x[r][j] + bias[j]); thread.y = r, thread.x = j. */
const BIAS_SIGMOID_SOURCE = `function(x, bias) {
  return 1 / (1 + Math.exp(-(x[this.thread.y * this.constants.cols + this.thread.x] + bias[this.thread.x])));
}`;

const GL_MODES = ['headlessgl', 'webgl2', 'webgl'] as const;

/**
 * Whether gpu.js reaches a real GPU here, synchronously: a GL context through headless-gl
 * (Node, the optional `gl` package) or WebGL2/WebGL (browser). `mode` names the best mode
 * gpu.js would pick; without a GPU it is 'webasm' or 'cpu'. (WebGPU is asynchronous and
 * cannot serve the synchronous backend interface, so it is not considered.)
 */
export function gpuAvailable(): { mode: string; isGpu: boolean } {
  if (GPU.isHeadlessGLSupported) return { mode: 'headlessgl', isGpu: true };
  if (GPU.isWebGL2Supported) return { mode: 'webgl2', isGpu: true };
  if (GPU.isWebGLSupported) return { mode: 'webgl', isGpu: true };
  return { mode: GPU.isWebAssemblySupported ? 'webasm' : 'cpu', isGpu: false };
}

/** The mode a compiled kernel actually runs in (gpu.js may degrade webasm kernels to cpu). */
function kernelMode(run: KernelRun, fallback: string): string {
  return run.kernel?.constructor.mode ?? fallback;
}

/** Creates the gpu.js backend in `mode` (default 'gpu': gpu.js's own choice). */
export function createGpuJsBackend(options: GpuJsBackendOptions = {}): ComputeBackend {
  const mode = options.mode ?? 'gpu';
  if (mode === 'webgpu') {
    throw new Error("gpu.js 'webgpu' kernels are asynchronous (every call returns a Promise); the synchronous backend interface cannot use them");
  }
  const gpu = new GPU({ mode });
  const chosen = (gpu as unknown as { Kernel?: { mode?: string } }).Kernel?.mode ?? gpu.mode;
  const isGl = (GL_MODES as readonly string[]).includes(chosen);
  let activeMode = chosen;
  const kernels = new Map<string, KernelRun>();

  function kernelFor(key: string, make: () => KernelRun): KernelRun {
    let run = kernels.get(key);
    if (!run) {
      run = make();
      kernels.set(key, run);
    }
    return run;
  }

  const settings = (output: [number, number], constants: Record<string, number>, loop: number) => ({
    output,
    constants,
    precision: 'single' as const,
    tactic: 'precision' as const,
    loopMaxIterations: Math.max(loop + 1, 1000),
  });

  return {
    name: 'gpu',
    get description(): string {
      return `gpu.js, ${activeMode} mode${isGl ? ' (GPU)' : ' (CPU fallback, no GPU)'}`;
    },
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      if (m === 0 || n === 0) return;
      if (k === 0) {
        for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
        return;
      }
      const variant = `${transA ? 't' : 'n'}${transB ? 't' : 'n'}`;
      const run = kernelFor(`${variant}:${m}:${n}:${k}`, () =>
        gpu.createKernel(GEMM_SOURCE[variant], settings([n, m], { m, n, k }, k)) as unknown as KernelRun,
      );
      const rows = run(a.subarray(0, m * k), b.subarray(0, k * n)) as Float32Array[];
      activeMode = kernelMode(run, activeMode);
      for (let i = 0; i < m; i++) {
        const row = rows[i];
        const off = i * n;
        if (alpha === 1 && beta === 0) {
          c.set(row.subarray(0, n), off);
        } else if (beta === 0) {
          for (let j = 0; j < n; j++) c[off + j] = alpha * row[j];
        } else {
          for (let j = 0; j < n; j++) c[off + j] = alpha * row[j] + beta * c[off + j];
        }
      }
    },
    biasSigmoid(x, bias, rows, cols) {
      if (rows === 0 || cols === 0) return;
      const run = kernelFor(`sigmoid:${rows}:${cols}`, () =>
        gpu.createKernel(BIAS_SIGMOID_SOURCE, settings([cols, rows], { cols }, 0)) as unknown as KernelRun,
      );
      const out = run(x.subarray(0, rows * cols), bias.subarray(0, cols)) as Float32Array[];
      activeMode = kernelMode(run, activeMode);
      for (let r = 0; r < rows; r++) x.set(out[r].subarray(0, cols), r * cols);
    },
    dispose() {
      for (const run of kernels.values()) run.destroy?.();
      kernels.clear();
      void gpu.destroy();
    },
  };
}
