/**
 * The worker thread behind the WebGPU bridge (webgpu-backend.ts). It owns one gpu.js instance
 * whose kernels are asynchronous, and answers product and sigmoid requests from one caller that
 * blocks (Atomics.wait) until the answer lies in shared memory.
 *
 * Start-up: WebGPU for Node comes from the `webgpu` package (Dawn). Where Dawn loads and an
 * adapter answers, kernels run in gpu.js's 'webgpu' mode (WGSL compute shaders over storage
 * buffers); otherwise in its 'async' mode, which picks the best backend it can prove
 * synchronously (headless-gl, else webasm, else cpu) under the same Promise contract. A 1×1×1
 * probe product runs before 'ready', so the mode reported is the one kernels really run in, and
 * a device that fails on its first kernel is caught here and answered by the 'async' fallback.
 *
 * Protocol, one request at a time: the caller posts a BridgeRequest on `port`; the worker writes
 * its result into the shared C buffer, posts a BridgeReply on `port`, then stores the request's
 * sequence number in control[CONTROL_DONE] and wakes the caller with Atomics.notify; the caller
 * takes the reply with receiveMessageOnPort. When this thread exits, control[CONTROL_EXITED]
 * becomes 1 (and the caller is woken) so that a blocked caller does not wait forever.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { GPU } from 'gpu.js';
import {
  CONTROL_DONE,
  CONTROL_EXITED,
  type BridgeBuffers,
  type BridgeReply,
  type BridgeRequest,
  type BridgeStartup,
  type BridgeWorkerData,
} from './webgpu-backend.js';

/** The slice of WebGPU this file touches (the `webgpu` package's types need the DOM lib). */
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}
interface NavigatorLike {
  gpu?: { requestAdapter(): Promise<AdapterLike | null> };
}

/** A compiled gpu.js kernel under the Promise contract; `.kernel` is the backend instance. */
type KernelRun = ((...args: unknown[]) => Promise<Float32Array[]>) & {
  kernel?: { constructor: { mode?: string } };
  destroy?: () => void;
};

/**
 * C[i][j] = Σ_p op(A)[i][p]·op(B)[p][j] with thread.y = i, thread.x = j, written with strides so
 * that one source serves all four transpose cases: op(A)[i][p] = a[i·aRow + p·aCol] and
 * op(B)[p][j] = b[p·bRow + j·bCol]. Given as text so that no transpiler rewrites it.
 */
const GEMM_SOURCE = `function(a, b) {
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[this.thread.y * this.constants.aRow + p * this.constants.aCol] * b[p * this.constants.bRow + this.thread.x * this.constants.bCol];
  }
  return sum;
}`;

/** σ(x[r][j] + bias[j]); thread.y = r, thread.x = j. */
const BIAS_SIGMOID_SOURCE = `function(x, bias) {
  return 1 / (1 + Math.exp(-(x[this.thread.y * this.constants.cols + this.thread.x] + bias[this.thread.x])));
}`;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Installs navigator.gpu from the `webgpu` package (unless the platform has one) and asks it for
 * an adapter. Dawn's binary may fail to load (e.g. a libstdc++ older than it was built against):
 * that, like a missing adapter, is a reason, never a crash. Without an adapter navigator.gpu is
 * removed again, which releases Dawn and keeps gpu.js's 'async' mode from probing per kernel.
 */
async function findAdapter(): Promise<{ adapter: string } | { reason: string }> {
  const scope = globalThis as { navigator?: NavigatorLike };
  const installed = !scope.navigator?.gpu;
  if (installed) {
    try {
      // A specifier TypeScript does not resolve: the package's own types pull in the DOM lib.
      const specifier = 'webgpu';
      const dawn = (await import(specifier)) as { create(flags: string[]): NavigatorLike['gpu']; globals: object };
      Object.assign(globalThis, dawn.globals);
      scope.navigator ??= {};
      scope.navigator.gpu = dawn.create([]);
    } catch (error) {
      return { reason: `Dawn (the webgpu package) failed to load: ${message(error)}` };
    }
  }
  let reason: string;
  try {
    const adapter = await scope.navigator!.gpu!.requestAdapter();
    if (adapter) {
      const info = adapter.info ?? {};
      const name = [info.vendor, info.architecture, info.device || info.description].filter(Boolean).join(' ');
      return { adapter: name || 'unnamed adapter' };
    }
    reason = 'navigator.gpu.requestAdapter() answered null';
  } catch (error) {
    reason = `navigator.gpu.requestAdapter() failed: ${message(error)}`;
  }
  if (installed) delete scope.navigator!.gpu;
  return { reason };
}

/** One gpu.js instance and its kernels, compiled once per shape and cached. */
class Kernels {
  private readonly gpu: GPU;
  private readonly cache = new Map<string, KernelRun>();
  /** The mode of the kernel that ran last. */
  mode: string;

  constructor(mode: 'webgpu' | 'async') {
    this.gpu = new GPU({ mode });
    this.mode = (this.gpu as unknown as { Kernel?: { mode?: string } }).Kernel?.mode ?? mode;
  }

