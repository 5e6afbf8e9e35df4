/**
 * Replay of a recording in the page: lists recordings (`GET /api/recordings`), opens one on this
 * connection (`openReplay`), drives it (`replayControl`) and feeds what it sends (`replay`
 * events) into the `view` state, which the visualisations draw. While a replay is open
 * (`active`), the page must stop applying live frame/weights/metrics/temperature/control/status
 * events to `view`; `close()` goes back to live by loading `view` from the `live` state, which
 * the connection kept up to date all along. docs/protocol.md, "Replay";
 * docs/recording-format.md, "HTTP" and "Replay".
 *
 * States: idle (live) → open(id) → active (recording set) → close() or `stopped` → idle. An open
 * while another replay is active replaces it (the server does the same). Stale answers are
 * recognised by a generation counter and recording ids, so an answer that arrives after the
 * user moved on changes nothing.
 */
import type { LiveConnection } from '../net/connection.js';
import type {
  CommandFailure,
  OpenReplayAck,
  ReplayControlAck,
  ReplayPayload,
  ReplayStatusPayload,
} from '../../shared/protocol/events.js';
import type { ReplayControlPayload } from '../../shared/protocol/schemas.js';
import { positionAt } from '../ui/timeline.js';
import type { RecordingMeta } from '../../shared/protocol/recording-meta.js';
import type { SessionSnapshot, SessionState } from './session-state.js';

export type { RecordingMeta };

/** A point of interest in a recording. */
export interface RecordingMarker {
  seq: number;
  tMs: number;
  /** `temperature`, `tc-crossing`, `milestone`, `host-action`. */
  kind: string;
  label: string;
  data: unknown;
}

export interface RecordingDetails {
  recording: RecordingMeta;
  markers: RecordingMarker[];
}

/** The open recording, as `openReplay` answered. */
export interface OpenedRecording {
  id: string;
  name: string;
  durationMs: number;
  eventCount: number;
}

export interface ReplayClosed {
  /** The recording that was open (null: the close cancelled an open still in flight). */
  recordingId: string | null;
  /** `closed`: back to live on request; `stopped`: the server stopped the replay (`message` says why). */
  reason: 'closed' | 'stopped';
  message: string | null;
}

export interface ReplayEvents {
  status: ReplayStatusPayload;
  opened: OpenedRecording;
  closed: ReplayClosed;
}

export type ReplayConnection = Pick<LiveConnection, 'openReplay' | 'replayControl'>;

/** The fields of a recorded snapshot (a `welcome` without the per-client fields) that `view` takes. */
const SNAPSHOT_KEYS = [
  'sessionId',
  'sessionCode',
  'sessionName',
  'settings',
  'temperature',
  'policy',
  'vote',
  'presence',
  'status',
  'control',
  'snapshot',
  'weights',
  'metrics',
] as const satisfies readonly (keyof SessionSnapshot)[];

/** The state before a recording's first event: no frame, no control, no metrics; settings kept. */
const BEFORE_FIRST_EVENT: SessionSnapshot = { status: 'starting', control: null, snapshot: null, weights: null, metrics: null };

const MIN_SPEED = 0.25;
const MAX_SPEED = 16;

const failure = (code: CommandFailure['code'], message: string): CommandFailure => ({ ok: false, code, message });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A recorded snapshot reduced to the fields `view.load` takes (null or a non-object: before the first event). */
export function snapshotForView(snapshot: unknown): SessionSnapshot {
  if (!isObject(snapshot)) return BEFORE_FIRST_EVENT;
  const picked: Record<string, unknown> = {};
  for (const key of SNAPSHOT_KEYS) if (snapshot[key] !== undefined) picked[key] = snapshot[key];
  return picked as SessionSnapshot;
}

function isRecordingMeta(value: unknown): value is RecordingMeta {
  return isObject(value) && typeof value.id === 'string' && typeof value.name === 'string' && typeof value.durationMs === 'number' && typeof value.startedAt === 'number';
}

function isMarker(value: unknown): value is RecordingMarker {
  return isObject(value) && typeof value.tMs === 'number' && typeof value.kind === 'string' && typeof value.label === 'string';
}

/** fetch() that answers the JSON body, or throws an Error with the REST error's message. */
export async function fetchJsonDefault(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = isObject(body) && isObject(body.error) && typeof body.error.message === 'string' ? body.error.message : `HTTP ${response.status}`;
    throw new Error(error);
  }
  return body;
}

type Listener<T> = (value: T) => void;

export class ReplayController {
  private recordingValue: OpenedRecording | null = null;
  private statusValue: ReplayStatusPayload | null = null;
  /** performance.now() when `statusValue` arrived. */
  private statusAt = 0;
  /** Bumped by every open and close: answers to older requests are ignored. */
  private generation = 0;
  private opening = false;
  private seekLoop: Promise<ReplayControlAck> | null = null;
  private pendingSeek: number | null = null;
  private readonly listeners = new Map<keyof ReplayEvents, Set<Listener<never>>>();

  constructor(
    private readonly connection: ReplayConnection,
    private readonly view: SessionState,
    private readonly live: SessionState,
    private readonly fetchJson: (url: string) => Promise<unknown> = fetchJsonDefault,
  ) {}

  /** True while a replay is open: the page must not apply live state events to `view`. */
  get active(): boolean {
    return this.recordingValue !== null;
  }

  /** True while an `openReplay` is waiting for its answer. */
  get pending(): boolean {
    return this.opening;
  }

  /** The open recording, null when live. */
  get recording(): OpenedRecording | null {
    return this.recordingValue;
  }

  /** The latest status of the open replay, null when live. */
  get status(): ReplayStatusPayload | null {
    return this.statusValue;
  }

