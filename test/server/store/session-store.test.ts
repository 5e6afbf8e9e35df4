/**
 * The store on real SQLite files: sessions, recording (seq 1, 2, … without gaps, batching,
 * times, keyframes and markers), reading back after reopening the file, resume, delete (hidden
 * at once, rows freed in the background), checkpoints, and the schema version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { openDatabase, SCHEMA_VERSION, schemaVersion, StoreSchemaError } from '../../../server/store/database.js';
import { openSqlite } from '../../../server/store/sqlite.js';
import { createStore, RecordingBusyError, type Store } from '../../../server/store/session-store.js';

const root = mkdtempSync(join(tmpdir(), 'rgflow-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(root, `s${counter++}.db`);

function storeWithSession(path = freshPath()): Store {
  const store = createStore(path);
  store.sessions.upsert({ id: 'default', code: 'ABC123', name: 'Default', settings: { L: 40, seed: 1 } });
  return store;
}

/** Rows of a recording in a table, read through a second connection. */
function count(store: Store, table: string, id: string): number {
  const db = openSqlite(store.path);
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE recording_id = ?`).get(id) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sessions', () => {
  it('upserts (created_at kept), gets, lists and deletes; deleting drops the checkpoint and detaches recordings', () => {
    const store = createStore(freshPath());
    const a = store.sessions.upsert({ id: 'a', name: 'A', settings: { L: 16 }, hostTokenHash: 'h1' });
    expect(a).toMatchObject({ id: 'a', code: null, name: 'A', settings: { L: 16 }, hostTokenHash: 'h1' });
    const a2 = store.sessions.upsert({ id: 'a', code: 'XYZ', name: 'A2', settings: { L: 32 } });
    expect(a2).toMatchObject({ code: 'XYZ', name: 'A2', settings: { L: 32 }, hostTokenHash: null, createdAt: a.createdAt });
    store.sessions.upsert({ id: 'b', name: 'B', settings: {} });
    expect(store.sessions.list().map((s) => s.id).sort()).toEqual(['a', 'b']);
    store.checkpoints.save('a', 1, new Uint8Array([1]));
    const rec = store.recordings.start('a', 'run');
    rec.append('frame', { n: 1 });
    rec.close();
    expect(store.sessions.delete('a')).toBe(true);
    expect(store.sessions.delete('a')).toBe(false);
    expect(store.sessions.get('a')).toBeNull();
    expect(store.checkpoints.latest('a')).toBeNull();
    expect(store.recordings.get(rec.id)).toMatchObject({ sessionId: null, eventCount: 1 });
    expect(() => store.sessions.upsert({ id: 'c', name: 'C', settings: undefined })).toThrow(TypeError);
    store.close();
  });
});

describe('Recorder', () => {
  it('numbers events 1, 2, 3, … without gaps and reads every payload back exactly after reopening the file', () => {
    const path = freshPath();
    const store = storeWithSession(path);
    const rng = new Rng(3);
    const rec = store.recordings.start('default', 'typed arrays', { maxBatchEvents: 37 });
    const sent: unknown[] = [];
    for (let i = 1; i <= 1000; i++) {
      const payload = {
        i,
        spins: Int8Array.from({ length: 64 }, () => (rng.nextBelow(2) ? 1 : -1)),
        weights: Float32Array.from({ length: 16 }, () => rng.nextGaussian()),
        packed: Uint8Array.from({ length: 8 }, () => rng.nextBelow(256)),
      };
      sent.push(payload);
      expect(rec.append(i % 15 === 0 ? 'weights' : 'frame', payload, i)).toBe(i);
    }
    expect(rec.lastSeq).toBe(1000);
    expect(rec.flushedSeq).toBeGreaterThanOrEqual(999 - 36); // batches of 37 committed as they filled
    rec.close();
    store.close();

    const again = createStore(path);
    const back = again.recordings.readEvents(rec.id, 0, 5000);
    expect(back.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, k) => k + 1));
    expect(back.map((e) => e.tMs)).toEqual(Array.from({ length: 1000 }, (_, k) => k + 1));
    expect(back.map((e) => e.payload)).toEqual(sent);
    const first = back[0].payload as { spins: Int8Array; weights: Float32Array; packed: Uint8Array };
    expect(first.spins).toBeInstanceOf(Int8Array);
    expect(first.weights).toBeInstanceOf(Float32Array);
    expect(first.packed.constructor).toBe(Uint8Array);
    expect(back.filter((e) => e.type === 'weights')).toHaveLength(66);
    expect(again.recordings.get(rec.id)).toMatchObject({ eventCount: 1000, durationMs: 1000, live: false });
    expect(again.recordings.get(rec.id)!.endedAt).not.toBeNull();
    expect(again.integrityCheck()).toBe('ok');
    again.close();
  });

  it('commits a batch after batchIntervalMs without flush(), and flush() forces one', async () => {
    const store = storeWithSession();
    const rec = store.recordings.start('default', undefined, { batchIntervalMs: 20 });
    rec.append('frame', { n: 1 });
    rec.append('frame', { n: 2 });
    expect(rec.flushedSeq).toBe(0);
    expect(store.recordings.readEvents(rec.id, 0, 10)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(rec.flushedSeq).toBe(2);
    expect(store.recordings.readEvents(rec.id, 0, 10)).toHaveLength(2);
    rec.append('frame', { n: 3 });
    expect(rec.flush()).toBe(3);
    expect(store.recordings.get(rec.id)).toMatchObject({ eventCount: 3, live: true, endedAt: null });
    store.close();
  });

  it('keeps time monotonic: default times never go back, an explicit earlier time is refused', () => {
    let clock = 1000;
    const store = storeWithSession();
    const rec = store.recordings.start('default', 'times', { now: () => clock });
    rec.append('frame', 1);
    clock += 250.4;
    rec.append('frame', 2);
    expect(() => rec.append('frame', 3, 100)).toThrow(RangeError);
    expect(() => rec.append('frame', 3, Number.NaN)).toThrow(RangeError);
    rec.append('frame', 3, 400);
    clock = 1100; // even if the clock were to jump back, recorded time does not
    rec.append('frame', 4);
    rec.close();
    expect(store.recordings.readEvents(rec.id, 0, 10).map((e) => e.tMs)).toEqual([0, 250, 400, 400]);
    store.close();
  });

  it('refuses a bad event type or an unencodable payload without using a seq', () => {
    const store = storeWithSession();
    const rec = store.recordings.start('default');
    expect(() => rec.append('', 1)).toThrow(TypeError);
    expect(() => rec.append('bad type!', 1)).toThrow(TypeError);
    expect(() => rec.append('frame', { f: () => 1 })).toThrow(TypeError);
    expect(() => rec.marker('nope' as 'milestone', 'x')).toThrow(TypeError);
    expect(() => rec.marker('milestone', 'x'.repeat(201))).toThrow(TypeError);
    expect(rec.append('frame', 1)).toBe(1);
    rec.close();
    expect(() => rec.append('frame', 2)).toThrow(/closed/);
    store.close();
  });

  it('stores keyframes and markers at the seq of the event before them, and keyframes every interval from a snapshot source', () => {
    const store = storeWithSession();
    let state = 0;
    const rec = store.recordings.start('default', 'counter', { snapshot: () => ({ state }), keyframeIntervalMs: 1000, now: () => 0 });
    for (let t = 0; t <= 3500; t += 100) {
      state++;
      rec.append('inc', { by: 1 }, t);
      if (t === 1200) rec.marker('temperature', 'T = 2.0', { T: 2 });
      if (t === 2300) rec.marker('tc-crossing', 'crossed T_c going down', { from: 2.4, to: 2.1 });
    }
    rec.marker('host-action', 'paused');
    rec.close();
    const meta = store.recordings.get(rec.id)!;
    expect(meta).toMatchObject({ eventCount: 36, markerCount: 3, keyframeCount: 4 });
    // The keyframe at seq 0 (start), then the first event at ≥ 1000 ms after the previous keyframe.
    const frames = [0, 999, 1000, 2000, 3000].map((t) => store.recordings.keyframeAt(rec.id, t));
    expect(frames.map((k) => k && [k.seq, k.tMs, k.snapshot])).toEqual([
      [0, 0, { state: 0 }],
      [0, 0, { state: 0 }],
      [11, 1000, { state: 11 }],
      [21, 2000, { state: 21 }],
      [31, 3000, { state: 31 }],
    ]);
    expect(store.recordings.markers(rec.id)).toEqual([
      { seq: 13, tMs: 1200, kind: 'temperature', label: 'T = 2.0', data: { T: 2 } },
      { seq: 24, tMs: 2300, kind: 'tc-crossing', label: 'crossed T_c going down', data: { from: 2.4, to: 2.1 } },
      { seq: 36, tMs: 3500, kind: 'host-action', label: 'paused', data: null },
    ]);
    store.close();
  });

  it('resumes a recording: seq and time continue; only one writer at a time', () => {
    const path = freshPath();
    const store = storeWithSession(path);
    const rec = store.recordings.start('default', 'resumable');
    for (let i = 0; i < 10; i++) rec.append('frame', i, i * 10);
    rec.flush();
    expect(() => store.recordings.resume(rec.id)).toThrow(RecordingBusyError);
    store.close(); // closes the recorder too
    const again = createStore(path);
    const more = again.recordings.resume(rec.id);
    expect(again.recordings.get(rec.id)).toMatchObject({ endedAt: null, live: true });
    expect(more.lastSeq).toBe(10);
    expect(more.append('frame', 10)).toBe(11);
    expect(() => more.append('frame', 11, 50)).toThrow(RangeError); // before the last recorded 90 ms
    more.close();
    const events = again.recordings.readEvents(rec.id, 0, 100);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, k) => k + 1));
    expect(events[10].tMs).toBeGreaterThanOrEqual(90);
    expect(() => again.recordings.resume('no-such')).toThrow(/unknown recording/);
    expect(() => again.recordings.start('no-such')).toThrow(/unknown session/);
    again.close();
  });

  it('lists recordings newest first, filtered by session', () => {
    const store = storeWithSession();
    store.sessions.upsert({ id: 'other', name: 'Other', settings: {} });
    const ids = ['default', 'other', 'default'].map((s, i) => {
      const r = store.recordings.start(s, `r${i}`);
      r.close();
      return r.id;
    });
    expect(store.recordings.list().map((r) => r.name).sort()).toEqual(['r0', 'r1', 'r2']);
    expect(store.recordings.list({ sessionId: 'default' }).map((r) => r.id).sort()).toEqual([ids[0], ids[2]].sort());
    expect(store.recordings.list({ sessionId: 'other' }).map((r) => r.id)).toEqual([ids[1]]);
    store.close();
  });
});

describe('delete', () => {
  it('hides a recording at once and frees all its rows in the background; refuses while it is recorded', async () => {
    const store = storeWithSession();
    const rec = store.recordings.start('default', 'doomed', { snapshot: () => ({ big: new Float32Array(1000) }), keyframeIntervalMs: 10 });
    for (let i = 0; i < 5000; i++) rec.append('frame', { i }, i);
    rec.marker('milestone', 'half way');
    expect(() => store.recordings.delete(rec.id)).toThrow(RecordingBusyError);
    rec.close();
    const keep = store.recordings.start('default', 'kept');
    keep.append('frame', 1);
    keep.close();
    expect(count(store, 'keyframes', rec.id)).toBeGreaterThan(400);

    expect(store.recordings.delete(rec.id)).toBe(true);
    expect(store.recordings.get(rec.id)).toBeNull();
    expect(store.recordings.list().map((r) => r.id)).toEqual([keep.id]);
    expect(store.recordings.export(rec.id)).toBeNull();
    expect(store.recordings.delete(rec.id)).toBe(false);
    expect(store.recordings.delete('never-was')).toBe(false);
    while (store.pendingPurges > 0) await new Promise((r) => setImmediate(r));
    for (const table of ['events', 'keyframes', 'markers']) expect(count(store, table, rec.id)).toBe(0);
    expect(count(store, 'events', keep.id)).toBe(1);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  });

  it('finishes an interrupted purge when the store is opened again', async () => {
    const path = freshPath();
    const store = storeWithSession(path);
    const rec = store.recordings.start('default');
    for (let i = 0; i < 3000; i++) rec.append('frame', i);
    rec.close();
    store.recordings.delete(rec.id);
    store.close(); // before the background purge ran
    expect(count(store, 'events', rec.id)).toBe(3000);
    const again = createStore(path);
    expect(again.pendingPurges).toBe(1);
    expect(again.recordings.get(rec.id)).toBeNull();
    while (again.pendingPurges > 0) await new Promise((r) => setImmediate(r));
    expect(count(again, 'events', rec.id)).toBe(0);
    again.close();
  });
});

describe('checkpoints', () => {
  it('keeps the latest state per session, bit for bit, across reopening', () => {
    const path = freshPath();
    const store = storeWithSession(path);
    expect(store.checkpoints.latest('default')).toBeNull();
    const rng = new Rng(9);
    const state1 = Uint8Array.from({ length: 100_000 }, () => rng.nextBelow(256));
    const state2 = Uint8Array.from({ length: 3_000_000 }, () => rng.nextBelow(256)).subarray(7, 2_500_007);
    store.checkpoints.save('default', 30_000, state1);
    store.checkpoints.save('default', 60_000, state2);
    expect(() => store.checkpoints.save('default', -1, state1)).toThrow(RangeError);
    expect(() => store.checkpoints.save('no-session', 1, state1)).toThrow(/FOREIGN KEY/);
    store.close();
    const again = createStore(path);
    const latest = again.checkpoints.latest('default')!;
    expect(latest.tick).toBe(60_000);
    expect(Buffer.from(latest.state).equals(Buffer.from(state2))).toBe(true);
    expect(latest.savedAt).toBeGreaterThan(Date.now() - 60_000);
    again.close();
  });
});

describe('schema', () => {
  it('creates schema_version, migrates once, runs WAL with synchronous = NORMAL and foreign keys on', () => {
    const path = freshPath();
    const { db, wal } = openDatabase(path);
    expect(wal).toBe(true);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
    const again = openDatabase(path);
    expect(schemaVersion(again.db)).toBe(SCHEMA_VERSION);
    again.db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    again.db.close();
    expect(() => openDatabase(path)).toThrow(StoreSchemaError);
  });

  it('works in memory (no WAL) for tests and tools', () => {
    const store = createStore(':memory:');
    store.sessions.upsert({ id: 'm', name: 'M', settings: {} });
    const rec = store.recordings.start('m');
    rec.append('frame', new Float32Array([1.5]));
    rec.close();
    expect(store.recordings.readEvents(rec.id, 0, 1)[0].payload).toEqual(new Float32Array([1.5]));
    store.close();
  });
});
