/**
 * ReplayStream: one viewer's replay of one recording — play, pause, seek, speed 0.25×–16× —
 * delivering the recorded events through a listener at the recorded pace scaled by the speed.
 *
 * Seek to t: the last keyframe at or before t is delivered as a snapshot (the state after its
 * seq), then every event after that keyframe with t_ms ≤ t is delivered at once, without
 * delays. A viewer that applies the snapshot and then the events holds exactly the recorded
 * state at t: the state after every event with t_ms ≤ t. With no keyframe at or before t the
 * snapshot is null (the state before the first event) and the fast-forward starts at seq 1.
 *
 * Events are read from the store in pages of pageSize (never the whole recording); one timer
 * per stream, unref'd, is armed only while playing and cleared by pause/seek/close. A recording
 * that is still being written replays up to what was committed when the stream catches up.
 * Pacing (which events are due when) is in replay-clock.ts.
 */
import { performance } from 'node:perf_hooks';
import type { ReplayStatus } from '../../shared/protocol/events.js';
import type { StoredEvent, StoredKeyframe } from '../store/session-store.js';
import { createClock, pause, play, positionAt, seekTo, wallDelayUntil, withSpeed, dueCount, type ReplayClock } from './replay-clock.js';

/** What a replay reads; the store's `recordings` object provides it. */
export interface ReplaySource {
  get(id: string): { durationMs: number } | null;
  readEvents(id: string, afterSeq: number, limit: number): StoredEvent[];
  keyframeAt(id: string, tMs: number): StoredKeyframe | null;
}

export type { ReplayStatus };

export interface ReplayListener {
  /** One recorded event, in seq order. tMs: its recording time. */
  event(type: string, payload: unknown, seq: number, tMs: number): void;
  /** After a seek: the full state after event seq (null: before the first event). */
  snapshot(snapshot: unknown, seq: number, tMs: number): void;
  /** After play, pause, seek, speed change and at the end. */
  status?(status: ReplayStatus): void;
  /** A failure while playing (a listener that threw, the store closed); the stream is closed. */
  error?(error: unknown): void;
}

/** The clock and timer a stream uses; tests inject a manual one. */
export interface ReplayTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: ReplayTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ReplayOptions {
  /** Events read from the store at a time (default 256). */
  pageSize?: number;
  /** Events delivered in one timer callback before yielding to the event loop (default 2048). */
  maxEventsPerTick?: number;
  timers?: ReplayTimers;
}

export class ReplayStream {
  readonly recordingId: string;
  readonly #source: ReplaySource;
  readonly #listener: ReplayListener;
  readonly #timers: ReplayTimers;
  readonly #pageSize: number;
  readonly #maxPerTick: number;
  #clock: ReplayClock;
  #durationMs: number;
  #page: StoredEvent[] = [];
  #times: number[] = [];
  #index = 0;
  /** Seq of the last event delivered or skipped by a snapshot. */
  #seq = 0;
  #exhausted = false;
  #positioned = false;
  #ended = false;
  #closed = false;
  #timer: unknown = null;

  /** Throws if the recording is unknown. Delivers nothing until play() or seek(). */
  constructor(source: ReplaySource, recordingId: string, listener: ReplayListener, options: ReplayOptions = {}) {
    const meta = source.get(recordingId);
    if (meta === null) throw new Error(`unknown recording ${JSON.stringify(recordingId)}`);
    this.recordingId = recordingId;
    this.#source = source;
    this.#listener = listener;
    this.#timers = options.timers ?? realTimers;
    this.#pageSize = options.pageSize ?? 256;
    this.#maxPerTick = options.maxEventsPerTick ?? 2048;
    this.#durationMs = meta.durationMs;
    this.#clock = createClock(0, this.#timers.now());
  }

