/**
 * The store's typed API over one SQLite file (database.ts): sessions, recordings (record,
 * list, read for replay, delete, export, import) and engine checkpoints. One store per process
 * owns the file; every call is synchronous except import.
 *
 * Deleting a recording hides it at once (one UPDATE) and frees its rows in the background in
 * small transactions, so a long recording neither blocks the event loop nor swells the WAL; a
 * purge interrupted by a restart is finished by the next createStore(). The WAL is truncated
 * every walCheckpointIntervalMs (default 60 s) besides SQLite's automatic checkpoints.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { openDatabase, type RecordingRow, type StoreDatabase } from './database.js';
import { decodePayload } from './payload-codec.js';
import { Recorder, type RecorderOptions } from './recorder.js';
import { DEFAULT_IMPORT_LIMITS, exportRecording, type ImportLimits } from './recording-file.js';
import { importRecording } from './recording-import.js';
import {
  RecordingBusyError,
  type RecordingMeta,
  type SessionInput,
  type StoredCheckpoint,
  type StoredEvent,
  type StoredKeyframe,
  type StoredMarker,
  type StoredSession,
  type StoreOptions,
} from './store-types.js';

export type { SessionInput, StoredSession, RecordingMeta, StoredMarker, StoredEvent, StoredKeyframe, StoredCheckpoint, StoreOptions } from './store-types.js';
export { RecordingBusyError } from './store-types.js';
export { Recorder, type RecorderOptions } from './recorder.js';
export { RecordingImportError, type ImportErrorCode, type ImportLimits } from './recording-file.js';

export type Store = ReturnType<typeof createStore>;

const PURGE_EVENTS_PER_TX = 2000;
const PURGE_KEYFRAMES_PER_TX = 16;

/** Opens (creating and migrating) the store at path, or a private in-memory store for ':memory:'. */
export function createStore(path: string, options: StoreOptions = {}) {
  const database: StoreDatabase = openDatabase(path, options.open);
  const { db, statements: s } = database;
  const importLimits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...options.import };
  const active = new Map<string, Recorder>();
  const purgeQueue = new Set<string>(s.recordingsNotReady.all().map((r) => r.id));
  let purging: NodeJS.Immediate | null = null;
  let closed = false;

  /** Deletes one chunk of a hidden recording's rows; false once nothing is left. */
  const purgeStep = db.transaction((id: string): boolean => {
    if (s.eventDeleteChunk.run({ id, limit: PURGE_EVENTS_PER_TX }).changes > 0) return true;
    if (s.keyframeDeleteChunk.run({ id, limit: PURGE_KEYFRAMES_PER_TX }).changes > 0) return true;
    s.markerDeleteAll.run(id);
    s.recordingDelete.run(id);
    return false;
  });
  const schedulePurge = () => {
    if (purging !== null || closed || purgeQueue.size === 0) return;
    purging = setImmediate(() => {
      purging = null;
      if (closed) return;
      const id = purgeQueue.values().next().value as string;
      try {
        if (!purgeStep(id)) purgeQueue.delete(id);
      } catch (error) {
        // Left hidden; the next createStore() tries again.
        purgeQueue.delete(id);
        process.emitWarning(`freeing recording ${id} failed: ${String(error)}`);
      }
      schedulePurge();
    });
    purging.unref();
  };
  const discard = (id: string) => {
    s.recordingStatus.run('deleting', id);
    purgeQueue.add(id);
    schedulePurge();
  };
  schedulePurge();

  const busyTimeoutMs = options.open?.busyTimeoutMs ?? 5000;
  /** `wal_checkpoint(TRUNCATE)` without waiting: another process's reader makes it report busy, not block the event loop. */
  const checkpointWal = (): { busy: number; log: number; checkpointed: number } => {
    db.pragma('busy_timeout = 0');
    try {
      const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
      return r;
    } finally {
      db.pragma(`busy_timeout = ${busyTimeoutMs | 0}`);
    }
  };
  const walTimer =
    database.wal && (options.walCheckpointIntervalMs ?? 60_000) > 0
      ? setInterval(() => {
          try {
            checkpointWal();
          } catch (error) {
            process.emitWarning(`WAL checkpoint failed: ${String(error)}`);
          }
        }, options.walCheckpointIntervalMs ?? 60_000).unref()
      : null;

  const toMeta = (r: RecordingRow): RecordingMeta => ({
    id: r.id,
    sessionId: r.session_id,
    name: r.name,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    eventCount: r.event_count,
    markerCount: r.marker_count,
    keyframeCount: r.keyframe_count,
    importedAt: r.imported_at,
    live: active.has(r.id),
  });
  const recorderFor = (id: string, seq: number, tMs: number, opts: RecorderOptions | undefined) => {
    const recorder = new Recorder(db, s, { id, seq, tMs, release: () => active.delete(id) }, { ...options.recorder, ...opts });
    active.set(id, recorder);
    return recorder;
  };
  const assertOpen = () => {
    if (closed) throw new Error('the store is closed');
  };

  const sessions = {
    /** Inserts or updates a session (created_at kept, updated_at now). */
    upsert(input: SessionInput): StoredSession {
      assertOpen();
      const settings = JSON.stringify(input.settings);
      if (settings === undefined) throw new TypeError('session settings must be JSON-serializable');
      s.sessionUpsert.run({ id: input.id, code: input.code ?? null, name: input.name, settings, host_token_hash: input.hostTokenHash ?? null, now: Date.now() });
      return sessions.get(input.id)!;
    },
    get(id: string): StoredSession | null {
      const r = s.sessionGet.get(id);
      if (r === undefined) return null;
      return { id: r.id, code: r.code, name: r.name, settings: JSON.parse(r.settings), hostTokenHash: r.host_token_hash, createdAt: r.created_at, updatedAt: r.updated_at };
    },
    list(): StoredSession[] {
      return s.sessionList.all().map((r) => sessions.get(r.id)!);
    },
    /** Deletes a session and its checkpoint; its recordings stay, with sessionId null. */
    delete(id: string): boolean {
      assertOpen();
      return s.sessionDelete.run(id).changes > 0;
    },
  };

  const recordings = {
    /** Starts a new recording of an existing session. Throws for an unknown session. */
    start(sessionId: string, name?: string, opts?: RecorderOptions): Recorder {
      assertOpen();
      const session = s.sessionGet.get(sessionId);
      if (session === undefined) throw new Error(`unknown session ${JSON.stringify(sessionId)}`);
      const startedAt = Date.now();
      const id = randomUUID();
      const label = (name ?? `${session.name} ${new Date(startedAt).toISOString().slice(0, 19).replace('T', ' ')}`).slice(0, 200);
      s.recordingInsert.run({ id, session_id: sessionId, name: label, started_at: startedAt, imported_at: null, status: 'ready' });
      return recorderFor(id, 0, 0, opts);
    },
    /**
     * Reopens a recording to append to it, e.g. after a restart: seq continues from its last
     * committed event, time from its last committed item. Throws for an unknown or busy one.
     */
    resume(id: string, opts?: RecorderOptions): Recorder {
      assertOpen();
      const row = s.recordingGet.get(id);
      if (row === undefined) throw new Error(`unknown recording ${JSON.stringify(id)}`);
      if (active.has(id)) throw new RecordingBusyError(`recording ${id} is already being written`);
      const last = s.eventLast.get(id);
      s.recordingEnd.run(null, id);
      return recorderFor(id, last?.seq ?? 0, Math.max(row.duration_ms, last?.t_ms ?? 0), opts);
    },
    /** The Recorder writing this recording in this process, if any. */
    recorder(id: string): Recorder | undefined {
      return active.get(id);
    },
    /** Visible recordings, newest first; filter by session. */
    list(filter: { sessionId?: string } = {}): RecordingMeta[] {
      const rows = filter.sessionId === undefined ? s.recordingList.all() : s.recordingListBySession.all(filter.sessionId);
      return rows.map(toMeta);
    },
    get(id: string): RecordingMeta | null {
      const r = s.recordingGet.get(id);
      return r === undefined ? null : toMeta(r);
    },
    markers(id: string): StoredMarker[] {
      return s.markerList.all(id).map((m) => ({ seq: m.seq, tMs: m.t_ms, kind: m.kind, label: m.label, data: m.data === null ? null : JSON.parse(m.data) }));
    },
    /** Up to limit committed events with seq > afterSeq, in seq order, decoded. */
    readEvents(id: string, afterSeq: number, limit: number): StoredEvent[] {
      return s.eventPage.all(id, afterSeq, Number.MAX_SAFE_INTEGER, limit).map((e) => ({ seq: e.seq, tMs: e.t_ms, type: e.type, payload: decodePayload(e.payload) }));
    },
    /** The last keyframe whose time is ≤ tMs, decoded, or null. */
    keyframeAt(id: string, tMs: number): StoredKeyframe | null {
      const k = s.keyframeAtOrBefore.get(id, tMs);
      return k === undefined ? null : { seq: k.seq, tMs: k.t_ms, snapshot: decodePayload(k.payload) };
    },
    /** Stored bytes of event payloads (for byte-level checks). */
    rawEvents(id: string, afterSeq: number, limit: number) {
      return s.eventPage.all(id, afterSeq, Number.MAX_SAFE_INTEGER, limit);
    },
    /**
     * Deletes a recording: false if unknown; RecordingBusyError while a Recorder writes it. It
     * disappears from every read at once; its rows are freed in the background.
     */
    delete(id: string): boolean {
      assertOpen();
      if (active.has(id)) throw new RecordingBusyError(`recording ${id} is being recorded; stop it first`);
      if (s.recordingHide.run(id).changes === 0) return false;
      purgeQueue.add(id);
      schedulePurge();
      return true;
    },
    /** The export file (gzip bytes, docs/recording-format.md) as a stream, or null if unknown. */
    export(id: string): Readable | null {
      assertOpen();
      const row = s.recordingGet.get(id);
      return row === undefined ? null : exportRecording(database, row);
    },
    /** The export file in one Buffer, or null if unknown. */
    async exportBuffer(id: string): Promise<Buffer | null> {
      const stream = recordings.export(id);
      if (stream === null) return null;
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    /** Imports an export file as a new recording; resolves to its id. Rejects with RecordingImportError. */
    import(file: Uint8Array): Promise<string> {
      assertOpen();
      return importRecording(database, file, importLimits, { discard });
    },
  };

  const checkpoints = {
    /** Replaces the session's checkpoint (one per session: the latest). tick: an integer ≥ 0. */
    save(sessionId: string, tick: number, state: Uint8Array): void {
      assertOpen();
      if (!Number.isSafeInteger(tick) || tick < 0) throw new RangeError(`tick must be an integer ≥ 0, got ${tick}`);
      s.checkpointUpsert.run(sessionId, tick, Date.now(), Buffer.from(state.buffer, state.byteOffset, state.byteLength));
    },
    latest(sessionId: string): StoredCheckpoint | null {
      const c = s.checkpointGet.get(sessionId);
      return c === undefined ? null : { sessionId: c.session_id, tick: c.tick, savedAt: c.saved_at, state: new Uint8Array(c.state) };
    },
  };

  return {
    path,
    sessions,
    recordings,
    checkpoints,
    /**
     * Copies the WAL into the database and truncates it to 0 bytes, unless another connection
     * is reading (then busy = 1 and nothing waits). log / checkpointed: WAL pages before / copied.
     */
    checkpointWal,
    /** `PRAGMA integrity_check`: 'ok' or the first problem found. */
    integrityCheck(): string {
      return String(db.pragma('integrity_check', { simple: true }));
    },
    /** Recordings still waiting to be freed (deleted or failed imports). */
    get pendingPurges(): number {
      return purgeQueue.size;
    },
    /** Closes every open Recorder (committing what they queued), truncates the WAL and closes the file. */
    close(): void {
      if (closed) return;
      for (const recorder of [...active.values()]) {
        try {
          recorder.close();
        } catch {
          // A failed recorder has released itself; its committed events stay.
        }
      }
      closed = true;
      if (walTimer) clearInterval(walTimer);
      if (purging) clearImmediate(purging);
      if (database.wal) checkpointWal();
      db.close();
    },
  };
}
