/**
 * Main-thread handle of one session's engine worker. It owns the worker's lifecycle (start,
 * restart after a crash with backoff — from the last checkpoint it holds, if any — and stop),
 * numbers the frames (`seq` only increases, also across restarts), keeps the latest frame,
 * weights, metrics and control state for late joiners, and turns commands into worker
 * messages, each resolved once the worker has applied it at a tick boundary. It never touches
 * sockets or disk: listeners subscribe to its events, and the caller stores checkpoints.
 */
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { BackendName } from '../../shared/learn/backend.js';
import type {
  EngineControlPayload,
  EngineSettings,
  FramePayload,
  Hyperparameters,
  MetricsPayload,
  WeightsPayload,
} from '../../shared/protocol/engine-events.js';
import { HYPERPARAMETER_KEYS } from '../../shared/protocol/engine-events.js';
import type { TemperaturePayload } from '../../shared/protocol/events.js';
import type { EngineConfig, MainToWorkerMessage, WorkerToMainMessage } from '../../shared/protocol/worker-messages.js';
import { parseHyperparameters, resolveResetSettings, settingsOf } from './engine-config.js';
import { EngineCommandError, EngineUnavailableError, PendingRequests, type EngineAnswer } from './engine-requests.js';
import { spawnEngineWorker } from './spawn-worker.js';

export { EngineCommandError, EngineUnavailableError } from './engine-requests.js';

export type EngineStatus = 'starting' | 'running' | 'restarting' | 'stopped';

/** A checkpoint: the engine state at `tick` (server/engine/engine-checkpoint.ts format). */
export interface EngineCheckpoint {
  tick: number;
  state: Uint8Array;
}

export interface SessionEngineEvents {
  frame: [FramePayload];
  weights: [WeightsPayload];
  metrics: [MetricsPayload];
  temperature: [TemperaturePayload];
  /** After a pause, resume, step, reset or hyper-parameter change, and when a worker is ready. */
  control: [EngineControlPayload];
  status: [EngineStatus];
}

export interface SessionEngineOptions {
  /** Where lifecycle and error lines go; one line per call. */
  log?: (line: string) => void;
  /** First restart delay after a crash, ms; it doubles per consecutive crash up to 30 s. */
  restartDelayMs?: number;
  /** A checkpoint to continue from: its settings, coupling and pause state win over the config's. */
  restore?: Uint8Array;
}

const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long resets the crash backoff, ms. */
const STABLE_AFTER_MS = 60_000;
/** How long `close()` waits for a clean stop before terminating the worker, ms. */
const STOP_TIMEOUT_MS = 2_000;

/** What 'auto' resolved to in this process, so later workers skip the measurement. */
let autoBackend: BackendName | undefined;

/** How long start() waits for the first frame after the worker is ready, ms. */
const FIRST_FRAME_WAIT_MS = 10_000;

export class SessionEngine extends EventEmitter<SessionEngineEvents> {
  private worker: Worker | null = null;
  private status: EngineStatus = 'stopped';
  private seq = 0;
  private snapshot: FramePayload | null = null;
  private weights: WeightsPayload | null = null;
  private metrics: MetricsPayload | null = null;
  private current: TemperaturePayload;
  private settings: EngineSettings;
  private controlState: EngineControlPayload | null = null;
  private checkpointState: Uint8Array | null;
  private readonly pending = new PendingRequests();
  private crashes = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;
  private readonly restartDelayMs: number;

  constructor(config: EngineConfig, options: SessionEngineOptions = {}) {
    super();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.restartDelayMs = options.restartDelayMs ?? 500;
    this.settings = settingsOf(config);
    this.current = { temperature: 1 / config.coupling, coupling: config.coupling, changedBy: null };
    this.checkpointState = options.restore ?? null;
  }

  /** A started engine (resolves once its worker is ready; rejects, e.g. for a refused checkpoint, without restarting). */
  static async start(config: EngineConfig, options: SessionEngineOptions = {}): Promise<SessionEngine> {
    const engine = new SessionEngine(config, options);
    await engine.start();
    return engine;
  }

  /** The settings of the current run and the coupling in force. */
  get config(): EngineConfig {
    return { ...structuredClone(this.settings), coupling: this.current.coupling };
  }