  get status(): ReplayStatus {
    const positionMs = Math.min(this.#durationMs, positionAt(this.#clock, this.#timers.now()));
    return { playing: this.#clock.playing, positionMs, speed: this.#clock.speed, durationMs: this.#durationMs, seq: this.#seq, ended: this.#ended };
  }

  /** Plays from the current position (from the start if never positioned or at the end). */
  play(): void {
    if (this.#closed || this.#clock.playing) return;
    if (!this.#positioned || this.#ended) this.#seekNow(0);
    this.#clock = play(this.#clock, this.#timers.now());
    this.#notify();
    this.#pump();
  }

  pause(): void {
    if (this.#closed || !this.#clock.playing) return;
    this.#clearTimer();
    this.#clock = pause(this.#clock, this.#timers.now());
    this.#notify();
  }

  /** Moves to recording time tMs (clamped to [0, duration]); keeps playing if it was. */
  seek(tMs: number): void {
    if (this.#closed) return;
    if (typeof tMs !== 'number' || Number.isNaN(tMs)) throw new RangeError(`seek time must be a number, got ${tMs}`);
    this.#seekNow(tMs);
    this.#notify();
    this.#pump();
  }

  /** Sets the speed (0.25…16 × the recorded pace); throws RangeError outside. */
  setSpeed(speed: number): void {
    if (this.#closed) return;
    this.#clock = withSpeed(this.#clock, speed, this.#timers.now());
    this.#notify();
    this.#pump();
  }

  /** Stops for good: clears the timer, drops the page, delivers nothing more. */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
    this.#page = [];
    this.#times = [];
  }

  #seekNow(tMs: number): void {
    this.#clearTimer();
    this.#durationMs = this.#source.get(this.recordingId)?.durationMs ?? this.#durationMs;
    const t = Math.min(Math.max(0, tMs), this.#durationMs);
    const keyframe = this.#source.keyframeAt(this.recordingId, t);
    this.#seq = keyframe?.seq ?? 0;
    this.#page = [];
    this.#times = [];
    this.#index = 0;
    this.#exhausted = false;
    this.#ended = false;
    this.#positioned = true;
    this.#clock = seekTo(this.#clock, t, this.#timers.now());
    this.#listener.snapshot(keyframe?.snapshot ?? null, this.#seq, keyframe?.tMs ?? 0);
    this.#deliverUpTo(t, Infinity);
  }

  /** Delivers buffered/paged events with t_ms ≤ positionMs, at most max of them; returns how many. */
  #deliverUpTo(positionMs: number, max: number): number {
    let delivered = 0;
    while (delivered < max && !this.#closed) {
      if (this.#index >= this.#page.length && !this.#refill()) break;
      const due = Math.min(dueCount(this.#times, this.#index, positionMs), max - delivered);
      if (due === 0) break;
      for (let i = 0; i < due && !this.#closed; i++) {
        const e = this.#page[this.#index++];
        this.#seq = e.seq;
        this.#listener.event(e.type, e.payload, e.seq, e.tMs);
      }
      delivered += due;
    }
    return delivered;
  }

  /** Reads the next page; false when there is nothing after the last delivered seq. */
  #refill(): boolean {
    if (this.#exhausted) return false;
    this.#page = this.#source.readEvents(this.recordingId, this.#seq, this.#pageSize);
    this.#times = this.#page.map((e) => e.tMs);
    this.#index = 0;
    if (this.#page.length === 0) this.#exhausted = true;
    return this.#page.length > 0;
  }

  #pump(): void {
    this.#clearTimer();
    if (this.#closed || !this.#clock.playing) return;
    const now = this.#timers.now();
    const positionMs = positionAt(this.#clock, now);
    const delivered = this.#deliverUpTo(positionMs, this.#maxPerTick);
    if (this.#closed) return;
    if (delivered === this.#maxPerTick) return this.#arm(0);
    // Past the last page read: look again, a recording being written may have grown.
    if (this.#index >= this.#page.length) {
      this.#exhausted = false;
      this.#refill();
    }
    const next = this.#index < this.#page.length ? this.#times[this.#index] : null;
    if (next !== null) return this.#arm(wallDelayUntil(this.#clock, next, now));
    this.#durationMs = Math.max(this.#durationMs, this.#source.get(this.recordingId)?.durationMs ?? 0);
    if (positionMs < this.#durationMs) return this.#arm(wallDelayUntil(this.#clock, this.#durationMs, now));
    this.#clock = pause(seekTo(this.#clock, this.#durationMs, now), now);
    this.#ended = true;
    this.#notify();
  }

  #arm(ms: number): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      try {
        this.#pump();
      } catch (error) {
        this.close();
        if (this.#listener.error) this.#listener.error(error);
        else process.emitWarning(`replay of ${this.recordingId} stopped: ${String(error)}`);
      }
    }, ms);
  }

  #notify(): void {
    this.#listener.status?.(this.status);
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
