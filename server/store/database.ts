/**
 * The SQLite file behind the store: opening it with the durability settings of
 * docs/architecture.md ("Storage"), the schema and its migrations, and every prepared
 * statement the store runs. Nothing here decides anything; session-store.ts is the API.
 *
 * Times: `*_at` columns are wall-clock ms since the Unix epoch; `t_ms` is ms since the
 * recording started on a monotonic clock. `seq` numbers a recording's events 1, 2, 3, … without
 * gaps; a keyframe or marker at seq s describes the state after event s (s = 0: before any).
 */
import { openSqlite, type SqliteDatabase } from './sqlite.js';

/** Marker kinds, in the order the UI lists them. */
export const MARKER_KINDS = ['temperature', 'tc-crossing', 'milestone', 'host-action'] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];

/** A recording row is visible (`ready`) or being written by an import / purged by a delete. */
export type RecordingStatus = 'ready' | 'importing' | 'deleting';

/**
 * Schema migrations; migration i takes the file from schema version i to i + 1. Append only:
 * never edit one that has shipped.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    code TEXT,
    name TEXT NOT NULL,
    settings TEXT NOT NULL CHECK (json_valid(settings)),
    host_token_hash TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    event_count INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    imported_at INTEGER,
    status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'importing', 'deleting'))
  );
  CREATE INDEX recordings_by_session ON recordings(session_id, started_at);
  CREATE TABLE events (
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    t_ms INTEGER NOT NULL CHECK (t_ms >= 0),
    type TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (recording_id, seq)
  );
  CREATE TABLE keyframes (
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    t_ms INTEGER NOT NULL CHECK (t_ms >= 0),
    payload BLOB NOT NULL,
    PRIMARY KEY (recording_id, seq)
  );
  CREATE TABLE markers (
    id INTEGER PRIMARY KEY,
    recording_id TEXT NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    t_ms INTEGER NOT NULL CHECK (t_ms >= 0),
    kind TEXT NOT NULL, -- one of MARKER_KINDS, checked in code (a new kind needs no migration)
    label TEXT NOT NULL,
    data TEXT CHECK (data IS NULL OR json_valid(data))
  );
  CREATE INDEX markers_by_recording ON markers(recording_id, seq);
  CREATE TABLE checkpoints (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    tick INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    state BLOB NOT NULL
  );
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export interface SessionRow {
  id: string;
  code: string | null;
  name: string;
  settings: string;
  host_token_hash: string | null;
  created_at: number;
  updated_at: number;
}

export interface RecordingRow {
  id: string;
  session_id: string | null;
  name: string;
  started_at: number;
  ended_at: number | null;
  event_count: number;
  duration_ms: number;
  imported_at: number | null;
  status: RecordingStatus;
  marker_count: number;
  keyframe_count: number;
}

export interface EventRow {
  seq: number;
  t_ms: number;
  type: string;
  payload: Buffer;
}

export interface KeyframeRow {
  seq: number;
  t_ms: number;
  payload: Buffer;
}

export interface MarkerRow {
  seq: number;
  t_ms: number;
  kind: MarkerKind;
  label: string;
  data: string | null;
}

export interface CheckpointRow {
  session_id: string;
  tick: number;
  saved_at: number;
  state: Buffer;
}

const RECORDING_COLUMNS = `r.*,
  (SELECT COUNT(*) FROM markers m WHERE m.recording_id = r.id) AS marker_count,
  (SELECT COUNT(*) FROM keyframes k WHERE k.recording_id = r.id) AS keyframe_count`;

function prepareStatements(db: SqliteDatabase) {
  return {
    sessionUpsert: db.prepare(`INSERT INTO sessions (id, code, name, settings, host_token_hash, created_at, updated_at)
      VALUES (@id, @code, @name, @settings, @host_token_hash, @now, @now)
      ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, settings = excluded.settings,
        host_token_hash = excluded.host_token_hash, updated_at = excluded.updated_at`),
    sessionGet: db.prepare<SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    sessionList: db.prepare<SessionRow>('SELECT * FROM sessions ORDER BY created_at, id'),
    sessionDelete: db.prepare('DELETE FROM sessions WHERE id = ?'),

    recordingInsert: db.prepare(`INSERT INTO recordings (id, session_id, name, started_at, imported_at, status)
      VALUES (@id, @session_id, @name, @started_at, @imported_at, @status)`),
    recordingGet: db.prepare<RecordingRow>(`SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE r.id = ? AND r.status = 'ready'`),
    recordingList: db.prepare<RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE r.status = 'ready' ORDER BY r.started_at DESC, r.id`,
    ),
    recordingListBySession: db.prepare<RecordingRow>(
      `SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE r.status = 'ready' AND r.session_id = ? ORDER BY r.started_at DESC, r.id`,
    ),
    recordingProgress: db.prepare('UPDATE recordings SET event_count = ?, duration_ms = ? WHERE id = ?'),
    recordingEnd: db.prepare('UPDATE recordings SET ended_at = ? WHERE id = ?'),
    recordingStatus: db.prepare('UPDATE recordings SET status = ? WHERE id = ?'),
    recordingHide: db.prepare(`UPDATE recordings SET status = 'deleting' WHERE id = ? AND status = 'ready'`),
    recordingsNotReady: db.prepare<{ id: string }>(`SELECT id FROM recordings WHERE status <> 'ready'`),
    recordingDelete: db.prepare('DELETE FROM recordings WHERE id = ?'),

    eventInsert: db.prepare('INSERT INTO events (recording_id, seq, t_ms, type, payload) VALUES (?, ?, ?, ?, ?)'),
    eventPage: db.prepare<EventRow>(
      'SELECT seq, t_ms, type, payload FROM events WHERE recording_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    ),
    eventLast: db.prepare<{ seq: number; t_ms: number }>(
      'SELECT seq, t_ms FROM events WHERE recording_id = ? ORDER BY seq DESC LIMIT 1',
    ),
    eventDeleteChunk: db.prepare(
      'DELETE FROM events WHERE recording_id = @id AND seq IN (SELECT seq FROM events WHERE recording_id = @id ORDER BY seq LIMIT @limit)',
    ),

    keyframeInsert: db.prepare('INSERT OR REPLACE INTO keyframes (recording_id, seq, t_ms, payload) VALUES (?, ?, ?, ?)'),
    keyframeAtOrBefore: db.prepare<KeyframeRow>(
      'SELECT seq, t_ms, payload FROM keyframes WHERE recording_id = ? AND t_ms <= ? ORDER BY seq DESC LIMIT 1',
    ),
    keyframePage: db.prepare<KeyframeRow>(
      'SELECT seq, t_ms, payload FROM keyframes WHERE recording_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    ),
    keyframeLast: db.prepare<{ seq: number; t_ms: number }>(
      'SELECT seq, t_ms FROM keyframes WHERE recording_id = ? ORDER BY seq DESC LIMIT 1',
    ),
    keyframeDeleteChunk: db.prepare(
      'DELETE FROM keyframes WHERE recording_id = @id AND seq IN (SELECT seq FROM keyframes WHERE recording_id = @id ORDER BY seq LIMIT @limit)',
    ),

    markerInsert: db.prepare('INSERT INTO markers (recording_id, seq, t_ms, kind, label, data) VALUES (?, ?, ?, ?, ?, ?)'),
    markerList: db.prepare<MarkerRow>('SELECT seq, t_ms, kind, label, data FROM markers WHERE recording_id = ? ORDER BY seq, id'),
    markerPage: db.prepare<MarkerRow & { id: number }>(
      'SELECT id, seq, t_ms, kind, label, data FROM markers WHERE recording_id = ? AND (seq, id) > (?, ?) AND seq <= ? ORDER BY seq, id LIMIT ?',
    ),
    markerDeleteAll: db.prepare('DELETE FROM markers WHERE recording_id = ?'),

    checkpointUpsert: db.prepare(`INSERT INTO checkpoints (session_id, tick, saved_at, state) VALUES (?, ?, ?, ?)
      ON CONFLICT (session_id) DO UPDATE SET tick = excluded.tick, saved_at = excluded.saved_at, state = excluded.state`),
    checkpointGet: db.prepare<CheckpointRow>('SELECT * FROM checkpoints WHERE session_id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export interface StoreDatabase {
  db: SqliteDatabase;
  statements: Statements;
  /** True for a file in WAL mode, false for ':memory:'. */
  wal: boolean;
}

