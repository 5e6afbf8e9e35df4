/**
 * Messages between the main thread and a session's engine worker, as discriminated unions
 * on `type`. The worker owns all mutable experiment state; the main thread only sends
 * commands, each applied between two ticks and answered with its requestId.
 */
import type { BackendName } from '../learn/backend.js';
import type {
  EngineControlPayload,
  EngineFrame,
  EngineSettings,
  Hyperparameters,
  MetricsPayload,
  WeightsPayload,
} from './engine-events.js';

/** Settings of a run plus the coupling it starts at. */
export interface EngineConfig extends EngineSettings {
  /** Initial coupling K = J/(k_B T). */
  coupling: number;
}

/** What a worker is started with, as `workerData`. */
export interface EngineWorkerData {
  /** The run to start when `restore` is null. */
  config: EngineConfig;
  /** A checkpoint (engine-checkpoint.ts) to continue from; its settings, coupling and pause state win over `config`. */
  restore: Uint8Array | null;
  /**
   * Applied right after a restore, before the first tick (a crashed worker restarted from an
   * older checkpoint gets the temperature, pause state and hyper-parameters applied since).
   */
  reapply?: { coupling?: number; paused?: boolean; hyperparameters?: Hyperparameters };
  /** What backend 'auto' resolved to earlier in this process (skips measuring it again). */
  resolvedBackend?: BackendName;
}

export type MainToWorkerMessage =
  /** Apply coupling K from the next tick on and restart the estimates. */
  | { type: 'setCoupling'; requestId: number; coupling: number }
  /** Stop running ticks; frames go on with `paused: true`. */
  | { type: 'pause'; requestId: number }
  | { type: 'resume'; requestId: number }
  /** Run exactly `ticks` ticks now (paused or not). */
  | { type: 'step'; requestId: number; ticks: number }
  /** Start a new run from the seed at the current coupling, with these settings overlaid on the current ones. */
  | { type: 'reset'; requestId: number; settings: Partial<EngineSettings> }
  | { type: 'setHyperparameters'; requestId: number; hyperparameters: Hyperparameters }
  /** Serialize the whole engine state (answered by `checkpoint`). */
  | { type: 'checkpoint'; requestId: number }
  /** Stop the loop; the worker answers `stopped` and exits. */
  | { type: 'stop' };

export type WorkerToMainMessage =
  /** The engine is built (or restored); frames follow. */
  | { type: 'ready'; L: number; coupling: number; control: EngineControlPayload; backendName: BackendName }
  | { type: 'frame'; frame: EngineFrame }
  | { type: 'weights'; weights: WeightsPayload }
  | { type: 'metrics'; metrics: MetricsPayload }
  /** `setCoupling` with this requestId is in force; every later frame uses it. */
  | { type: 'couplingApplied'; requestId: number; coupling: number; sweeps: number }
  /** pause / resume / step / reset / setHyperparameters with this requestId is in force. */
  | { type: 'applied'; requestId: number; control: EngineControlPayload }
  /** The command with this requestId changed nothing, for this reason. */
  | { type: 'rejected'; requestId: number; message: string }
  /** The engine state at `tick` (engine-checkpoint.ts format). */
  | { type: 'checkpoint'; requestId: number; tick: number; state: Uint8Array }
  /** Something the operator should know that the engine recovered from (e.g. a diverged network re-initialized). */
  | { type: 'warning'; message: string }
  /** The loop hit an error it cannot recover from; the worker exits after this. */
  | { type: 'failed'; message: string }
  | { type: 'stopped' };
