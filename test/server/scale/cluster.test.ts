/**
 * Two real `rgflow serve --redis` processes on one data file and a real redis-server
 * (RELIABILITY.md #13, docs/architecture.md "Several nodes"):
 *  - the default session runs on exactly one node; a client on each node sees it, with one
 *    presence, and commands from either node reach it (temperature, host pause/resume);
 *  - `kill -9` of the node that runs it: the other node takes it over from its last checkpoint,
 *    its clients get a fresh `welcome` (resync) and frames again; a client of the dead node
 *    joins the survivor; the recording continues with no seq gap and nothing committed is lost;
 *  - Redis stopped for a few seconds and restarted empty: the sessions keep running, the
 *    lease and directory are rebuilt, and a client on the relaying node is resynced.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionListResponse } from '../../../shared/protocol/events.js';
import { openSqlite, type SqliteDatabase } from '../../../server/store/sqlite.js';
import { connectClient, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(repo, 'bin/rgflow.js');
const root = mkdtempSync(join(tmpdir(), 'rgflow-cluster-'));
const db = join(root, 'shared.sqlite');
const HOST_TOKEN = 'cluster-test-host-token-0123456789';

const children = new Set<ChildProcess>();
const logs: { nodeId: string; stderr: () => string }[] = [];
const clients = new Set<LiveClient>();
let redis: RedisServer;

interface Node {
  child: ChildProcess;
  url: string;
  code: string;
  stderr: () => string;
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/server/cli/main.js'))) {
    const build = spawnSync('npm', ['run', 'build:server'], { cwd: repo, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
  redis = await startRedisServer();
}, 60_000);

afterEach((context) => {
  if (context.task.result?.state === 'fail') for (const { nodeId, stderr } of logs) console.log(`--- ${nodeId}\n${stderr()}`);
});

afterAll(async () => {
  for (const client of clients) client.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await redis?.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

function serve(nodeId: string): Promise<Node> {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--json', '--data', db, '--redis', redis.url, '--node-id', nodeId,
      '--checkpoint-seconds', '1', '--sweeps-per-second', '200', '--L', '16', '--host-token', HOST_TOKEN],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RGFLOW_HOST_TOKEN: '', RGFLOW_DATA: '' } },
  );
  children.add(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (err += text));
  logs.push({ nodeId, stderr: () => err });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${nodeId} did not start within 60 s: ${err}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      try {
        const parsed = JSON.parse(out) as { url: string; code: string };
        clearTimeout(timer);
        resolve({ child, url: parsed.url, code: parsed.code, stderr: () => err });
      } catch {
        // not whole yet
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${nodeId} exited with ${code}: ${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function client(url: string, auth: Record<string, unknown> = {}): LiveClient {
  const socket = connectClient(url, { auth, reconnection: false });
  clients.add(socket);
  return socket;
}

function inspect<T>(read: (sqlite: SqliteDatabase) => T): T {
  const sqlite = openSqlite(db, { readonly: true, fileMustExist: true });
  try {
    return read(sqlite);
  } finally {
    sqlite.close();
  }
}

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves with the first `event` payload that satisfies `match`. */
function eventWhere<T>(socket: LiveClient, event: string, match: (payload: T) => boolean, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = socket as unknown as { on: (e: string, f: (p: T) => void) => void; off: (e: string, f: (p: T) => void) => void };
    const timer = setTimeout(() => {
      on.off(event, listener);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T): void => {
      if (!match(payload)) return;
      clearTimeout(timer);
      on.off(event, listener);
      resolve(payload);
    };
    on.on(event, listener);
  });
}

