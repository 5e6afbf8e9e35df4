/**
 * Reconnect storm (RELIABILITY.md, test 11): every client dropped at once comes back by itself.
 *
 * - Short gap: 100 clients of one session (reconnecting like the page, but all after exactly
 *   1.5 s, a herd) lose their transports together; while they are away the host sets the
 *   temperature. All 100 come back recovered (`socket.recovered`), with the same ids, no new
 *   `welcome`, listed and connected in the session's presence, and each receives the missed
 *   `temperature` broadcast (replayed by connection state recovery: every one of them reconnected
 *   after it was applied), then live frames.
 * - Restart: 50 clients of a persistent server (`startServer` on a data file); the server is
 *   closed (final checkpoint) and started again on the same port and file. Every client
 *   reconnects by itself (the page's backoff: 0.5 s doubling up to 5 s) to a fresh `welcome` —
 *   not recovered, recovery state does not survive a restart — holding the full snapshot: the
 *   same join code and the temperature the host set before the restart; frames flow again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/serve.js';
import type { FramePayload, PresencePayload, TemperaturePayload, WelcomePayload } from '../../../shared/protocol/events.js';
import { connectClient, delay, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { record, startTestApp, waitFor, type TestApp } from '../../helpers/session-app.js';

const STORM_CLIENTS = 100;
const RESTART_CLIENTS = 50;
/** How the page reconnects (client/net/connection.ts). */
const PAGE_RECONNECTION = { reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 5000 } as const;

const apps: TestApp[] = [];
const servers = new Set<RunningServer>();
const clients: LiveClient[] = [];
const root = mkdtempSync(join(tmpdir(), 'rgflow-storm-'));

