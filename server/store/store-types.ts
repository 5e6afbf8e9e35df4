/**
 * The types of the store's API (session-store.ts). Times: `*At` are wall-clock ms since the Unix
 * epoch; `tMs` / `durationMs` are recording time, ms since the recording started.
 */
import type { MarkerKind, OpenOptions } from './database.js';
import type { RecorderOptions } from './recorder.js';
import type { ImportLimits } from './recording-file.js';

/** What a caller supplies about a session. settings must be JSON-serializable. */
export interface SessionInput {
  id: string;
  code?: string | null;
  name: string;
  settings: unknown;
  hostTokenHash?: string | null;
}

export interface StoredSession {
  id: string;
  code: string | null;
  name: string;
  settings: unknown;
  hostTokenHash: string | null;
  /** Wall-clock ms since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
}

/** One recording as listed (declared in shared/protocol: the page reads it too). */
export type { RecordingMeta } from '../../shared/protocol/recording-meta.js';

export interface StoredMarker {
  seq: number;
  tMs: number;
  kind: MarkerKind;
  label: string;
  data: unknown;
}

/** A recorded event, decoded. */
export interface StoredEvent {
  seq: number;
  tMs: number;
  type: string;
  payload: unknown;
}

/** A keyframe, decoded: the state after event seq. */
export interface StoredKeyframe {
  seq: number;
  tMs: number;
  snapshot: unknown;
}

export interface StoredCheckpoint {
  sessionId: string;
  /** The engine's own step counter at the checkpoint (sweeps, ticks: the engine decides). */
  tick: number;
  /** Wall-clock ms since the Unix epoch. */
  savedAt: number;
  /** The engine's opaque serialized state. */
  state: Uint8Array;
}

export interface StoreOptions {
  open?: OpenOptions;
  /** Defaults for every Recorder this store starts (per-call options override them). */
  recorder?: RecorderOptions;
  import?: Partial<ImportLimits>;
  /** ms between `wal_checkpoint(TRUNCATE)` runs; 0 turns them off (default 60 000). */
  walCheckpointIntervalMs?: number;
}

/** The recording is being written by a Recorder; close it first. */
export class RecordingBusyError extends Error {
  override name = 'RecordingBusyError';
}
