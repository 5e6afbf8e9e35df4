/**
 * Main-thread handle of one session's engine worker. It owns the worker's lifecycle (start,
 * restart after a crash with backoff, stop), numbers the frames (`seq` only increases, also
 * across restarts), keeps the latest frame as the snapshot for late joiners, and turns
 * temperature requests into worker commands, answering once the worker has applied them.
 * It never touches sockets: listeners subscribe to `frame`, `temperature` and `status`.
 */
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { FramePayload, TemperaturePayload } from '../../shared/protocol/events.js';
import type { EngineConfig, MainToWorkerMessage, WorkerToMainMessage } from '../../shared/protocol/worker-messages.js';
import { spawnEngineWorker } from './spawn-worker.js';

/** Thrown by `setTemperature` when no worker is running to apply it. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

export type EngineStatus = 'starting' | 'running' | 'restarting' | 'stopped';

export interface SessionEngineEvents {
  frame: [FramePayload];
  temperature: [TemperaturePayload];
  status: [EngineStatus];
}

export interface SessionEngineOptions {
  /** Where lifecycle and error lines go; one line per call. */
  log?: (line: string) => void;
  /** First restart delay after a crash, ms; it doubles per consecutive crash up to 30 s. */
  restartDelayMs?: number;
}

interface PendingChange {
  changedBy: string | null;
  resolve: (applied: TemperaturePayload) => void;
  reject: (error: Error) => void;
}

const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long resets the crash backoff, ms. */
const STABLE_AFTER_MS = 60_000;
/** How long `close()` waits for a clean stop before terminating the worker, ms. */
const STOP_TIMEOUT_MS = 2_000;

export class SessionEngine extends EventEmitter<SessionEngineEvents> {
  private worker: Worker | null = null;
  private status: EngineStatus = 'stopped';
  private seq = 0;
  private snapshot: FramePayload | null = null;
  private current: TemperaturePayload;
  private nextRequestId = 1;
  private readonly pending = new Map<number, PendingChange>();
  private crashes = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;
  private readonly restartDelayMs: number;

  constructor(
    /** The settings this engine's workers run with (the coupling is the initial one). */
    readonly config: EngineConfig,
    options: SessionEngineOptions = {},
  ) {
    super();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.restartDelayMs = options.restartDelayMs ?? 500;
    this.current = { temperature: 1 / config.coupling, coupling: config.coupling, changedBy: null };
  }

  /** Latest frame, for late joiners; null before the first one. */
  get latestFrame(): FramePayload | null {
    return this.snapshot;
  }

  /** Temperature in force (applied by the worker). */
  get temperature(): TemperaturePayload {
    return this.current;
  }

  get engineStatus(): EngineStatus {
    return this.status;
  }

  /** Starts the worker; resolves once it is ready (its first frame follows at once). */
  start(): Promise<void> {
    if (this.status !== 'stopped') throw new Error(`engine already ${this.status}`);
    return this.spawn(true);
  }

  /**
   * Asks the worker to run at temperature T (J/k_B), i.e. coupling K = 1/T, from its next sweep.
   * Resolves with the applied temperature once the worker confirms; every later frame uses it.
   * @param changedBy id of the client asking, reported to everyone
   */
  setTemperature(temperature: number, changedBy: string | null): Promise<TemperaturePayload> {
    const worker = this.worker;
    if (!worker || this.status !== 'running') {
      return Promise.reject(new EngineUnavailableError(`the engine is ${this.status}; try again shortly`));
    }
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { changedBy, resolve, reject });
      this.send(worker, { type: 'setCoupling', requestId, coupling: 1 / temperature });
    });
  }

  /** Stops the worker (cleanly, or terminated after STOP_TIMEOUT_MS) and cancels any restart. */
  async close(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    this.setStatus('stopped');
    this.worker = null;
    this.rejectPending('the engine stopped');
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.send(worker, { type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Spawns a worker; resolves when it is ready. On `start()` (firstStart) a worker that dies
   * before it is ready rejects instead of restarting, so a bad configuration cannot loop.
   */
  private spawn(firstStart: boolean): Promise<void> {
    this.setStatus(firstStart ? 'starting' : 'restarting');
    const worker = spawnEngineWorker({ ...this.config, coupling: this.current.coupling });
    this.worker = worker;
    this.startedAt = Date.now();
    let lastError: Error | null = null;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: WorkerToMainMessage) => {
        if (this.worker !== worker) return;
        if (message.type === 'ready') {
          this.setStatus('running');
          resolve();
        }
        this.onMessage(message);
      });
      worker.on('error', (error) => {
        lastError = error;
        this.log(`rgflow engine: worker error: ${error.stack ?? error.message}`);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) {
          reject(new EngineUnavailableError('the engine was stopped before it was ready'));
          return;
        }
        this.worker = null;
        this.rejectPending('the engine restarted before applying the change');
        if (firstStart && this.status === 'starting') {
          this.setStatus('stopped');
          reject(lastError ?? new Error(`engine worker exited with code ${code} before it was ready`));
          return;
        }
        this.log(`rgflow engine: worker exited unexpectedly (code ${code})`);
        this.scheduleRestart();
        resolve();
      });
    });
  }

  private onMessage(message: WorkerToMainMessage): void {
    switch (message.type) {
      case 'ready':
      case 'stopped':
        break;
      case 'frame':
        this.snapshot = { ...message.frame, seq: ++this.seq };
        this.emit('frame', this.snapshot);
        break;
      case 'couplingApplied': {
        const request = this.pending.get(message.requestId);
        this.pending.delete(message.requestId);
        this.current = { temperature: 1 / message.coupling, coupling: message.coupling, changedBy: request?.changedBy ?? null };
        this.emit('temperature', this.current);
        request?.resolve(this.current);
        break;
      }
      case 'failed':
        this.log(`rgflow engine: simulation failed: ${message.message}`);
        break;
    }
  }

  private scheduleRestart(): void {
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.crashes = 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelayMs * 2 ** this.crashes);
    this.crashes++;
    this.setStatus('restarting');
    this.log(`rgflow engine: restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawn(false).catch(() => undefined);
    }, delay);
  }

  private rejectPending(reason: string): void {
    for (const request of this.pending.values()) request.reject(new EngineUnavailableError(reason));
    this.pending.clear();
  }

  private send(worker: Worker, message: MainToWorkerMessage): void {
    worker.postMessage(message);
  }

  private setStatus(status: EngineStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }
}