afterAll(async () => {
  for (const client of clients) client.close();
  for (const app of apps) await app.close();
  for (const server of servers) await server.close().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

const near = (x: number, y: number): boolean => Math.abs(x - y) < 1e-9;

/** Resolves once `check` holds, polling every 20 ms; rejects after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('a reconnect storm', () => {
  it('after a short gap: all 100 clients are recovered with their ids, presence and the broadcast they missed', async () => {
    const app = await startTestApp();
    apps.push(app);
    const session = await app.createSession({ name: 'Storm' });
    const hub = app.server.registry.get(session.id)!;
    const host = app.client({ auth: { sessionCode: session.code, hostToken: session.hostToken, nickname: 'host' } });
    await nextEvent(host, 'welcome');

    const crowd = Array.from({ length: STORM_CLIENTS }, (_, i) => {
      const client = app.client({ auth: { sessionCode: session.code, nickname: `student ${i}` }, reconnection: true, reconnectionDelay: 1500, randomizationFactor: 0 });
      clients.push(client);
      return client;
    });
    await Promise.all(crowd.map((client) => nextEvent(client, 'welcome', 20_000)));
    // recovery resumes after the last reliable broadcast a client saw: make sure each has one
    await Promise.all(crowd.map((client) => nextEvent(client, 'metrics', 10_000)));
    const ids = crowd.map((client) => client.id!);
    expect(new Set(ids).size).toBe(STORM_CLIENTS);
    expect(hub.participantCount).toBe(STORM_CLIENTS + 1);

    const welcomes = crowd.map((client) => record<WelcomePayload>(client, 'welcome'));
    const temperatures = crowd.map((client) => record<TemperaturePayload>(client, 'temperature'));
    const reconnectedAt: number[] = new Array<number>(STORM_CLIENTS).fill(NaN);
    const recovered: boolean[] = new Array<boolean>(STORM_CLIENTS).fill(false);
    crowd.forEach((client, i) =>
      client.once('connect', () => {
        reconnectedAt[i] = performance.now();
        recovered[i] = client.recovered;
      }),
    );

    const droppedAt = performance.now();
    for (const client of crowd) client.io.engine.close();
    await until('the server to see every drop', () => hub.participantCount === 1, 5_000);
    const ack = await host.timeout(5_000).emitWithAck('proposeTemperature', { temperature: 3.25 });
    expect(ack).toMatchObject({ ok: true, outcome: 'applied', temperature: 3.25 });
    const appliedAt = performance.now();

    await until('every client to reconnect', () => reconnectedAt.every((t) => !Number.isNaN(t)), 30_000);
    const backMs = Math.max(...reconnectedAt) - droppedAt;
    // each was away when the temperature changed, so only recovery can bring it
    expect(reconnectedAt.filter((t) => t < appliedAt)).toEqual([]);
    expect(recovered.filter((r) => !r)).toEqual([]);
    expect(crowd.map((client) => client.id)).toEqual(ids);

    await until('every client to get the missed temperature', () => temperatures.every((seen) => seen.some((t) => near(t.temperature, 3.25))), 10_000);
    for (const seen of temperatures) expect(seen.filter((t) => near(t.temperature, 3.25))).toHaveLength(1);
    expect(welcomes.flat()).toEqual([]);

    await until('the session to list everyone connected', () => hub.participantCount === STORM_CLIENTS + 1, 10_000);
    const presence = await waitFor<PresencePayload>(host, 'presence', (p) => p.count === STORM_CLIENTS + 1 && p.participants.every((x) => x.connected), 10_000).catch(
      () => hub.snapshot().presence,
    );
    expect(presence.count).toBe(STORM_CLIENTS + 1);
    expect(presence.participants).toHaveLength(STORM_CLIENTS + 1);
    expect(presence.participants.every((p) => p.connected)).toBe(true);
    expect(new Set(presence.participants.map((p) => p.id))).toEqual(new Set([host.id!, ...ids]));

    const after = await Promise.all(crowd.map((client) => nextEvent(client, 'frame', 10_000)));
    expect(after.every((frame: FramePayload) => near(frame.temperature, 3.25))).toBe(true);
    console.log(`storm: ${STORM_CLIENTS} clients dropped at once, all recovered ${Math.round(backMs)} ms after the drop (1500 ms of it their reconnection delay)`);
  });

  it('after a server restart: all 50 clients come back to a fresh welcome with the saved state', async () => {
    const db = join(root, 'restart', 'db.sqlite');
    const hostToken = 'storm-test-host-token-0123456789abcdef';
    const options = { host: '127.0.0.1', data: db, L: 16, sweepsPerSecond: 200, checkpointSeconds: 0, hostToken, log: () => {} };
    const first = await startServer({ port: 0, ...options });
    servers.add(first);

    const host = connectClient(first.url, { ...PAGE_RECONNECTION, auth: { hostToken, nickname: 'host' } });
    clients.push(host);
    const crowd = Array.from({ length: RESTART_CLIENTS }, (_, i) => {
      const client = connectClient(first.url, { ...PAGE_RECONNECTION, auth: { nickname: `student ${i}` } });
      clients.push(client);
      return client;
    });
    const firstWelcomes = await Promise.all([host, ...crowd].map((client) => nextEvent(client, 'welcome', 20_000)));
    expect(firstWelcomes.every((w) => w.sessionCode === first.code)).toBe(true);
    const applied = Promise.all(crowd.map((client) => waitFor<TemperaturePayload>(client, 'temperature', (t) => near(t.temperature, 3.5), 10_000)));
    expect(await host.timeout(5_000).emitWithAck('proposeTemperature', { temperature: 3.5 })).toMatchObject({ ok: true, outcome: 'applied' });
    await applied;
    const oldIds = crowd.map((client) => client.id);

    const welcomes = crowd.map((client) => record<WelcomePayload>(client, 'welcome'));
    const presences = record<PresencePayload>(crowd[0]!, 'presence');
    const hostWelcomes = record<WelcomePayload>(host, 'welcome');
    const t0 = performance.now();
    await first.close();
    servers.delete(first);
    const second = await startServer({ port: first.port, ...options });
    servers.add(second);
    await until('every client to get a new welcome', () => welcomes.every((w) => w.length > 0) && hostWelcomes.length > 0, 60_000);
    const backMs = performance.now() - t0;

    for (const [i, client] of crowd.entries()) {
      expect(welcomes[i]).toHaveLength(1);
      const welcome = welcomes[i]![0]!;
      expect(client.connected).toBe(true);
      expect(client.recovered).toBe(false);
      expect(welcome.sessionCode).toBe(first.code);
      expect(welcome.sessionId).toBe('default');
      expect(welcome.role).toBe('student');
      expect(welcome.clientId).toBe(client.id);
      expect(welcome.temperature.temperature).toBeCloseTo(3.5, 9);
    }
    expect(hostWelcomes[0]!.role).toBe('host');
    expect(new Set(crowd.map((client) => client.id)).size).toBe(RESTART_CLIENTS);
    expect(crowd.filter((client, i) => client.id === oldIds[i])).toEqual([]);
    await until('the presence of everyone', () => presences.at(-1)?.count === RESTART_CLIENTS + 1, 10_000);
    expect(new Set(presences.at(-1)!.participants.map((p) => p.id))).toEqual(new Set([host.id!, ...crowd.map((client) => client.id!)]));

    const frames = await Promise.all(crowd.map((client) => nextEvent(client, 'frame', 10_000)));
    expect(frames.every((frame) => near(frame.temperature, 3.5))).toBe(true);
    console.log(`restart: ${RESTART_CLIENTS + 1} clients back with a fresh welcome ${Math.round(backMs)} ms after the close began (restart included)`);
  });
});
