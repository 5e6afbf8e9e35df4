/**
 * Recorder: appends one recording's events, keyframes and markers to the store.
 *
 * Numbering: every event gets seq = previous + 1, starting at 1 (after a resume: the last
 * committed seq + 1), so a recording's seqs never have a gap. A keyframe or marker carries the
 * seq of the last event before it: it describes the state after that event.
 *
 * Time: t_ms is ms since the recording started, from a monotonic clock (performance.now), never
 * decreasing. A resumed recording continues from its last t_ms: the time the server was down is
 * not replayed as silence.
 *
 * Batching and the durability window: appends are queued in memory and written in one
 * transaction when the oldest queued item is batchIntervalMs old (default 100 ms; a timer), when
 * maxBatchEvents events (default 256) or maxBatchBytes bytes (default 4 MiB) are queued, or on
 * flush() / close(). A committed batch survives kill -9 (WAL, synchronous = NORMAL); a crash
 * loses what was still queued — at most ~100 ms of events (more only if the event loop was
 * blocked) — and the batch being committed, whole. A power loss may also roll back the last
 * commits since SQLite last synced the WAL (see docs/architecture.md, "Storage").
 */
import { performance } from 'node:perf_hooks';
import { MARKER_KINDS, type MarkerKind, type Statements } from './database.js';
import { encodePayload } from './payload-codec.js';
import type { SqliteDatabase } from './sqlite.js';

/** An event type: 1–64 characters of letters, digits and `: . _ -`, starting with a letter or digit. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
/** Longest marker label, in UTF-16 code units. */
export const MAX_LABEL_LENGTH = 200;

export interface RecorderOptions {
  /** Longest time (ms) a queued item waits before its batch is committed (default 100). */
  batchIntervalMs?: number;
  /** Queued events that force a commit (default 256). */
  maxBatchEvents?: number;
  /** Queued payload bytes that force a commit (default 4 MiB). */
  maxBatchBytes?: number;
  /**
   * The full state to store as a keyframe. When given, the recorder stores one at once (at the
   * current seq) and then after the first event at least keyframeIntervalMs after the previous one.
   */
  snapshot?: () => unknown;
  /** Recording time between automatic keyframes, ms (default 10 000). */
  keyframeIntervalMs?: number;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
  /** Called when a timer-driven commit fails; the recorder is then failed and append() throws. */
  onError?: (error: unknown) => void;
}

/** Where a new or resumed recording starts; supplied by the store. */
export interface RecorderStart {
  id: string;
  /** Last committed seq (0 for a new recording). */
  seq: number;
  /** Last committed t_ms (0 for a new recording). */
  tMs: number;
  /** Called once by close() or after a failure, so the store can forget this recorder. */
  release: () => void;
}

type Queued =
  | { kind: 'event'; seq: number; t: number; type: string; payload: Buffer }
  | { kind: 'keyframe'; seq: number; t: number; payload: Buffer }
  | { kind: 'marker'; seq: number; t: number; markerKind: MarkerKind; label: string; data: string | null };

export class Recorder {
  readonly id: string;
  #seq: number;
  #flushedSeq: number;
  #lastT: number;
  readonly #t0: number;
  #lastKeyframeT: number;
  #queue: Queued[] = [];
  #queuedEvents = 0;
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #state: 'open' | 'closed' | 'failed' = 'open';
  #failure: unknown = null;
  readonly #now: () => number;
  readonly #options: Required<Pick<RecorderOptions, 'batchIntervalMs' | 'maxBatchEvents' | 'maxBatchBytes' | 'keyframeIntervalMs'>>;
  readonly #snapshot: (() => unknown) | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #release: () => void;
  readonly #commit: (queue: Queued[], seq: number, t: number) => void;
  readonly #end: (endedAt: number) => void;