  /** op(A)·op(B), m×n, as m rows of n floats. */
  async gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array) {
    const strides = {
      k,
      aRow: transA ? 1 : k,
      aCol: transA ? m : 1,
      bRow: transB ? 1 : n,
      bCol: transB ? k : 1,
    };
    return this.run(`gemm:${transA}:${transB}:${m}:${n}:${k}`, GEMM_SOURCE, [n, m], strides, k, [a, b]);
  }

  /** σ(x + bias), rows×cols, as rows arrays of cols floats. */
  async biasSigmoid(x: Float32Array, bias: Float32Array, rows: number, cols: number) {
    return this.run(`sigmoid:${rows}:${cols}`, BIAS_SIGMOID_SOURCE, [cols, rows], { cols }, 0, [x, bias]);
  }

  private async run(
    key: string,
    source: string,
    output: [number, number],
    constants: Record<string, number>,
    loop: number,
    args: Float32Array[],
  ): Promise<Float32Array[]> {
    let run = this.cache.get(key);
    if (!run) {
      const settings = {
        output,
        constants,
        precision: 'single' as const,
        tactic: 'precision' as const,
        loopMaxIterations: Math.max(loop + 1, 1000),
      };
      run = this.gpu.createKernel(source, settings) as unknown as KernelRun;
      this.cache.set(key, run);
    }
    const rows = await run(...args);
    this.mode = run.kernel?.constructor.mode ?? this.mode;
    return rows;
  }

  async destroy(): Promise<void> {
    for (const run of this.cache.values()) run.destroy?.();
    this.cache.clear();
    await this.gpu.destroy();
  }
}

/** Throws unless `value` is a non-negative integer. */
function checkCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Float view of the first `count` floats of `buffer`; throws when it holds fewer. */
function view(name: string, buffer: SharedArrayBuffer | undefined, count: number): Float32Array {
  const floats = buffer ? buffer.byteLength / 4 : 0;
  if (floats < count) throw new Error(`shared buffer ${name} holds ${floats} floats, needs ${count}`);
  return new Float32Array(buffer!, 0, count);
}

/** Rows of a kernel's result → the leading rows·cols floats of C. */
function writeRows(rows: Float32Array[], cols: number, c: Float32Array): void {
  for (let r = 0; r < rows.length; r++) c.set(rows[r].subarray(0, cols), r * cols);
}

async function main(port: MessagePort, control: Int32Array): Promise<void> {
  const found = await findAdapter();
  let kernels: Kernels;
  let adapter = 'adapter' in found ? found.adapter : null;
  let reason = 'reason' in found ? found.reason : null;
  const probe = new Float32Array([1]);
  try {
    kernels = new Kernels(adapter ? 'webgpu' : 'async');
    await kernels.gemm(false, false, 1, 1, 1, probe, probe);
  } catch (error) {
    if (!adapter) throw error;
    reason = `WebGPU adapter ${adapter} answered, but its first kernel failed: ${message(error)}`;
    adapter = null;
    kernels = new Kernels('async');
    await kernels.gemm(false, false, 1, 1, 1, probe, probe);
  }
  const version = (createRequire(import.meta.url)('gpu.js/package.json') as { version: string }).version;
  parentPort!.postMessage({ type: 'ready', version, mode: kernels.mode, adapter, reason } satisfies BridgeStartup);

  let buffers: Partial<BridgeBuffers> = {};
  port.on('message', async (request: BridgeRequest) => {
    let reply: BridgeReply;
    try {
      if (request.buffers) buffers = request.buffers;
      if (request.type === 'gemm') {
        const m = checkCount('m', request.m);
        const n = checkCount('n', request.n);
        const k = checkCount('k', request.k);
        const a = view('A', buffers.a, m * k);
        const b = view('B', buffers.b, k * n);
        const c = view('C', buffers.c, m * n);
        writeRows(await kernels.gemm(request.transA, request.transB, m, n, k, a, b), n, c);
      } else if (request.type === 'biasSigmoid') {
        const rows = checkCount('rows', request.rows);
        const cols = checkCount('cols', request.cols);
        const x = view('A', buffers.a, rows * cols);
        const bias = view('B', buffers.b, cols);
        writeRows(await kernels.biasSigmoid(x, bias, rows, cols), cols, view('C', buffers.c, rows * cols));
      } else {
        throw new Error(`unknown bridge request ${JSON.stringify((request as { type?: unknown }).type)}`);
      }
      reply = { seq: request.seq, ok: true, mode: kernels.mode };
    } catch (error) {
      reply = { seq: request.seq, ok: false, message: message(error) };
    }
    port.postMessage(reply);
    Atomics.store(control, CONTROL_DONE, request.seq);
    Atomics.notify(control, CONTROL_DONE);
  });
}

if (!parentPort) throw new Error('webgpu-bridge-worker.ts must run in a worker thread');
const { port, control: controlBuffer } = workerData as BridgeWorkerData;
const control = new Int32Array(controlBuffer);
process.on('exit', () => {
  Atomics.store(control, CONTROL_EXITED, 1);
  Atomics.notify(control, CONTROL_DONE);
});
main(port, control).catch((error: unknown) => {
  parentPort!.postMessage({ type: 'failed', message: message(error) } satisfies BridgeStartup);
  process.exit(1);
});
