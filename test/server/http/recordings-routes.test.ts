/**
 * /api/recordings on a real express app (port 0, fetch): list, meta, export → import round trip
 * over HTTP, bad and oversized uploads refused with a JSON error code and nothing changed,
 * delete 400/403/404/409/204. The store is a real SQLite file.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeMulti } from '@msgpack/msgpack';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingsRouter } from '../../../server/http/recordings-routes.js';
import { createStore, type Store } from '../../../server/store/session-store.js';

const root = mkdtempSync(join(tmpdir(), 'rgflow-http-'));
let store: Store;
let server: Server;
let base: string;
let recordingId: string;

beforeAll(async () => {
  store = createStore(join(root, 'http.db'));
  store.sessions.upsert({ id: 'default', name: 'Default', settings: {} });
  const rec = store.recordings.start('default', 'lesson 1', { snapshot: () => ({ n: 0 }) });
  for (let i = 1; i <= 500; i++) rec.append('frame', { i, spins: new Int8Array([1, -1, 1]) }, i * 10);
  rec.marker('temperature', 'T = 2.27', { T: 2.27 });
  rec.close();
  recordingId = rec.id;
  const app = express();
  app.use(
    createRecordingsRouter(store, {
      authorizeDelete: (req) => req.get('x-host-token') === 'host-secret',
      maxImportBytes: 256 * 1024,
      log: () => {},
    }),
  );
  server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
  store.close();
  rmSync(root, { recursive: true, force: true });
});

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any> });
const list = async () => (await json(await fetch(`${base}/api/recordings`))).body.recordings as Array<{ id: string }>;

describe('/api/recordings', () => {
  it('lists recordings with their counts, filtered by session', async () => {
    const { status, body } = await json(await fetch(`${base}/api/recordings`));
    expect(status).toBe(200);
    expect(body.recordings).toEqual([
      expect.objectContaining({ id: recordingId, sessionId: 'default', name: 'lesson 1', durationMs: 5000, eventCount: 500, markerCount: 1, keyframeCount: 1 }),
    ]);
    expect((await json(await fetch(`${base}/api/recordings?sessionId=other`))).body.recordings).toEqual([]);
    const bad = await json(await fetch(`${base}/api/recordings?sessionId=${encodeURIComponent('../x')}`));
    expect(bad).toEqual({ status: 400, body: { error: { code: 'invalid-query', message: expect.any(String) } } });
  });

  it('gives one recording with its markers; 400 for a malformed id, 404 for an unknown one', async () => {
    const { status, body } = await json(await fetch(`${base}/api/recordings/${recordingId}`));
    expect(status).toBe(200);
    expect(body.recording.id).toBe(recordingId);
    expect(body.markers).toEqual([{ seq: 500, tMs: 5000, kind: 'temperature', label: 'T = 2.27', data: { T: 2.27 } }]);
    expect((await json(await fetch(`${base}/api/recordings/${'x'.repeat(65)}`))).body.error.code).toBe('invalid-id');
    expect((await json(await fetch(`${base}/api/recordings/bad%20id`))).status).toBe(400);
    expect(await json(await fetch(`${base}/api/recordings/unknown-id`))).toEqual({ status: 404, body: { error: { code: 'not-found', message: 'no such recording' } } });
  });

  it('exports a file that imports back as an identical recording under a new id', async () => {
    const res = await fetch(`${base}/api/recordings/${recordingId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?rgflow-lesson-1-[0-9a-f]{8}\.rgrec"?$/);
    const file = Buffer.from(await res.arrayBuffer());
    const items = [...decodeMulti(gunzipSync(file))];
    expect(items[0]).toMatchObject({ format: 'rgflow-recording', version: 1 });
    expect(items.at(-1)).toEqual(['end', 500, 1, 1]);

    const imported = await json(await fetch(`${base}/api/recordings/import`, { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }));
    expect(imported.status).toBe(201);
    const copy = imported.body.recording;
    expect(copy).toMatchObject({ name: 'lesson 1', sessionId: null, eventCount: 500, markerCount: 1, keyframeCount: 1, durationMs: 5000 });
    expect(copy.id).not.toBe(recordingId);
    expect(store.recordings.readEvents(copy.id, 0, 1000)).toEqual(store.recordings.readEvents(recordingId, 0, 1000));
    expect((await list()).map((r) => r.id).sort()).toEqual([recordingId, copy.id].sort());
    expect(store.recordings.delete(copy.id)).toBe(true);
  });

  it('refuses a bad file with 400 and its code, an oversized one with 413, and changes nothing', async () => {
    const before = await list();
    const post = (body: Uint8Array) => fetch(`${base}/api/recordings/import`, { method: 'POST', body: new Uint8Array(body) });
    const good = Buffer.from(await (await fetch(`${base}/api/recordings/${recordingId}/export`)).arrayBuffer());
    expect((await json(await post(Buffer.from('not a recording')))).body.error.code).toBe('bad-compression');
    const cut = await json(await post(good.subarray(0, good.length - 10)));
    expect(cut.status).toBe(400);
    expect(cut.body.error.code).toBe('bad-compression');
    expect((await json(await post(new Uint8Array(0)))).body.error.code).toBe('empty-body');
    const big = await json(await post(new Uint8Array(300 * 1024)));
    expect(big).toEqual({ status: 413, body: { error: { code: 'too-large', message: expect.any(String) } } });
    expect(await list()).toEqual(before);
  });

  it('deletes only when authorized: 403, 404, 409 while recording, then 204', async () => {
    const del = (id: string, token?: string) => fetch(`${base}/api/recordings/${id}`, { method: 'DELETE', headers: token ? { 'x-host-token': token } : {} });
    expect((await json(await del(recordingId))).status).toBe(403);
    expect((await json(await del(recordingId, 'wrong'))).body.error.code).toBe('forbidden');
    expect((await json(await del('unknown-id', 'host-secret'))).status).toBe(404);
    expect((await json(await del('bad%20id', 'host-secret'))).status).toBe(400);
    const live = store.recordings.start('default', 'live');
    const busy = await json(await del(live.id, 'host-secret'));
    expect(busy).toEqual({ status: 409, body: { error: { code: 'recording-busy', message: expect.any(String) } } });
    live.close();
    const ok = await del(recordingId, 'host-secret');
    expect(ok.status).toBe(204);
    expect((await json(await fetch(`${base}/api/recordings/${recordingId}`))).status).toBe(404);
    expect((await del(recordingId, 'host-secret')).status).toBe(404);
    expect((await list()).map((r) => r.id)).toEqual([live.id]);
  });
});