describe('rgflow serve --redis: two nodes, one data file', () => {
  it('runs each session on one node, reaches it from both, survives the death of its node and a Redis restart', async () => {
    const a = await serve('node-a');
    expect(a.stderr()).not.toContain('runs on another node');
    const b = await serve('node-b');
    expect(b.stderr()).toContain('the default session runs on another node');
    expect(b.code).toBe(a.code);

    // A client on each node: the same session, one presence.
    const onA = client(a.url, { nickname: 'Ada' });
    const onB = client(b.url, { nickname: 'Bo', hostToken: HOST_TOKEN });
    const [welcomeA, welcomeB] = await Promise.all([nextEvent(onA, 'welcome', 10_000), nextEvent(onB, 'welcome', 10_000)]);
    expect(welcomeB.sessionCode).toBe(welcomeA.sessionCode);
    expect(welcomeB.role).toBe('host');
    await Promise.all([nextEvent(onA, 'frame', 10_000), nextEvent(onB, 'frame', 10_000)]);
    await eventWhere<{ count: number }>(onA, 'presence', (p) => p.count === 2, 10_000).catch(async () => {
      // the presence may have been sent before this listener: the list says it too
      const sessions = (await (await fetch(`${a.url}/api/sessions`)).json()) as SessionListResponse;
      expect(sessions.sessions[0]!.participants).toBe(2);
    });

    // Both nodes list the session.
    for (const url of [a.url, b.url]) {
      const list = (await (await fetch(`${url}/api/sessions`)).json()) as SessionListResponse;
      expect(list.sessions.map((s) => s.code)).toEqual([a.code]);
    }

    // A temperature from node B's client is applied by node A's engine and seen on A.
    const seenOnA = eventWhere<{ temperature: number }>(onA, 'temperature', (t) => Math.abs(t.temperature - 3.1) < 1e-9);
    const answer = await onB.timeout(10_000).emitWithAck('proposeTemperature', { temperature: 3.1 });
    expect(answer).toMatchObject({ ok: true, outcome: 'applied', temperature: 3.1 });
    await seenOnA;
    // The host on node B pauses; the client on A sees it; a student on A may not.
    const pausedOnA = eventWhere<{ paused: boolean }>(onA, 'control', (c) => c.paused);
    expect(await onB.timeout(10_000).emitWithAck('pause', {})).toMatchObject({ ok: true });
    await pausedOnA;
    expect(await onA.timeout(10_000).emitWithAck('resume', {})).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await onB.timeout(10_000).emitWithAck('resume', {})).toMatchObject({ ok: true });

    // Let a checkpoint after these commands land, then kill the owner.
    await new Promise((r) => setTimeout(r, 2500));
    const before = inspect((s) => s.prepare('SELECT id, event_count FROM recordings WHERE session_id = ?').get('default') as { id: string; event_count: number });
    const markersBefore = inspect((s) => (s.prepare("SELECT count(*) AS n FROM markers WHERE recording_id = ?").get(before.id) as { n: number }).n);
    const resynced = eventWhere<{ sessionCode: string; temperature: { temperature: number } }>(onB, 'welcome', () => true, 30_000).catch((e: Error) => { throw new Error(`B's client after the owner died: ${e.message}`); });
    a.child.kill('SIGKILL');
    await exited(a.child);

    // Node B takes the session over; its client gets a fresh welcome, at the temperature set before.
    const again = await resynced;
    expect(again.sessionCode).toBe(a.code);
    expect(again.temperature.temperature).toBeCloseTo(3.1, 9);
    await nextEvent(onB, 'frame', 10_000);
    expect(b.stderr()).toContain(`took over session ${a.code}`);
    // The client of the dead node comes back through the survivor.
    const back = client(b.url, { sessionCode: a.code, nickname: 'Ada' });
    expect((await nextEvent(back, 'welcome', 10_000)).sessionCode).toBe(a.code);
    await nextEvent(back, 'frame', 10_000).catch((e: Error) => { throw new Error(`returning client: ${e.message}\n${b.stderr()}`); });

    // Nothing committed is lost: the same recording continues, seq 1…n without a gap.
    await waitUntil('events recorded by the new owner', () =>
      inspect((s) => (s.prepare('SELECT event_count FROM recordings WHERE id = ?').get(before.id) as { event_count: number }).event_count > before.event_count),
    );
    const check = inspect((s) => ({
      integrity: s.pragma('integrity_check', { simple: true }),
      events: s.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events WHERE recording_id = ?').get(before.id) as { n: number; lo: number; hi: number },
      markers: (s.prepare('SELECT count(*) AS n FROM markers WHERE recording_id = ?').get(before.id) as { n: number }).n,
      resumed: s.prepare("SELECT label FROM markers WHERE recording_id = ? AND kind = 'milestone' AND label LIKE 'resumed%'").all(before.id) as { label: string }[],
    }));
    expect(check.integrity).toBe('ok');
    expect(check.events.lo).toBe(1);
    expect(check.events.hi).toBe(check.events.n);
    expect(check.events.n).toBeGreaterThan(before.event_count);
    expect(check.markers).toBeGreaterThan(markersBefore);
    expect(check.resumed.length).toBeGreaterThanOrEqual(1);

    // A second node joins again (it relays), then Redis stops for 3 s and restarts empty.
    const c = await serve('node-c');
    expect(c.stderr()).toContain('the default session runs on another node');
    const onC = client(c.url, { nickname: 'Cy' });
    await nextEvent(onC, 'welcome', 10_000);
    await nextEvent(onC, 'frame', 10_000);
    const resyncC = eventWhere<{ sessionCode: string }>(onC, 'welcome', () => true, 30_000).catch((e: Error) => { throw new Error(`C's client after the Redis restart: ${e.message}`); });
    await redis.stop();
    // The owner's own clients keep getting frames while Redis is down.
    const during = await nextEvent(onB, 'frame', 5_000).catch((e: Error) => { throw new Error(`owner client during the outage: ${e.message}\n${b.stderr()}`); });
    await new Promise((r) => setTimeout(r, 3000));
    await redis.restart();
    // The relaying node resyncs its client, and frames reach it through Redis again.
    expect((await resyncC).sessionCode).toBe(a.code);
    const after = await nextEvent(onC, 'frame', 15_000);
    expect(after.tick).toBeGreaterThan(during.tick);
    // Still exactly one node runs the session: commands from C reach it.
    expect(await onC.timeout(10_000).emitWithAck('proposeTemperature', { temperature: 2.0 })).toMatchObject({ ok: true, outcome: 'applied' });
    expect(b.stderr()).not.toContain('handing it over');
    expect(c.stderr()).not.toContain('took over');

    for (const socket of [onA, onB, back, onC]) socket.close();
    c.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([exited(c.child), exited(b.child)]);
    expect(b.child.exitCode).toBe(0);
    expect(c.child.exitCode).toBe(0);
  }, 180_000);
});
