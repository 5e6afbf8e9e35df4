/**
 * Persistence across real process restarts (docs/architecture.md, "Persistence"): `rgflow serve`
 * on a data file checkpoints every 2 s; after `kill -9` the next process on the same file resumes
 * the default session (same join code, tick ≥ the checkpointed one, frames flowing), continues its
 * recording without a seq gap (a 'milestone' marker at the resume), and the file is intact.
 * SIGTERM exits cleanly with a final checkpoint and a closed recording.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../../server/store/sqlite.js';
import { connectClient, connected, nextEvent, type LiveClient } from '../../helpers/live-client.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(repo, 'bin/rgflow.js');
const root = mkdtempSync(join(tmpdir(), 'rgflow-restart-'));
const HOST_TOKEN = 'restart-test-host-token-0123456789';

const children = new Set<ChildProcess>();
const clients = new Set<LiveClient>();

beforeAll(() => {
  if (!existsSync(join(repo, 'dist/server/cli/main.js'))) {
    const build = spawnSync('npm', ['run', 'build:server'], { cwd: repo, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
});

afterAll(() => {
  for (const client of clients) client.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  url: string;
  code: string;
  /** ms from spawn to the JSON line (listening, sessions resumed). */
  listeningMs: number;
  stderr: () => string;
}

/** Starts `rgflow serve` on `db`; resolves once it printed its JSON line. */
function serve(db: string): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--json', '--data', db, '--checkpoint-seconds', '2', '--sweeps-per-second', '200', '--host-token', HOST_TOKEN],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RGFLOW_HOST_TOKEN: '', RGFLOW_DATA: '' } },
  );
  children.add(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (err += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s: ${err}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      try {
        const parsed = JSON.parse(out) as { url: string; code: string };
        clearTimeout(timer);
        resolve({ child, url: parsed.url, code: parsed.code, listeningMs: performance.now() - t0, stderr: () => err });
      } catch {
        // not whole yet
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function join_(url: string): Promise<LiveClient> {
  const client = connectClient(url, { auth: {} });
  clients.add(client);
  await connected(client, 10_000);
  return client;
}

/** Reads the data file read-only (another process may be writing it: WAL). */
function inspect<T>(db: string, read: (sqlite: SqliteDatabase) => T): T {
  const sqlite = openSqlite(db, { readonly: true, fileMustExist: true });
  try {
    return read(sqlite);
  } finally {
    sqlite.close();
  }
}

const checkpointTick = (db: string): number | null =>
  inspect(db, (s) => (s.prepare('SELECT tick FROM checkpoints WHERE session_id = ?').get('default') as { tick: number } | undefined)?.tick ?? null);

async function waitFor<T>(what: string, probe: () => T | null, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rgflow serve --data: restart and resume', () => {
  it('resumes the default session and its recording after kill -9', async () => {
    const db = join(root, 'kill9', 'db.sqlite');
    const first = await serve(db);
    const client = await join_(first.url);
    const frame = await nextEvent(client, 'frame', 10_000);
    expect(frame.tick).toBeGreaterThanOrEqual(0);
    // a checkpoint strictly after the first frame
    const saved = await waitFor('a checkpoint', () => {
      const tick = checkpointTick(db);
      return tick !== null && tick > frame.tick ? tick : null;
    });
    // let some events commit after the checkpoint (they will be replayed as history, not lost)
    await new Promise((r) => setTimeout(r, 500));
    client.close();
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    const before = inspect(db, (s) => s.prepare('SELECT id, event_count FROM recordings WHERE session_id = ?').all('default') as { id: string; event_count: number }[]);
    expect(before).toHaveLength(1);
    const lastTick = checkpointTick(db)!;
    expect(lastTick).toBeGreaterThanOrEqual(saved);

    const t0 = performance.now();
    const second = await serve(db);
    const again = await join_(second.url);
    const resumedFrame = await nextEvent(again, 'frame', 10_000);
    const resumeMs = performance.now() - t0;
    console.log(`resume: listening after ${Math.round(second.listeningMs)} ms, first frame after ${Math.round(resumeMs)} ms (checkpoint at tick ${lastTick}, first frame at tick ${resumedFrame.tick})`);
    expect(second.code).toBe(first.code);
    expect(resumedFrame.tick).toBeGreaterThanOrEqual(lastTick);
    expect(resumeMs).toBeLessThan(30_000);
    // frames keep flowing
    const later = await nextEvent(again, 'frame', 5_000);
    expect(later.seq).toBeGreaterThan(resumedFrame.seq);
    // the host token given on the command line still works after the restart
    const host = connectClient(second.url, { auth: { hostToken: HOST_TOKEN } });
    clients.add(host);
    const welcome = await nextEvent(host, 'welcome', 10_000);
    expect(welcome.role).toBe('host');
    expect(welcome.sessionCode).toBe(first.code);
    host.close();

    // the recording continues: one recording, seqs 1…n without a gap, a resume marker after the old events
    const recording = await waitFor('events after the restart', () =>
      inspect(db, (s) => {
        const row = s.prepare('SELECT id, event_count FROM recordings WHERE session_id = ?').get('default') as { id: string; event_count: number };
        return row.event_count > before[0]!.event_count ? row : null;
      }),
    );
    expect(recording.id).toBe(before[0]!.id);
    const check = inspect(db, (s) => ({
      integrity: s.pragma('integrity_check', { simple: true }),
      recordings: (s.prepare('SELECT count(*) AS n FROM recordings').get() as { n: number }).n,
      events: s.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events WHERE recording_id = ?').get(recording.id) as { n: number; lo: number; hi: number },
      markers: s.prepare("SELECT seq, label FROM markers WHERE recording_id = ? AND kind = 'milestone'").all(recording.id) as { seq: number; label: string }[],
      keyframes: (s.prepare('SELECT count(*) AS n FROM keyframes WHERE recording_id = ?').get(recording.id) as { n: number }).n,
    }));
    expect(check.integrity).toBe('ok');
    expect(check.recordings).toBe(1);
    expect(check.events.lo).toBe(1);
    expect(check.events.hi).toBe(check.events.n);
    expect(check.markers).toEqual([{ seq: before[0]!.event_count, label: `resumed from checkpoint at tick ${lastTick}` }]);
    expect(check.keyframes).toBeGreaterThanOrEqual(2);

    // the recordings API is mounted: listed, live; delete needs the session's host token
    const listed = (await (await fetch(`${second.url}/api/recordings`)).json()) as { recordings: { id: string; live: boolean }[] };
    expect(listed.recordings.map((r) => [r.id, r.live])).toEqual([[recording.id, true]]);
    expect((await fetch(`${second.url}/api/recordings/${recording.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(`${second.url}/api/recordings/${recording.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${HOST_TOKEN}` } })).status).toBe(409);

    again.close();
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM exits cleanly after a final checkpoint and closes the recording', async () => {
    const db = join(root, 'sigterm', 'db.sqlite');
    const server = await serve(db);
    const client = await join_(server.url);
    await nextEvent(client, 'frame', 10_000);
    const seen = await nextEvent(client, 'frame', 5_000);
    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toContain('checkpointed 1 session');
    client.close();
    expect(checkpointTick(db)).toBeGreaterThanOrEqual(seen.tick);
    const rec = inspect(db, (s) => s.prepare('SELECT ended_at, event_count FROM recordings').get() as { ended_at: number | null; event_count: number });
    expect(rec.ended_at).not.toBeNull();
    expect(rec.event_count).toBeGreaterThan(0);
    expect(inspect(db, (s) => s.pragma('integrity_check', { simple: true }))).toBe('ok');
  });
});
