/**
 * The glue between the live sessions and the store (docs/architecture.md, "Persistence"):
 *
 * - every session is upserted into the store when it is created and records what it
 *   broadcasts (events and markers, a keyframe from `hub.snapshot()` every 10 s);
 * - every `checkpointSeconds` (default 30), and once more before shutdown, each session's
 *   engine is checkpointed (`hub.checkpoint()` → `store.checkpoints.save`);
 * - at startup, `resumeList()` gives `createApp({ resume })` every saved session with a
 *   checkpoint, and each resumed session continues its latest recording
 *   (`store.recordings.resume`) with a `milestone` marker "resumed from checkpoint at tick T";
 * - a session closed while the server runs (idle) is forgotten by the store: its checkpoint is
 *   deleted, its recordings stay (with sessionId null).
 *
 * The store never decides anything; the hub never touches disk. This module owns neither.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Request } from 'express';
import type { PolicyMode } from '../../shared/protocol/events.js';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';
import type { MarkerKind as HubMarkerKind, SavedSession, SessionHub } from '../sessions/session-hub.js';
import { DEFAULT_SESSION_ID, type CloseReason } from '../sessions/session-registry.js';
import { hashesEqual, hashHostToken } from '../sessions/tokens.js';
import type { MarkerKind as StoreMarkerKind } from '../store/database.js';
import { createStore, type Recorder, type RecordingMeta, type Store } from '../store/session-store.js';

/** Environment variable naming the data file (same as `--data`). */
export const DATA_ENV = 'RGFLOW_DATA';
/** The data file when neither `--data` nor RGFLOW_DATA names one, relative to the working directory. */
export const DEFAULT_DATA_FILE = './data/rgflow.sqlite';

/** What the store keeps of a session in its `settings` column (with id, code, name, host token hash in their own). */
interface StoredSettings {
  config: EngineConfig;
  policy: PolicyMode;
  createdAt: number;
}

const MARKER_KIND: Record<HubMarkerKind, StoreMarkerKind> = {
  temperature: 'temperature',
  'critical-crossing': 'tc-crossing',
  policy: 'host-action',
  'host-action': 'host-action',
};

export interface PersistenceOptions {
  /** The SQLite file (its directory is created), or ':memory:' for a store that dies with the process. */
  path: string;
  /** Seconds between engine checkpoints (default 30; 0: only at shutdown). */
  checkpointSeconds?: number;
  log?: (line: string) => void;
}

export type SessionPersistence = ReturnType<typeof openPersistence>;