  /** Latest frame, for late joiners; null before the first one. */
  get latestFrame(): FramePayload | null {
    return this.snapshot;
  }

  get latestWeights(): WeightsPayload | null {
    return this.weights;
  }

  get latestMetrics(): MetricsPayload | null {
    return this.metrics;
  }

  /** Pause state, tick, settings and backend as last reported by the worker; null before it is ready. */
  get control(): EngineControlPayload | null {
    return this.controlState;
  }

  /** Temperature in force (applied by the worker). */
  get temperature(): TemperaturePayload {
    return this.current;
  }

  get engineStatus(): EngineStatus {
    return this.status;
  }

  /** The checkpoint a crashed worker would restart from (the last one taken, or the one restored). */
  get lastCheckpoint(): Uint8Array | null {
    return this.checkpointState;
  }

  /**
   * Starts the worker; resolves once it is ready and its first frame has arrived, so that a
   * client joining as soon as the session exists gets a snapshot to draw (the first frame also
   * computes the coupling estimator's placements, a few hundred ms on the js backend).
   */
  async start(): Promise<void> {
    if (this.status !== 'stopped') throw new Error(`engine already ${this.status}`);
    await this.spawn(true);
    if (this.snapshot !== null) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('frame', done);
        resolve();
      };
      // A frame comes within a tick even when paused; the bound only keeps a broken worker from hanging startup.
      const timer = setTimeout(done, FIRST_FRAME_WAIT_MS);
      timer.unref();
      this.on('frame', done);
    });
  }

  /**
   * Asks the worker to run at temperature T (J/k_B), i.e. coupling K = 1/T, from its next tick.
   * Resolves with the applied temperature once the worker confirms; every later frame uses it.
   * @param changedBy id of the client asking, reported to everyone
   */
  setTemperature(temperature: number, changedBy: string | null): Promise<TemperaturePayload> {
    return this.command({ type: 'setCoupling', coupling: 1 / temperature }, (message) => {
      if (message.type !== 'couplingApplied') throw new Error(`unexpected answer ${message.type}`);
      this.current = { temperature: 1 / message.coupling, coupling: message.coupling, changedBy };
      this.emit('temperature', this.current);
      return this.current;
    });
  }

  /** Stops running ticks (frames go on, with `paused: true`). */
  pause(): Promise<EngineControlPayload> {
    return this.controlCommand({ type: 'pause' });
  }

  resume(): Promise<EngineControlPayload> {
    return this.controlCommand({ type: 'resume' });
  }

  /** Runs exactly `ticks` ticks now (1…1000; meant for a paused engine); an EngineCommandError outside that range. */
  step(ticks: number): Promise<EngineControlPayload> {
    return this.controlCommand({ type: 'step', ticks });
  }

  /**
   * Starts a new run from the seed at the coupling in force, with `settings` over the current
   * ones (a new L without `layers` gets the default architecture for it). Rejects with an
   * EngineCommandError for invalid settings. The checkpoint held for crash restarts is dropped.
   */
  reset(settings: Partial<EngineSettings> = {}): Promise<EngineControlPayload> {
    try {
      resolveResetSettings(this.settings, settings);
    } catch (error) {
      return Promise.reject(new EngineCommandError(error instanceof Error ? error.message : String(error)));
    }
    return this.controlCommand({ type: 'reset', settings }).then((control) => {
      this.checkpointState = null;
      return control;
    });
  }

  /** Changes CD hyper-parameters and/or the sampler from the next tick; an EngineCommandError for invalid values. */
  setHyperparameters(hyperparameters: Hyperparameters): Promise<EngineControlPayload> {
    let parsed: Hyperparameters;
    try {
      parsed = parseHyperparameters(hyperparameters);
    } catch (error) {
      return Promise.reject(new EngineCommandError(error instanceof Error ? error.message : String(error)));
    }
    return this.controlCommand({ type: 'setHyperparameters', hyperparameters: parsed });
  }

  /** The whole engine state at a tick boundary; also kept as the checkpoint a crashed worker restarts from. */
  checkpoint(): Promise<EngineCheckpoint> {
    return this.command({ type: 'checkpoint' }, (message) => {
      if (message.type !== 'checkpoint') throw new Error(`unexpected answer ${message.type}`);
      this.checkpointState = message.state;
      return { tick: message.tick, state: message.state };
    });
  }

  /** Stops the worker (cleanly, or terminated after STOP_TIMEOUT_MS) and cancels any restart. */
  async close(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    this.setStatus('stopped');
    this.worker = null;
    this.pending.rejectAll('the engine stopped');
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies MainToWorkerMessage);
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Sends a command and resolves with `settle(answer)`; a `rejected` answer rejects with EngineCommandError. */
  private command<T>(message: DistributiveOmit<Exclude<MainToWorkerMessage, { type: 'stop' }>, 'requestId'>, settle: (answer: EngineAnswer) => T): Promise<T> {
    const worker = this.worker;
    if (!worker || this.status !== 'running') {
      return Promise.reject(new EngineUnavailableError(`the engine is ${this.status}; try again shortly`));
    }
    const { requestId, result } = this.pending.open(settle);
    worker.postMessage({ ...message, requestId } as MainToWorkerMessage);
    return result;
  }

  private controlCommand(message: DistributiveOmit<Extract<MainToWorkerMessage, { type: 'pause' | 'resume' | 'step' | 'reset' | 'setHyperparameters' }>, 'requestId'>): Promise<EngineControlPayload> {
    return this.command(message, (answer) => {
      if (answer.type !== 'applied') throw new Error(`unexpected answer ${answer.type}`);
      this.applyControl(answer.control);
      return answer.control;
    });
  }

  private applyControl(control: EngineControlPayload): void {
    this.controlState = control;
    this.settings = control.settings;
    this.emit('control', control);
  }

  /**
   * Spawns a worker; resolves when it is ready. On `start()` (firstStart) a worker that dies
   * before it is ready rejects instead of restarting, so a bad configuration cannot loop.
   * A restart continues from the checkpoint held, with the temperature, pause state and
   * hyper-parameters applied since.
   */
  private spawn(firstStart: boolean): Promise<void> {
    this.setStatus(firstStart ? 'starting' : 'restarting');
    const hyperparameters = Object.fromEntries(HYPERPARAMETER_KEYS.map((key) => [key, this.settings[key]])) as Hyperparameters;
    const worker = spawnEngineWorker({
      config: this.config,
      restore: this.checkpointState,
      reapply: firstStart ? undefined : { coupling: this.current.coupling, paused: this.controlState?.paused, hyperparameters },
      resolvedBackend: autoBackend,
    });
    this.worker = worker;
    this.startedAt = Date.now();
    let failure: string | null = null;
    let lastError: Error | null = null;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: WorkerToMainMessage) => {
        if (this.worker !== worker) return;
        if (message.type === 'failed') failure = message.message;
        if (message.type === 'ready') {
          this.onReady(message);
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
        this.pending.rejectAll('the engine restarted before applying the change');
        if (firstStart && this.status === 'starting') {
          this.setStatus('stopped');
          const reason = failure?.split('\n')[0] ?? lastError?.message ?? `engine worker exited with code ${code} before it was ready`;
          reject(new Error(reason));
          return;
        }
        this.log(`rgflow engine: worker exited unexpectedly (code ${code})`);
        this.scheduleRestart();
        resolve();
      });
    });
  }

  private onReady(message: Extract<WorkerToMainMessage, { type: 'ready' }>): void {
    if (message.control.settings.backend === 'auto') autoBackend ??= message.backendName;
    if (message.coupling !== this.current.coupling) {
      this.current = { temperature: 1 / message.coupling, coupling: message.coupling, changedBy: null };
      this.emit('temperature', this.current);
    }
    this.setStatus('running');
    this.applyControl(message.control);
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
      case 'weights':
        this.weights = message.weights;
        this.emit('weights', message.weights);
        break;
      case 'metrics':
        this.metrics = message.metrics;
        this.emit('metrics', message.metrics);
        break;
      case 'couplingApplied':
      case 'applied':
      case 'rejected':
      case 'checkpoint':
        this.pending.answer(message);
        break;
      case 'warning':
        this.log(`rgflow engine: ${message.message}`);
        break;
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
    const from = this.checkpointState ? 'from the last checkpoint' : 'from the seed (no checkpoint yet)';
    this.log(`rgflow engine: restarting in ${delay} ms ${from}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawn(false).catch(() => undefined);
    }, delay);
  }

  private setStatus(status: EngineStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }
}

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
