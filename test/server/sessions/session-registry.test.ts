/**
 * The registry and the hub's hooks for the lead's wiring, with real engines: the recorder hook
 * receives exactly the reliable events a client receives, in the same order, plus markers for
 * temperature changes, crossings of T_c and host actions; checkpoint + restore brings a session
 * back with its id, code, policy and host token, its engine continuing from the checkpoint;
 * a new app resumes saved sessions at startup; closing a session tells and disconnects its
 * participants; idle sessions are closed (never the
 * default one); an unacceptable host token is refused at startup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRITICAL_TEMPERATURE } from '../../../shared/physics/ising.js';
import type { ControlPayload } from '../../../shared/protocol/events.js';
import type { BroadcastEvent, MarkerKind } from '../../../server/sessions/session-hub.js';
import { SessionRegistry } from '../../../server/sessions/session-registry.js';
import { delay, nextEvent } from '../../helpers/live-client.js';
import { SMALL_ENGINE, startTestApp, TEST_HOST_TOKEN, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

describe('recorder hook', () => {
  it('records the same reliable events a client receives, in order, and marks temperature, T_c and host actions', async () => {
    const { id, code, hostToken } = await app.createSession({ name: 'Recorded', temperature: 2 });
    const hub = app.server.registry.get(id)!;
    const recorded: { type: BroadcastEvent; payload: unknown }[] = [];
    const markers: { kind: MarkerKind; label: string }[] = [];
    const detach = hub.attachRecorder({
      record: (type, payload) => recorded.push({ type, payload }),
      marker: (kind, label) => markers.push({ kind, label }),
    });
    const host = app.client({ auth: { sessionCode: code, hostToken } });
    await nextEvent(host, 'welcome');
    const received: { type: string; payload: unknown }[] = [];
    host.onAny((type: string, payload: unknown) => {
      if (type !== 'frame' && type !== 'weights') received.push({ type, payload });
    });
    const recordedFrom = recorded.length;

    await host.timeout(3000).emitWithAck('proposeTemperature', { temperature: 3 });
    await host.timeout(3000).emitWithAck('proposeTemperature', { temperature: 2.5 });
    await host.timeout(3000).emitWithAck('setPolicy', { mode: 'locked' });
    await host.timeout(3000).emitWithAck('pause', {});
    await host.timeout(3000).emitWithAck('resume', {});
    await delay(300);
    detach();

    const reliable = recorded.slice(recordedFrom).filter(({ type }) => type !== 'frame' && type !== 'weights');
    expect(reliable.map((r) => r.type)).toEqual(received.map((r) => r.type));
    expect(JSON.parse(JSON.stringify(reliable.map((r) => r.payload)))).toEqual(received.map((r) => r.payload));
    expect(recorded.some(({ type }) => type === 'frame')).toBe(true);
    expect(markers.filter((m) => m.kind === 'temperature').map((m) => m.label)).toEqual([
      expect.stringMatching(/^T = 3\.000 \(K = 0\.3333\) by [A-Z][a-z]+ [A-Z][a-z]+ \d{2}$/),
      expect.stringMatching(/^T = 2\.500/),
    ]);
    const crossing = markers.find((m) => m.kind === 'critical-crossing')!;
    expect(crossing.label).toContain(`T_c ≈ ${CRITICAL_TEMPERATURE.toFixed(3)} upward: T 2.000 → 3.000`);
    expect(markers.filter((m) => m.kind === 'critical-crossing')).toHaveLength(1);
    expect(markers.filter((m) => m.kind === 'policy').map((m) => m.label)).toEqual(['temperature policy: locked']);
    expect(markers.filter((m) => m.kind === 'host-action').map((m) => m.label)).toEqual(['paused', 'resumed']);
    await app.server.registry.close(id);
  });
});

describe('checkpoint and restore', () => {
  it('brings a session back with its id, code, policy and host token, continuing from the checkpoint', async () => {
    const { id, code, hostToken } = await app.createSession({ name: 'Persistent', temperature: 3 });
    const hub = app.server.registry.get(id)!;
    const host = app.client({ auth: { sessionCode: code, hostToken } });
    await nextEvent(host, 'welcome');
    await host.timeout(3000).emitWithAck('setPolicy', { mode: 'locked' });
    await delay(200);
    const { session, engine } = await hub.checkpoint();
    expect(session).toMatchObject({ id, code, name: 'Persistent', policy: 'locked' });
    expect(JSON.stringify(session)).not.toContain(hostToken);
    await app.server.registry.close(id);
    expect(app.server.registry.get(id)).toBeUndefined();

    const restored = await app.server.registry.restore(session, engine.state);
    expect(restored).toMatchObject({ code, hostToken: '' });
    const back = restored.session;
    expect([back.id, back.name, back.policyMode, back.createdAt]).toEqual([id, 'Persistent', 'locked', session.createdAt]);
    expect(back.engine.temperature.temperature).toBe(3);
    const again = app.client({ auth: { sessionCode: code, hostToken } });
    const welcome = await nextEvent(again, 'welcome');
    expect(welcome.role).toBe('host');
    expect(welcome.control!.tick).toBeGreaterThanOrEqual(engine.tick);
    await app.server.registry.close(id);
  });
});

describe('startup resume', () => {
  it('a new app resumes the saved sessions: same codes, same host tokens, engines from their checkpoints', async () => {
    const { id, code, hostToken } = await app.createSession({ name: 'Carried over', temperature: 1.5 });
    const saved = await Promise.all([app.server.defaultSession.checkpoint(), app.server.registry.get(id)!.checkpoint()]);
    const next = await startTestApp({ hostToken: undefined, resume: saved.map(({ session, engine }) => ({ session, checkpoint: engine.state })) });
    try {
      expect(next.server.defaultSession.code).toBe(app.server.defaultSession.code);
      expect(next.logLines).toContain(`rgflow: default session, join code ${app.server.defaultSession.code}; host token unchanged from the last run`);
      const resumed = next.server.registry.get(id)!;
      expect([resumed.code, resumed.name, resumed.engine.temperature.temperature]).toEqual([code, 'Carried over', 1.5]);
      const host = next.client({ auth: { sessionCode: code, hostToken } });
      expect((await nextEvent(host, 'welcome')).role).toBe('host');
      const defaultHost = next.client({ auth: { hostToken: TEST_HOST_TOKEN } });
      expect((await nextEvent(defaultHost, 'welcome')).role).toBe('host');
    } finally {
      await next.close();
      await app.server.registry.close(id);
    }
  });
});

describe('closing and idling', () => {
  it('closing a session tells its participants `not-found` and disconnects them', async () => {
    const { id, code } = await app.createSession({});
    const student = app.client({ auth: { sessionCode: code } });
    await nextEvent(student, 'welcome');
    const told = nextEvent(student, 'error');
    const dropped = new Promise<string>((resolve) => student.once('disconnect', resolve));
    await app.server.registry.close(id);
    expect(await told).toMatchObject({ code: 'not-found' });
    expect(await dropped).toBe('io server disconnect');
  });

  it('closes sessions nobody joined for the idle timeout, never the default one', async () => {
    const registry = new SessionRegistry({ emitterFor: () => () => undefined, idleTimeoutMs: 150, log: () => undefined, defaults: SMALL_ENGINE });
    try {
      await registry.createDefault({ engine: SMALL_ENGINE });
      const { session } = await registry.create({});
      await expect.poll(() => registry.get(session.id), { timeout: 2000 }).toBeUndefined();
      expect(registry.defaultSession).toBeDefined();
    } finally {
      await registry.closeAll();
    }
  });

  it('refuses an unacceptable default host token and starts nothing', async () => {
    const registry = new SessionRegistry({ emitterFor: () => () => undefined, log: () => undefined });
    await expect(registry.createDefault({ engine: SMALL_ENGINE }, 'short')).rejects.toThrow(/at least 16/);
    expect(registry.list()).toEqual([]);
    await registry.closeAll();
  });
});

describe('control events', () => {
  it('a host action’s control state is broadcast once, with who did it', async () => {
    const { code, hostToken } = await app.createSession({});
    const host = app.client({ auth: { sessionCode: code, hostToken } });
    const student = app.client({ auth: { sessionCode: code } });
    await Promise.all([nextEvent(host, 'welcome'), nextEvent(student, 'welcome')]);
    const controls: ControlPayload[] = [];
    student.on('control', (c) => controls.push(c));
    await host.timeout(3000).emitWithAck('step', { ticks: 3 });
    await expect.poll(() => controls.length).toBe(1);
    await delay(100);
    expect(controls).toHaveLength(1);
    expect(controls[0].changedBy).toBe(host.id);
  });
});