/** Opens (creating) the data file. Nothing is recorded until `onSessionCreated` sees a session. */
export function openPersistence(options: PersistenceOptions) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const path = options.path === ':memory:' ? ':memory:' : resolve(options.path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const store: Store = createStore(path);
  const recorders = new Map<string, Recorder>();
  const hubs = new Map<string, SessionHub>();
  /** Resumed sessions: the recording to continue and the checkpoint's tick. */
  const continuing = new Map<string, { recordingId: string | null; tick: number }>();
  let shuttingDown = false;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const upsert = (saved: SavedSession): void => {
    const settings: StoredSettings = { config: saved.config, policy: saved.policy, createdAt: saved.createdAt };
    store.sessions.upsert({ id: saved.id, code: saved.code, name: saved.name, settings, hostTokenHash: saved.hostTokenHash });
  };

  /** Saves every live session's engine checkpoint; a failure is logged per session. */
  const checkpointAll = async (): Promise<number> => {
    let saved = 0;
    await Promise.all(
      [...hubs.values()].map(async (hub) => {
        try {
          const { session, engine } = await hub.checkpoint();
          if (closed) return;
          upsert(session);
          store.checkpoints.save(session.id, engine.tick, engine.state);
          saved++;
        } catch (error) {
          log(`rgflow: checkpoint of session ${hub.code} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    return saved;
  };

  return {
    store,
    path,

    /**
     * The sessions to resume (`createApp({ resume })`): every stored session with a checkpoint.
     * Remembers which recording each one continues.
     */
    resumeList(): { session: SavedSession; checkpoint: Uint8Array }[] {
      const list: { session: SavedSession; checkpoint: Uint8Array }[] = [];
      for (const stored of store.sessions.list()) {
        const saved = this.loadSaved(stored.id);
        if (saved?.checkpoint) list.push({ session: saved.session, checkpoint: saved.checkpoint });
        else continuing.delete(stored.id);
      }
      return list;
    },

    /** Ids of every stored session (with --redis: the sessions some node should run). */
    savedIds(): string[] {
      return store.sessions.list().map((stored) => stored.id);
    },

    /**
     * Stored session `id` and its latest checkpoint (null: none yet; it starts afresh from its
     * settings), remembering the recording it continues; null when it is not stored.
     */
    loadSaved(id: string): { session: SavedSession; checkpoint: Uint8Array | null } | null {
      const stored = store.sessions.get(id);
      const settings = stored?.settings as Partial<StoredSettings> | null | undefined;
      if (!stored || !settings?.config || stored.code === null || stored.hostTokenHash === null) return null;
      const checkpoint = store.checkpoints.latest(stored.id);
      const latest = store.recordings.list({ sessionId: stored.id }).find((r) => r.importedAt === null);
      if (checkpoint) continuing.set(stored.id, { recordingId: latest?.id ?? null, tick: checkpoint.tick });
      return {
        session: {
          id: stored.id,
          code: stored.code,
          name: stored.name,
          createdAt: settings.createdAt ?? stored.createdAt,
          hostTokenHash: stored.hostTokenHash,
          policy: settings.policy ?? 'free',
          config: settings.config,
        },
        checkpoint: checkpoint?.state ?? null,
      };
    },

    /** `createApp({ onSessionCreated })`: upserts the session and attaches its recorder (before its engine starts). */
    onSessionCreated(hub: SessionHub): void {
      if (closed) return;
      upsert(hub.describe());
      hubs.set(hub.id, hub);
      const snapshot = () => hub.snapshot();
      const onError = (error: unknown) => log(`rgflow: recording of session ${hub.code} failed: ${String(error)}`);
      const resumed = continuing.get(hub.id);
      continuing.delete(hub.id);
      let recorder: Recorder | null = null;
      if (resumed?.recordingId) {
        try {
          recorder = store.recordings.resume(resumed.recordingId, { snapshot, onError });
          recorder.marker('milestone', `resumed from checkpoint at tick ${resumed.tick}`, { tick: resumed.tick });
        } catch (error) {
          log(`rgflow: could not continue recording ${resumed.recordingId}: ${String(error)}; starting a new one`);
        }
      }
      recorder ??= store.recordings.start(hub.id, undefined, { snapshot, onError });
      if (resumed && !resumed.recordingId) recorder.marker('milestone', `resumed from checkpoint at tick ${resumed.tick}`, { tick: resumed.tick });
      recorders.set(hub.id, recorder);
      const rec = recorder;
      hub.attachRecorder({
        record: (type, payload) => {
          if (rec.isOpen) rec.append(type, payload);
        },
        marker: (kind, label) => {
          if (rec.isOpen) rec.marker(MARKER_KIND[kind], label);
        },
      });
    },

    /** `createApp({ onSessionClosed })`: closes its recorder; a session that ended for good (idle) is forgotten. */
    onSessionClosed(hub: SessionHub, why: CloseReason = 'ended'): void {
      hubs.delete(hub.id);
      const recorder = recorders.get(hub.id);
      recorders.delete(hub.id);
      if (closed) return;
      try {
        recorder?.close();
      } catch (error) {
        log(`rgflow: closing the recording of session ${hub.code} failed: ${String(error)}`);
      }
      if (why === 'ended' && !shuttingDown && hub.id !== DEFAULT_SESSION_ID) store.sessions.delete(hub.id);
    },

    /** Starts the periodic checkpoints (unref'd). */
    start(checkpointSeconds = options.checkpointSeconds ?? 30): void {
      if (timer || !(checkpointSeconds > 0)) return;
      let running = false;
      timer = setInterval(() => {
        if (running || shuttingDown) return;
        running = true;
        void checkpointAll().finally(() => (running = false));
      }, checkpointSeconds * 1000);
      timer.unref();
    },

    checkpointAll,

    /**
     * First half of shutdown, before the sessions close: stops the timer and saves a final
     * checkpoint of every session (so they are resumed, not forgotten).
     */
    async beforeShutdown(): Promise<void> {
      shuttingDown = true;
      if (timer) clearInterval(timer);
      timer = null;
      const saved = await checkpointAll();
      log(`rgflow: checkpointed ${saved} session${saved === 1 ? '' : 's'}`);
    },

    /** Last: closes every recorder (committing what is queued) and the store. */
    close(): void {
      if (closed) return;
      shuttingDown = true;
      if (timer) clearInterval(timer);
      for (const recorder of recorders.values()) {
        try {
          recorder.close();
        } catch {
          // a failed recorder has released itself
        }
      }
      recorders.clear();
      closed = true;
      store.close();
    },

    /**
     * `authorizeDelete` of the recordings routes: `Authorization: Bearer <host token>` of the
     * recording's session (live or stored). A recording without a session (imported, or its
     * session was closed and forgotten) needs the default session's host token: the operator's.
     */
    authorizeDelete(req: Request, recording: RecordingMeta): boolean {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
      if (!match) return false;
      const sessionId = recording.sessionId ?? DEFAULT_SESSION_ID;
      const stored = store.sessions.get(sessionId);
      if (!stored?.hostTokenHash) return false;
      return hashesEqual(hashHostToken(match[1]!), stored.hostTokenHash);
    },
  };
}