  /** The replay position now, ms (extrapolated from the last status while playing); 0 when live. */
  position(now = performance.now()): number {
    return this.statusValue ? positionAt(this.statusValue, this.statusAt, now) : 0;
  }

  /** Calls `listener` on every `event`; returns the function that stops it. */
  on<E extends keyof ReplayEvents>(event: E, listener: Listener<ReplayEvents[E]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** The recordings of this server, newest first. */
  async list(): Promise<RecordingMeta[]> {
    const body = await this.fetchJson('/api/recordings');
    if (!isObject(body) || !Array.isArray(body.recordings)) throw new Error('unexpected answer from /api/recordings');
    return body.recordings.filter(isRecordingMeta);
  }

  /** One recording and its markers (in time order). */
  async details(id: string): Promise<RecordingDetails> {
    const body = await this.fetchJson(`/api/recordings/${encodeURIComponent(id)}`);
    if (!isObject(body) || !isRecordingMeta(body.recording) || !Array.isArray(body.markers)) throw new Error('unexpected answer from /api/recordings/:id');
    const markers = body.markers.filter(isMarker).sort((a, b) => a.tMs - b.tMs || a.seq - b.seq);
    return { recording: body.recording, markers };
  }

  /**
   * Opens recording `id` (replacing the one open) and shows its state at 0. The view switches
   * when the answer comes; a failure leaves everything as it was.
   */
  async open(id: string): Promise<OpenReplayAck> {
    const generation = ++this.generation;
    this.opening = true;
    this.pendingSeek = null;
    const ack = await this.connection.openReplay(id);
    if (generation !== this.generation) return ack;
    this.opening = false;
    if (!ack.ok) return ack;
    this.recordingValue = ack.recording;
    this.statusValue = ack.status;
    this.statusAt = performance.now();
    this.emit('opened', ack.recording);
    this.emit('status', ack.status);
    const shown = await this.seek(0);
    if (!shown.ok && generation === this.generation) return shown;
    return ack;
  }

  play(): Promise<ReplayControlAck> {
    return this.control({ action: 'play' });
  }

  pause(): Promise<ReplayControlAck> {
    return this.control({ action: 'pause' });
  }

  /**
   * Moves to recording time `tMs` (clamped at 0; the server clamps at the end). Seeks requested
   * while one is in flight are coalesced: only the latest is sent next (a held arrow key or a
   * dragged slider stays within the server's rate limit).
   */
  seek(tMs: number): Promise<ReplayControlAck> {
    if (!this.active) return Promise.resolve(failure('not-found', 'no replay is open'));
    if (!Number.isFinite(tMs)) return Promise.resolve(failure('invalid-payload', 'the position must be a number'));
    this.pendingSeek = Math.max(0, Math.round(tMs));
    if (this.seekLoop) return this.seekLoop;
    const loop = (async () => {
      let ack: ReplayControlAck = failure('not-found', 'no replay is open');
      while (this.pendingSeek !== null) {
        const target = this.pendingSeek;
        this.pendingSeek = null;
        ack = await this.control({ action: 'seek', tMs: target });
      }
      return ack;
    })();
    this.seekLoop = loop;
    void loop.finally(() => {
      if (this.seekLoop === loop) this.seekLoop = null;
    });
    return loop;
  }

  /** Sets the pace, 0.25–16 × the recorded one. */
  setSpeed(speed: number): Promise<ReplayControlAck> {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) return Promise.resolve(failure('invalid-payload', `speed must be from ${MIN_SPEED} to ${MAX_SPEED}`));
    return this.control({ action: 'speed', speed });
  }

  /** Back to live: the view shows the live state at once; the server's replay is closed. */
  async close(): Promise<void> {
    if (!this.active && !this.opening) return;
    const recordingId = this.recordingValue?.id ?? null;
    const wasActive = this.active;
    this.generation++;
    this.opening = false;
    this.pendingSeek = null;
    this.recordingValue = null;
    this.statusValue = null;
    if (wasActive) this.restoreLive();
    this.emit('closed', { recordingId, reason: 'closed', message: null });
    await this.connection.replayControl({ action: 'close' });
  }

  /** Takes every `replay` event of this connection (the page forwards them all). */
  handle(payload: ReplayPayload): void {
    const recording = this.recordingValue;
    if (recording === null || payload.recordingId !== recording.id) return;
    switch (payload.kind) {
      case 'snapshot':
        this.view.load(snapshotForView(payload.snapshot), payload.tMs / 1000);
        break;
      case 'event':
        this.view.apply(payload.type, payload.payload, payload.tMs / 1000);
        break;
      case 'status':
        this.setStatus(payload.status);
        break;
      case 'stopped':
        this.generation++;
        this.pendingSeek = null;
        this.recordingValue = null;
        this.statusValue = null;
        this.restoreLive();
        this.emit('closed', { recordingId: recording.id, reason: 'stopped', message: payload.message });
        break;
    }
  }

  private async control(command: ReplayControlPayload): Promise<ReplayControlAck> {
    if (!this.active) return failure('not-found', 'no replay is open');
    const generation = this.generation;
    const ack = await this.connection.replayControl(command);
    if (generation === this.generation && ack.ok && ack.status) this.setStatus(ack.status);
    return ack;
  }

  private setStatus(status: ReplayStatusPayload): void {
    if (this.recordingValue === null || status.recordingId !== this.recordingValue.id) return;
    this.statusValue = status;
    this.statusAt = performance.now();
    this.emit('status', status);
  }

  private restoreLive(): void {
    if (this.view === this.live) return;
    this.view.load(this.live.toSnapshot(), performance.now() / 1000);
    this.view.adoptHistory(this.live.history);
  }

  private emit<E extends keyof ReplayEvents>(event: E, value: ReplayEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) (listener as Listener<ReplayEvents[E]>)(value);
  }
}
