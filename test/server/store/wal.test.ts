/**
 * WAL growth: over a long append run (20 000 events of 2 kB and 40 keyframes of 200 kB, an
 * 85 MB file) read by a replay-like reader in between, the WAL file stays a few MiB — SQLite's
 * automatic checkpoints keep up because no connection holds a read transaction open — and
 * checkpointWal() truncates it to 0. A reader that does hold a snapshot (checkpoint starvation)
 * makes the checkpoint report busy at once instead of blocking the event loop.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { openSqlite } from '../../../server/store/sqlite.js';
import { createStore } from '../../../server/store/session-store.js';

const root = mkdtempSync(join(tmpdir(), 'rgflow-wal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MiB = 1024 * 1024;

describe('WAL', () => {
  it('stays bounded under a long append run with interleaved reads', () => {
    const path = join(root, 'wal.db');
    const store = createStore(path, { walCheckpointIntervalMs: 0 });
    store.sessions.upsert({ id: 's', name: 'S', settings: {} });
    const rng = new Rng(5);
    const weights = Float32Array.from({ length: 50_000 }, () => rng.nextGaussian()); // 200 kB keyframes
    // a frozen clock: the first keyframe is at t = 0 however loaded the machine is (events carry their own times)
    const rec = store.recordings.start('s', 'long', { snapshot: () => ({ weights }), keyframeIntervalMs: 500, now: () => 0 });
    const lattice = Uint8Array.from({ length: 2000 }, () => rng.nextBelow(256));
    const walSize = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    let maxWal = 0;
    let readUpTo = 0;
    for (let i = 1; i <= 20_000; i++) {
      rec.append('frame', { i, lattice }, i);
      if (i % 256 === 0) {
        rec.flush();
        maxWal = Math.max(maxWal, walSize());
        readUpTo = store.recordings.readEvents(rec.id, readUpTo, 128).at(-1)?.seq ?? readUpTo;
      }
    }
    rec.close();
    const dbSize = statSync(path).size;
    expect(dbSize).toBeGreaterThan(40 * MiB);
    expect(readUpTo).toBeGreaterThan(9000);
    expect(maxWal).toBeLessThan(8 * MiB);
    expect(store.checkpointWal().busy).toBe(0);
    expect(walSize()).toBe(0);
    expect(store.integrityCheck()).toBe('ok');
    store.close();
    process.stdout.write(`WAL: max ${(maxWal / MiB).toFixed(2)} MiB while the database grew to ${(dbSize / MiB).toFixed(1)} MiB\n`);
  });

  it('never blocks on a reader of another process: the checkpoint reports busy at once, and truncates once it is gone', () => {
    const path = join(root, 'reader.db');
    const store = createStore(path, { walCheckpointIntervalMs: 0 });
    store.sessions.upsert({ id: 's', name: 'S', settings: {} });
    const rec = store.recordings.start('s');
    for (let i = 0; i < 2000; i++) rec.append('frame', { i, pad: new Uint8Array(500) }, i);
    rec.flush();
    const reader = openSqlite(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM events').get(); // holds a read snapshot: checkpoint starvation
    for (let i = 2000; i < 4000; i++) rec.append('frame', { i, pad: new Uint8Array(500) }, i);
    rec.flush();
    const started = performance.now();
    expect(store.checkpointWal().busy).toBe(1);
    expect(performance.now() - started).toBeLessThan(500); // not the 5 s busy timeout
    reader.exec('COMMIT');
    reader.close();
    expect(store.checkpointWal()).toMatchObject({ busy: 0 });
    expect(statSync(`${path}-wal`).size).toBe(0);
    rec.close();
    store.close();
  });
});
