/**
 * Export → import: the imported recording is the same recording (every payload byte-identical,
 * keyframes and markers included, its re-export item for item equal to the original's), under
 * a new id. Every malformed file is refused with its error code and leaves the store exactly as
 * it was — also when the defect comes after thousands of rows were already staged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeMulti, encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { openSqlite } from '../../../server/store/sqlite.js';
import { RecordingImportError, type ImportErrorCode } from '../../../server/store/recording-file.js';
import { createStore, type Store } from '../../../server/store/session-store.js';

const root = mkdtempSync(join(tmpdir(), 'rgflow-recfile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A recording with > 1 page of everything: 1200 events, ~300 keyframes (seq 0 first), 300 markers. */
function record(store: Store): string {
  const rng = new Rng(21);
  let count = 0;
  const rec = store.recordings.start('s', 'round trip', { snapshot: () => ({ count, lattice: new Int8Array(16).fill(1) }), keyframeIntervalMs: 40, now: () => 0 });
  for (let i = 1; i <= 1200; i++) {
    count++;
    rec.append(i % 10 === 0 ? 'weights' : 'frame', { i, w: Float32Array.from({ length: 8 }, () => rng.nextGaussian()), bits: new Uint8Array([i & 255]) }, i * 10);
    if (i % 4 === 0) rec.marker(i % 8 === 0 ? 'temperature' : 'milestone', `marker ${i}`, i % 16 === 0 ? { T: 2 + i / 1000 } : undefined);
  }
  rec.close();
  return rec.id;
}

const items = (file: Buffer) => [...decodeMulti(gunzipSync(file))] as unknown[];
const fileOf = (list: unknown[]) => gzipSync(Buffer.concat(list.map((item) => Buffer.from(encode(item)))));