export interface OpenOptions {
  /** ms a statement waits for another connection's lock before failing with SQLITE_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /** WAL size in pages that triggers an automatic checkpoint after a commit (SQLite's default, 1000 ≈ 4 MiB). */
  walAutocheckpointPages?: number;
  /** Bytes the WAL file is truncated back to after a checkpoint resets it (default 16 MiB). */
  journalSizeLimitBytes?: number;
}

/** The file's schema is newer than this code, or the file is not an rgflow store. */
export class StoreSchemaError extends Error {
  override name = 'StoreSchemaError';
}

/**
 * Opens the store at path (a file, created with its directory's permissions, or ':memory:'):
 * WAL, synchronous = NORMAL, foreign keys on, busy timeout; then brings the schema up to
 * SCHEMA_VERSION inside one IMMEDIATE transaction, so two processes opening a fresh file
 * cannot both migrate it. Throws StoreSchemaError for a file from a newer version.
 */
export function openDatabase(path: string, options: OpenOptions = {}): StoreDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = openSqlite(path, { timeout: busyTimeoutMs });
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${busyTimeoutMs | 0}`);
    db.pragma(`wal_autocheckpoint = ${(options.walAutocheckpointPages ?? 1000) | 0}`);
    db.pragma(`journal_size_limit = ${(options.journalSizeLimitBytes ?? 16 * 1024 * 1024) | 0}`);
    migrate(db);
    return { db, statements: prepareStatements(db), wal: mode === 'wal' };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version recorded in the file (0 for a new file). */
export function schemaVersion(db: SqliteDatabase): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (table === undefined) return 0;
  const row = db.prepare<{ version: number }>('SELECT version FROM schema_version').get();
  return row?.version ?? 0;
}

function migrate(db: SqliteDatabase): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const from = schemaVersion(db);
    if (from === 0) {
      const foreign = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
      if (foreign !== undefined) throw new StoreSchemaError('the file has an events table but no schema_version: not an rgflow store');
      db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
      db.exec('INSERT INTO schema_version (version) VALUES (0)');
    }
    if (from > SCHEMA_VERSION) {
      throw new StoreSchemaError(`the store has schema version ${from}; this rgflow reads up to ${SCHEMA_VERSION}`);
    }
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
