/**
 * The `native` compute backend: rgflow's C++ SGEMM addon (native/src, built by
 * native/build.mjs during `npm run build`) loaded through Node-API. Packed, cache-blocked
 * products with AVX-512 / AVX2+FMA micro-kernels chosen at run time and a pool of threads
 * (default: one per core). Float32Arrays go to C++ as they are — no copies.
 *
 * The addon is optional: where it was not built (no compiler at install time) or fails to
 * load, `loadNativeBackend()` returns null and `nativeBackendStatus()` says why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComputeBackend } from '../../shared/learn/backend.js';

/** What rgflow_native.node exports (see native/src/addon.cc). */
interface NativeBinding {
  create(threads: number, kernel?: string): unknown;
  info(ctx: unknown): { kernel: string; mr: number; nr: number; threads: number };
  gemm(
    ctx: unknown,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  biasSigmoid(ctx: unknown, x: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  dispose(ctx: unknown): void;
  kernels(): string[];
}

export interface NativeBackendOptions {
  /** Worker threads per product, caller included (default: the number of cores). */
  threads?: number;
  /** Force a micro-kernel: 'avx512', 'avx2-fma' or 'portable' (default: the best this CPU runs). */
  kernel?: string;
}

export interface NativeStatus {
  available: boolean;
  /** Path of the addon that was (or would be) loaded. */
  path: string;
  /** Why it is unavailable; absent when available. */
  reason?: string;
  /** Micro-kernels this CPU runs, best first (when available). */
  kernels?: string[];
}

/** The repository root: the nearest ancestor of this module holding native/binding.gyp. */
function addonPath(): string {
  if (process.env.RGFLOW_NATIVE_ADDON) return process.env.RGFLOW_NATIVE_ADDON;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) return join(dir, 'native', 'build', 'Release', 'rgflow_native.node');
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'native', 'build', 'Release', 'rgflow_native.node');
    dir = parent;
  }
}

let cached: { binding: NativeBinding | null; status: NativeStatus } | null = null;

function loadBinding(): { binding: NativeBinding | null; status: NativeStatus } {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    cached = {
      binding: null,
      status: { available: false, path, reason: 'addon not built (needs a C++ compiler; run `node native/build.mjs`)' },
    };
    return cached;
  }
  try {
    const binding = createRequire(import.meta.url)(path) as NativeBinding;
    cached = { binding, status: { available: true, path, kernels: binding.kernels() } };
  } catch (error) {
    cached = {
      binding: null,
      status: { available: false, path, reason: `addon failed to load: ${error instanceof Error ? error.message : String(error)}` },
    };
  }
  return cached;
}

/** Whether the addon loads here, and if not, why. */
export function nativeBackendStatus(): NativeStatus {
  return loadBinding().status;
}

/** The native backend, or null where the addon is absent or does not load (see nativeBackendStatus). */
export function loadNativeBackend(options: NativeBackendOptions = {}): ComputeBackend | null {
  const { binding } = loadBinding();
  if (!binding) return null;
  const threads = options.threads ?? availableParallelism();
  const ctx = binding.create(threads, options.kernel);
  const info = binding.info(ctx);
  return {
    name: 'native',
    description: `C++ SGEMM addon, ${info.kernel} ${info.mr}×${info.nr} micro-kernel, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      binding.gemm(ctx, transA, transB, m, n, k, alpha, a, b, beta, c);
    },
    biasSigmoid(x, bias, rows, cols) {
      binding.biasSigmoid(ctx, x, bias, rows, cols);
    },
    dispose() {
      binding.dispose(ctx);
    },
  };
}
