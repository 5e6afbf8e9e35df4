/**
 * Messages between the main thread and a session's engine worker, as discriminated unions
 * on `type`. The worker owns all mutable simulation state; the main thread only sends commands.
 */
import type { Algorithm } from '../physics/ising.js';
import type { EngineFrame } from './events.js';

/** Configuration of an engine worker, passed as `workerData`. */
export interface EngineConfig {
  algorithm: Algorithm;
  /** Linear lattice size; N = L² sites. */
  L: number;
  /** Initial coupling K = J/(k_B T). */
  coupling: number;
  seed: number;
  /** Frames posted per second, Hz. */
  frameRate: number;
  /** Target simulation rate, sweeps/s (an upper bound: the worker also caps its CPU share). */
  sweepsPerSecond: number;
  /** Sweeps discarded after each temperature change before measuring. */
  burnInSweeps: number;
}

export type MainToWorkerMessage =
  /** Apply coupling K from the next sweep on and restart the estimates. */
  | { type: 'setCoupling'; requestId: number; coupling: number }
  /** Stop the loop; the worker answers `stopped` and exits. */
  | { type: 'stop' };

export type WorkerToMainMessage =
  /** The sampler is built; frames follow. */
  | { type: 'ready'; L: number; coupling: number }
  | { type: 'frame'; frame: EngineFrame }
  /** `setCoupling` with this requestId is in force; every later frame uses it. */
  | { type: 'couplingApplied'; requestId: number; coupling: number; sweeps: number }
  /** The loop hit an error it cannot recover from; the worker exits after this. */
  | { type: 'failed'; message: string }
  | { type: 'stopped' };
