/**
 * The Socket.IO event maps both sides import, and the payloads they carry. Declared once:
 * the server types its `Server` with these maps and the client its `Socket`.
 *
 * Units: temperature T in J/k_B, coupling K = J/(k_B T) (dimensionless), energy per site in J,
 * magnetization per site |m| = |Σ_i s_i|/N (dimensionless), rates in Hz, times in sweeps.
 */
import type { Algorithm } from '../physics/ising.js';
import type { ErrorCode } from './errors.js';
import type { SetTemperaturePayload } from './schemas.js';

/** A running Monte Carlo estimate ⟨x⟩ ± err over the sweeps since the last temperature change. */
export interface RunningEstimate {
  /** Sample mean. */
  mean: number;
  /** One standard error of the mean from a binning analysis (correlations included). */
  err: number;
  /** Integrated autocorrelation time, in sweeps. */
  tauInt: number;
  /** Number of measurements (one per sweep) behind the estimate. */
  samples: number;
  /** False while the run is short compared with τ_int: `err` is then a lower bound. */
  converged: boolean;
}

/** Exact reference values for the current lattice and coupling. */
export interface ExactValues {
  /** Kaufman's exact energy per site of the finite periodic L×L lattice at this K, in J. */
  energyPerSite: number;
  /** Onsager's spontaneous magnetization of the infinite lattice (0 for K ≤ K_c); no finite-L closed form exists. */
  spontaneousMagnetization: number;
}

/**
 * One frame of the live simulation as the engine produces it. `lattice` is bit-packed by
 * `packLattice` (⌈L²/8⌉ bytes); a browser receives it as ArrayBuffer, Node as Buffer — read it
 * with `asBytes`.
 */
export interface EngineFrame {
  /** Sweeps performed by the current engine since it started. */
  sweeps: number;
  /** Sweeps since the last temperature change (burn-in included). */
  sweepsSinceChange: number;
  /** Bit-packed ±1 spins, row-major. */
  lattice: Uint8Array | ArrayBuffer;
  /** Coupling K in force when the frame was taken. */
  coupling: number;
  /** Temperature T = 1/K. */
  temperature: number;
  /** Energy per site e = −(1/N) Σ_<ij> s_i s_j, in J; null until enough sweeps after burn-in. */
  energyPerSite: RunningEstimate | null;
  /** |m| = |Σ_i s_i|/N; null until enough sweeps after burn-in. */
  absMagnetization: RunningEstimate | null;
  exact: ExactValues;
  /** Measured simulation rate over the last second, sweeps/s. */
  sweepsPerSecond: number;
}

/** A frame as broadcast: the engine frame plus a sequence number that only increases (also across engine restarts). */
export interface FramePayload extends EngineFrame {
  seq: number;
}

/** The session's settings that do not change while it runs. */
export interface SessionSettings {
  algorithm: Algorithm;
  /** Linear lattice size; N = L² sites. */
  L: number;
  seed: number;
  /** Frame broadcast rate, Hz. */
  frameRate: number;
  /** Target simulation rate, sweeps/s. */
  sweepsPerSecond: number;
  /** Temperatures `setTemperature` accepts, J/k_B. */
  temperatureLimits: { min: number; max: number };
}

/** The temperature in force and who set it. */
export interface TemperaturePayload {
  /** T in J/k_B. */
  temperature: number;
  /** K = 1/T. */
  coupling: number;
  /** Socket id of the client that set it; null for the session's initial value. */
  changedBy: string | null;
}

/** First message on every (re)connection: everything needed to render at once. */
export interface WelcomePayload {
  protocolVersion: number;
  sessionId: string;
  /** This connection's socket id (compare with `TemperaturePayload.changedBy`). */
  clientId: string;
  settings: SessionSettings;
  temperature: TemperaturePayload;
  /** The latest frame; null only while the engine has not produced one yet. */
  snapshot: FramePayload | null;
}

/** Sent to one client when its command was rejected; nothing changed. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** The client event that caused it, when there is one. */
  event: string | null;
}

/** The failed form of every acknowledgement: why nothing changed. */
export interface CommandFailure {
  ok: false;
  code: ErrorCode;
  message: string;
}

/** Acknowledgement of `setTemperature`: the applied value, or why nothing changed. */
export type SetTemperatureAck = { ok: true; temperature: number; coupling: number } | CommandFailure;

export interface ServerToClientEvents {
  welcome: (payload: WelcomePayload) => void;
  /** Volatile: a slow client drops frames instead of buffering them. */
  frame: (payload: FramePayload) => void;
  temperature: (payload: TemperaturePayload) => void;
  error: (payload: ErrorPayload) => void;
}

export interface ClientToServerEvents {
  setTemperature: (payload: SetTemperaturePayload, ack?: (response: SetTemperatureAck) => void) => void;
}

/** Socket.IO room of a session's viewers. */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}