  constructor(db: SqliteDatabase, statements: Statements, start: RecorderStart, options: RecorderOptions = {}) {
    this.id = start.id;
    this.#seq = this.#flushedSeq = start.seq;
    this.#lastT = start.tMs;
    this.#lastKeyframeT = -Infinity;
    this.#now = options.now ?? (() => performance.now());
    this.#t0 = this.#now() - start.tMs;
    this.#options = {
      batchIntervalMs: options.batchIntervalMs ?? 100,
      maxBatchEvents: options.maxBatchEvents ?? 256,
      maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
      keyframeIntervalMs: options.keyframeIntervalMs ?? 10_000,
    };
    this.#snapshot = options.snapshot;
    this.#onError = options.onError;
    this.#release = start.release;
    const id = this.id;
    this.#commit = db.transaction((queue: Queued[], seq: number, t: number) => {
      for (const q of queue) {
        if (q.kind === 'event') statements.eventInsert.run(id, q.seq, q.t, q.type, q.payload);
        else if (q.kind === 'keyframe') statements.keyframeInsert.run(id, q.seq, q.t, q.payload);
        else statements.markerInsert.run(id, q.seq, q.t, q.markerKind, q.label, q.data);
      }
      statements.recordingProgress.run(seq, t, id);
    });
    this.#end = (endedAt) => statements.recordingEnd.run(endedAt, id);
    if (this.#snapshot) this.keyframe(this.#snapshot());
  }

  /** Seq of the last event appended (committed or queued); 0 before the first. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Seq of the last event known to be committed. */
  get flushedSeq(): number {
    return this.#flushedSeq;
  }

  /** Recording time now, ms. */
  get elapsedMs(): number {
    return Math.max(this.#lastT, Math.round(this.#now() - this.#t0));
  }

  /** True until close() or a failed commit. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /**
   * Queues one broadcast event; returns its seq. tMs (ms since the start, default: now) must not
   * be less than the previous item's. Throws TypeError for a bad type or an unencodable payload,
   * RangeError for a bad tMs, Error when closed or failed — in every case nothing is queued.
   */
  append(type: string, payload: unknown, tMs?: number): number {
    this.#assertOpen();
    if (typeof type !== 'string' || !EVENT_TYPE_PATTERN.test(type)) throw new TypeError(`bad event type ${JSON.stringify(type)}`);
    const t = this.#time(tMs);
    const bytes = encode(payload);
    const seq = this.#seq + 1;
    this.#seq = seq;
    this.#lastT = t;
    this.#queuedEvents++;
    this.#enqueue({ kind: 'event', seq, t, type, payload: bytes });
    if (this.#snapshot && t - this.#lastKeyframeT >= this.#options.keyframeIntervalMs) this.keyframe(this.#snapshot(), t);
    return seq;
  }

  /** Queues a full snapshot of the state after the last appended event. */
  keyframe(snapshot: unknown, tMs?: number): void {
    this.#assertOpen();
    const t = this.#time(tMs);
    const bytes = encode(snapshot);
    this.#lastT = t;
    this.#lastKeyframeT = t;
    this.#enqueue({ kind: 'keyframe', seq: this.#seq, t, payload: bytes });
  }

  /** Queues a marker (temperature change, T_c crossing, milestone, host action); data must be JSON-serializable. */
  marker(kind: MarkerKind, label: string, data?: unknown, tMs?: number): void {
    this.#assertOpen();
    if (!(MARKER_KINDS as readonly string[]).includes(kind)) throw new TypeError(`bad marker kind ${JSON.stringify(kind)}`);
    if (typeof label !== 'string' || label.length > MAX_LABEL_LENGTH) throw new TypeError(`marker label must be a string of at most ${MAX_LABEL_LENGTH} characters`);
    const json = data === undefined ? null : JSON.stringify(data);
    if (json === undefined) throw new TypeError('marker data is not JSON-serializable');
    const t = this.#time(tMs);
    this.#lastT = t;
    this.#enqueue({ kind: 'marker', seq: this.#seq, t, markerKind: kind, label, data: json });
  }

  /** Commits everything queued in one transaction; returns the last committed seq. Throws if the commit fails. */
  flush(): number {
    if (this.#state === 'failed') throw this.#failedError();
    this.#clearTimer();
    if (this.#queue.length === 0) return this.#flushedSeq;
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedEvents = 0;
    this.#queuedBytes = 0;
    try {
      this.#commit(queue, this.#seq, this.#lastT);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
    this.#flushedSeq = this.#seq;
    return this.#flushedSeq;
  }

  /** Commits what is queued, stamps the recording's end time and releases it. Idempotent. */
  close(): void {
    if (this.#state !== 'open') return;
    try {
      this.flush();
      this.#end(Date.now());
    } finally {
      this.#state = 'closed';
      this.#clearTimer();
      this.#release();
    }
  }

  #time(tMs: number | undefined): number {
    if (tMs === undefined) return this.elapsedMs;
    if (typeof tMs !== 'number' || !Number.isFinite(tMs) || tMs < 0) throw new RangeError(`tMs must be a finite number ≥ 0, got ${tMs}`);
    const t = Math.round(tMs);
    if (t < this.#lastT) throw new RangeError(`tMs ${t} is before the previous item's ${this.#lastT}`);
    return t;
  }

  #enqueue(item: Queued): void {
    this.#queue.push(item);
    if ('payload' in item) this.#queuedBytes += item.payload.byteLength;
    if (this.#queuedEvents >= this.#options.maxBatchEvents || this.#queuedBytes >= this.#options.maxBatchBytes) {
      this.flush();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#flushFromTimer(), this.#options.batchIntervalMs);
      this.#timer.unref();
    }
  }

  #flushFromTimer(): void {
    this.#timer = null;
    try {
      this.flush();
    } catch (error) {
      if (this.#onError) this.#onError(error);
      else process.emitWarning(`recording ${this.id}: commit failed, recording stopped: ${String(error)}`);
    }
  }

  #fail(error: unknown): void {
    this.#state = 'failed';
    this.#failure = error;
    this.#clearTimer();
    this.#release();
  }

  #failedError(): Error {
    return new Error(`recording ${this.id} stopped after a failed commit: ${String(this.#failure)}`);
  }

  #assertOpen(): void {
    if (this.#state === 'failed') throw this.#failedError();
    if (this.#state === 'closed') throw new Error(`recording ${this.id} is closed`);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

function encode(payload: unknown): Buffer {
  try {
    return encodePayload(payload);
  } catch (error) {
    throw new TypeError(`payload cannot be recorded: ${error instanceof Error ? error.message : String(error)}`);
  }
}