function tableCounts(store: Store) {
  const db = openSqlite(store.path);
  try {
    return Object.fromEntries(
      ['sessions', 'recordings', 'events', 'keyframes', 'markers', 'checkpoints'].map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

async function settle(store: Store) {
  while (store.pendingPurges > 0) await new Promise((r) => setImmediate(r));
}

let store: Store;
let id: string;
let exported: Buffer;
let good: unknown[];

beforeAll(async () => {
  store = createStore(join(root, 'main.db'), { import: { maxFileBytes: 4 * 1024 * 1024, maxDecompressedBytes: 16 * 1024 * 1024, maxPayloadBytes: 64 * 1024 } });
  store.sessions.upsert({ id: 's', name: 'Session', settings: {} });
  id = record(store);
  exported = (await store.recordings.exportBuffer(id))!;
  good = items(exported);
  return () => store.close();
});

describe('export → import', () => {
  it('writes a gzip file: header, items in seq order, end counts', () => {
    expect(exported.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(good[0]).toMatchObject({ format: 'rgflow-recording', version: 1, recording: { id, sessionId: 's', name: 'round trip' } });
    const meta = store.recordings.get(id)!;
    expect(good.at(-1)).toEqual(['end', 1200, meta.keyframeCount, 300]);
    expect(meta.keyframeCount).toBeGreaterThan(256);
    const kinds = good.slice(1, 4).map((item) => (item as unknown[])[0]);
    expect(kinds).toEqual(['k', 'e', 'e']); // the keyframe at seq 0 comes before event 1
  });

  it('round-trips: same meta, byte-identical payloads, re-export equal item for item, new id', async () => {
    const before = store.recordings.list().length;
    const copy = await store.recordings.import(exported);
    expect(copy).not.toBe(id);
    expect(store.recordings.list()).toHaveLength(before + 1);
    const a = store.recordings.get(id)!;
    const b = store.recordings.get(copy)!;
    for (const key of ['name', 'startedAt', 'endedAt', 'durationMs', 'eventCount', 'markerCount', 'keyframeCount'] as const) expect(b[key]).toEqual(a[key]);
    expect(b.sessionId).toBeNull();
    expect(b.importedAt).not.toBeNull();
    const rawA = store.recordings.rawEvents(id, 0, 5000);
    const rawB = store.recordings.rawEvents(copy, 0, 5000);
    expect(rawB).toHaveLength(1200);
    rawA.forEach((e, k) => {
      expect([rawB[k].seq, rawB[k].t_ms, rawB[k].type]).toEqual([e.seq, e.t_ms, e.type]);
      expect(rawB[k].payload.equals(e.payload)).toBe(true);
    });
    expect(store.recordings.readEvents(copy, 0, 5000)).toEqual(store.recordings.readEvents(id, 0, 5000));
    expect(store.recordings.markers(copy)).toEqual(store.recordings.markers(id));
    const again = items((await store.recordings.exportBuffer(copy))!);
    expect(again.slice(1)).toEqual(good.slice(1));
    expect((again[0] as { recording: unknown }).recording).toMatchObject({ id: copy, sessionId: null, name: 'round trip' });
  });

  it('exports an empty recording and imports it back', async () => {
    const empty = store.recordings.start('s', 'empty');
    empty.close();
    const copy = await store.recordings.import((await store.recordings.exportBuffer(empty.id))!);
    expect(store.recordings.get(copy)).toMatchObject({ eventCount: 0, keyframeCount: 0, markerCount: 0, name: 'empty' });
  });
});

describe('import refuses every malformed file and changes nothing', () => {
  const header = () => good[0] as Record<string, unknown>;
  const body = () => good.slice(1, -1) as unknown[][];
  const end = () => good.at(-1) as unknown[];
  const eventAt = (list: unknown[][], seq: number) => list.findIndex((item) => item[0] === 'e' && item[1] === seq);
  const withItem = (k: number, item: unknown[]) => {
    const list = body();
    list[k] = item;
    return fileOf([header(), ...list, end()]);
  };

  const cases: Array<[string, ImportErrorCode, () => Buffer]> = [
    ['not gzip', 'bad-compression', () => Buffer.from('hello, this is not a recording')],
    ['plain msgpack without gzip', 'bad-compression', () => Buffer.concat(good.map((item) => Buffer.from(encode(item))))],
    ['gzip cut short', 'bad-compression', () => exported.subarray(0, Math.floor(exported.length * 0.6))],
    ['gzip with a wrong CRC', 'bad-compression', () => { const b = Buffer.from(exported); b[b.length - 8] ^= 0xff; return b; }],
    ['content cut in the middle of a value', 'truncated', () => gzipSync(gunzipSync(exported).subarray(0, 5000))],
    ['no end item', 'truncated', () => fileOf(good.slice(0, -1))],
    ['end counts that differ', 'truncated', () => fileOf([header(), ...body(), ['end', 1199, 0, 0]])],
    ['data after the end item', 'truncated', () => fileOf([...good, ['e', 1201, 99999, 'frame', new Uint8Array([0xc0])]])],
    ['empty content', 'bad-format', () => gzipSync(Buffer.alloc(0))],
    ['wrong magic', 'bad-format', () => fileOf([{ ...header(), format: 'other-recording' }, ...good.slice(1)])],
    ['header not a map', 'bad-format', () => fileOf([['rgflow-recording', 1], ...good.slice(1)])],
    ['header without a name', 'bad-format', () => fileOf([{ ...header(), recording: { startedAt: 1, endedAt: null } }, ...good.slice(1)])],
    ['a __proto__ key', 'bad-encoding', () => gzipSync(Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0xc0])]))],
    ['version 2', 'unsupported-version', () => fileOf([{ ...header(), version: 2 }, ...good.slice(1)])],
    ['two events swapped', 'bad-sequence', () => { const l = body(); const a = eventAt(l, 500); const b = eventAt(l, 501); [l[a], l[b]] = [l[b], l[a]]; return fileOf([header(), ...l, end()]); }],
    ['a gap in seq', 'bad-sequence', () => { const l = body(); l.splice(eventAt(l, 700), 1); return fileOf([header(), ...l, ['end', 1199, end()[2], end()[3]]]); }],
    ['time going back', 'bad-sequence', () => { const l = body(); const k = eventAt(l, 800); l[k] = [...l[k]]; l[k][2] = 5; return fileOf([header(), ...l, end()]); }],
    ['a keyframe at the wrong seq', 'bad-sequence', () => { const l = body(); const k = l.findIndex((i, n) => n > 100 && i[0] === 'k'); l[k] = [...l[k]]; l[k][1] = (l[k][1] as number) + 1; return fileOf([header(), ...l, end()]); }],
    ['an unknown item kind', 'bad-item', () => withItem(1000, ['x', 1, 1])],
    ['an event of the wrong length', 'bad-item', () => withItem(eventAt(body(), 900), ['e', 900, 9000, 'frame'])],
    ['a bad event type', 'bad-item', () => { const l = body(); const k = eventAt(l, 900); return withItem(k, ['e', 900, 9000, 'bad type!', l[k][4]]); }],
    ['a payload that is not binary', 'bad-item', () => withItem(eventAt(body(), 900), ['e', 900, 9000, 'frame', 'text'])],
    ['a negative seq', 'bad-item', () => withItem(eventAt(body(), 900), ['e', -900, 9000, 'frame', new Uint8Array([0xc0])])],
    ['an unknown marker kind', 'bad-item', () => { const l = body(); const k = l.findIndex((i) => i[0] === 'm'); return withItem(k, ['m', l[k][1], l[k][2], 'party', 'x', null]); }],
    ['marker data that is not JSON', 'bad-item', () => { const l = body(); const k = l.findIndex((i) => i[0] === 'm'); return withItem(k, ['m', l[k][1], l[k][2], 'milestone', 'x', '{oops']); }],
    ['an oversized payload', 'bad-item', () => withItem(eventAt(body(), 900), ['e', 900, 9000, 'frame', new Uint8Array(65 * 1024)])],
    ['a payload that is not MessagePack', 'bad-payload', () => withItem(eventAt(body(), 1150), ['e', 1150, 11500, 'frame', new Uint8Array([0xc1])])],
    ['a typed-array payload cut mid-element', 'bad-payload', () => withItem(eventAt(body(), 1150), ['e', 1150, 11500, 'frame', new Uint8Array([0xd5, 7, 0, 0])])],
    ['a file over the size cap', 'too-large', () => Buffer.concat([exported, Buffer.alloc(4 * 1024 * 1024)])],
    // 300 markers of 60 kB each: 18 MB decompressed (cap 16 MB) from a file of a few hundred kB.
    ['a decompression bomb', 'too-large', () => fileOf([header(), ...body(), ...Array.from({ length: 300 }, () => ['m', 1200, 99999, 'milestone', 'x', JSON.stringify('y'.repeat(60_000))]), ['end', 1200, end()[2], 300 + (end()[3] as number)]])],
  ];

  it.each(cases)('%s → %s', async (_name, code, make) => {
    await settle(store);
    const before = { list: store.recordings.list(), counts: tableCounts(store) };
    const error = await store.recordings.import(make()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecordingImportError);
    expect((error as RecordingImportError).code).toBe(code);
    await settle(store);
    expect({ list: store.recordings.list(), counts: tableCounts(store) }).toEqual(before);
  });

  it('cuts a good file at many points: each cut is refused and changes nothing', async () => {
    await settle(store);
    const before = tableCounts(store);
    const rng = new Rng(77);
    for (let n = 0; n < 12; n++) {
      const cut = 1 + rng.nextBelow(exported.length - 1);
      await expect(store.recordings.import(exported.subarray(0, cut))).rejects.toBeInstanceOf(RecordingImportError);
    }
    await settle(store);
    expect(tableCounts(store)).toEqual(before);
    expect(store.integrityCheck()).toBe('ok');
  });
});
