/**
 * A classroom end to end, with real components: createApp on port 0, a session created for a
 * host, and real socket.io-client connections speaking MessagePack — a host and two students.
 * Proves joining with a code and a nickname, presence, the three temperature policies (free
 * applies anyone's, locked refuses students with `forbidden` and changes nothing, vote applies
 * the median of the proposals and shows everyone the distribution), the host's actions and their
 * refusal for students and wrong tokens, removal, host authority across a recovered reconnection
 * (and a recovered student's lack of it), a gap-free recovery, and the late joiner's snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ControlPayload,
  FramePayload,
  PolicyPayload,
  PresencePayload,
  TemperaturePayload,
  VoteTally,
  WelcomePayload,
} from '../../../shared/protocol/events.js';
import { connected, delay, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { connectRefusal, record, startTestApp, waitFor, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;
let session: { id: string; code: string; hostToken: string };
let host: LiveClient;
let ada: LiveClient;
let bob: LiveClient;
const welcomes = new Map<LiveClient, WelcomePayload>();

/** Opens a client of the class session and waits for its welcome. */
async function join(auth: Record<string, string>, options: Parameters<TestApp['client']>[0] = {}): Promise<LiveClient> {
  const socket = app.client({ auth: { sessionCode: session.code, ...auth }, ...options });
  welcomes.set(socket, await nextEvent(socket, 'welcome'));
  return socket;
}

const temperatureNow = (): number => app.server.registry.get(session.id)!.engine.temperature.temperature;

beforeAll(async () => {
  app = await startTestApp();
  session = await app.createSession({ name: 'Class 7B', temperature: 2.5 });
  host = await join({ hostToken: session.hostToken, nickname: 'Teacher' });
  ada = await join({ nickname: '  Ada  ' });
  bob = await join({});
});

afterAll(async () => {
  await app?.close();
});

describe('joining', () => {
  it('admits students by join code (any case) with their nickname or a generated one, and the host by token', () => {
    const [h, a, b] = [welcomes.get(host)!, welcomes.get(ada)!, welcomes.get(bob)!];
    expect(h).toMatchObject({ sessionId: session.id, sessionCode: session.code, sessionName: 'Class 7B', role: 'host', nickname: 'Teacher' });
    expect(a).toMatchObject({ role: 'student', nickname: 'Ada', clientId: ada.id });
    expect(b.role).toBe('student');
    expect(b.nickname).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \d{2}$/);
    expect(h.temperature.temperature).toBeCloseTo(2.5, 12);
    expect(h.policy).toEqual({ mode: 'free', changedBy: null });
  });

  it('shows everyone who is here and how many, and updates when someone leaves', async () => {
    const carol = await join({ nickname: 'Carol', sessionCode: session.code.toLowerCase() });
    const withCarol = await waitFor<PresencePayload>(host, 'presence', (p) => p.participants.some((x) => x.nickname === 'Carol'));
    expect(withCarol.count).toBe(4);
    expect(withCarol.participants.map((p) => [p.nickname, p.role, p.connected])).toEqual([
      ['Teacher', 'host', true],
      ['Ada', 'student', true],
      [welcomes.get(bob)!.nickname, 'student', true],
      ['Carol', 'student', true],
    ]);
    carol.disconnect();
    const after = await waitFor<PresencePayload>(ada, 'presence', (p) => !p.participants.some((x) => x.nickname === 'Carol'));
    expect(after.count).toBe(3);
  });

  it('refuses an unknown code, a malformed code and a wrong host token, with codes', async () => {
    expect((await connectRefusal(app.client({ auth: { sessionCode: 'ZZZZZZ' } }))).code).toBe('not-found');
    expect((await connectRefusal(app.client({ auth: { sessionCode: 'O0O0O0' } }))).code).toBe('invalid-payload');
    expect((await connectRefusal(app.client({ auth: { sessionCode: session.code, hostToken: 'not-the-token' } }))).code).toBe('unauthorized');
    expect((await connectRefusal(app.client({ auth: { sessionCode: session.code, nickname: 'a\u202Eb' } }))).code).toBe('invalid-payload');
  });
});

describe('temperature policies', () => {
  it('free: anyone’s temperature is applied and everyone is told who set it', async () => {
    const seen = waitFor<TemperaturePayload>(host, 'temperature', (t) => t.temperature === 3);
    const ack = await ada.timeout(3000).emitWithAck('proposeTemperature', { temperature: 3 });
    expect(ack).toEqual({ ok: true, outcome: 'applied', temperature: 3, coupling: 1 / 3 });
    expect((await seen).changedBy).toBe(ada.id);
    expect(temperatureNow()).toBe(3);
  });

  it('locked: a student is refused with `forbidden` and nothing changes; the host still sets it', async () => {
    const policySeen = waitFor<PolicyPayload>(bob, 'policy', (p) => p.mode === 'locked');
    expect(await host.timeout(3000).emitWithAck('setPolicy', { mode: 'locked' })).toEqual({ ok: true, mode: 'locked' });
    expect(await policySeen).toEqual({ mode: 'locked', changedBy: host.id });

    const temperatures = record<TemperaturePayload>(host, 'temperature');
    const error = nextEvent(ada, 'error');
    const ack = await ada.timeout(3000).emitWithAck('proposeTemperature', { temperature: 1.5 });
    expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await error).toMatchObject({ code: 'forbidden', event: 'proposeTemperature' });
    await delay(200);
    expect(temperatures).toEqual([]);
    expect(temperatureNow()).toBe(3);

    expect(await host.timeout(3000).emitWithAck('proposeTemperature', { temperature: 2 })).toMatchObject({ ok: true, outcome: 'applied' });
    expect(temperatureNow()).toBe(2);
  });

  it('vote: the applied temperature moves to the median of the proposals, and everyone sees the distribution', async () => {
    expect(await host.timeout(3000).emitWithAck('setPolicy', { mode: 'vote' })).toEqual({ ok: true, mode: 'vote' });
    const proposals: [LiveClient, number][] = [
      [host, 1.8],
      [ada, 2.6],
      [bob, 4.2],
    ];
    for (const [who, temperature] of proposals) {
      expect(await who.timeout(3000).emitWithAck('proposeTemperature', { temperature })).toEqual({ ok: true, outcome: 'proposed', temperature });
    }
    const tallies = await Promise.all(
      [host, ada, bob].map((socket) => waitFor<VoteTally>(socket, 'vote', (v) => v.proposals.length === 3, 5000)),
    );
    for (const tally of tallies) {
      expect(tally).toMatchObject({ mode: 'vote', applied: 2.6, proposals: [1.8, 2.6, 4.2], windowMs: 30_000 });
      expect(tally.histogram.counts.reduce((a, b) => a + b, 0)).toBe(3);
    }
    const applied = await waitFor<TemperaturePayload>(bob, 'temperature', (t) => t.temperature === 2.6, 4000);
    expect(applied.changedBy).toBe('vote');
    expect(temperatureNow()).toBe(2.6);
    await host.timeout(3000).emitWithAck('setPolicy', { mode: 'free' });
  });

  it('only the host may change the policy', async () => {
    const ack = await bob.timeout(3000).emitWithAck('setPolicy', { mode: 'locked' });
    expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
    expect(app.server.registry.get(session.id)!.policyMode).toBe('free');
  });
});

describe('host actions', () => {
  it('pause and resume work for the host; students are refused and nothing changes', async () => {
    for (const event of ['pause', 'resume'] as const) {
      const ack = await ada.timeout(3000).emitWithAck(event, {});
      expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
    }
    const controlSeen = waitFor<ControlPayload>(ada, 'control', (c) => c.paused);
    const bobControl = waitFor<ControlPayload>(bob, 'control', (c) => c.paused);
    const paused = await host.timeout(3000).emitWithAck('pause', {});
    expect(paused).toMatchObject({ ok: true, control: { paused: true } });
    expect((await controlSeen).changedBy).toBe(host.id);
    // Frames already on their way may still arrive before the control event; every frame after it is paused.
    await bobControl;
    const frame = await waitFor<FramePayload>(bob, 'frame', () => true);
    expect(frame.paused).toBe(true);
    const sweeps = frame.sweeps;
    await delay(150);
    expect((await nextEvent(bob, 'frame')).sweeps).toBe(sweeps);

    expect(await bob.timeout(3000).emitWithAck('resume', {})).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await host.timeout(3000).emitWithAck('resume', {})).toMatchObject({ ok: true, control: { paused: false } });
    await waitFor<FramePayload>(bob, 'frame', (f) => !f.paused && f.sweeps > sweeps);
  });

  it('reset and hyper-parameters are host actions too, validated by the engine’s schemas', async () => {
    expect(await ada.timeout(3000).emitWithAck('setHyperparameters', { learningRate: 0.05 })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await host.timeout(3000).emitWithAck('setHyperparameters', { learningRate: 5 })).toMatchObject({ ok: false, code: 'invalid-payload' });
    const changed = await host.timeout(3000).emitWithAck('setHyperparameters', { learningRate: 0.05 });
    expect(changed).toMatchObject({ ok: true, control: { settings: { learningRate: 0.05 } } });
    expect(await ada.timeout(3000).emitWithAck('reset', {})).toMatchObject({ ok: false, code: 'forbidden' });
    const reset = await host.timeout(5000).emitWithAck('reset', { seed: 9 });
    expect(reset).toMatchObject({ ok: true, control: { tick: 0, resets: 1, settings: { seed: 9 } } });
  });

  it('removes a participant: it is told, disconnected, listed no more, and comes back only as someone new', async () => {
    const carol = await join({ nickname: 'Carol' });
    expect(await ada.timeout(3000).emitWithAck('removeParticipant', { id: carol.id! })).toMatchObject({ ok: false, code: 'forbidden' });
    const oldId = carol.id!;
    const told = nextEvent(carol, 'removed');
    const dropped = new Promise<string>((resolve) => carol.once('disconnect', resolve));
    expect(await host.timeout(3000).emitWithAck('removeParticipant', { id: oldId })).toEqual({ ok: true, id: oldId });
    expect((await told).reason).toMatch(/removed/);
    expect(await dropped).toBe('io server disconnect');
    const presence = await waitFor<PresencePayload>(host, 'presence', (p) => !p.participants.some((x) => x.id === oldId));
    expect(presence.participants.map((p) => p.nickname)).not.toContain('Carol');
    expect(await host.timeout(3000).emitWithAck('removeParticipant', { id: oldId })).toMatchObject({ ok: false, code: 'not-found' });

    carol.connect();
    await connected(carol);
    expect(carol.recovered).toBe(false);
    expect(carol.id).not.toBe(oldId);
  });
});

describe('connection state recovery', () => {
  // Longer than the presence coalescing interval (200 ms), so the away state is broadcast.
  const recovering = { reconnection: true, reconnectionDelay: 400, reconnectionDelayMax: 500, randomizationFactor: 0 };

  /** Drops `socket`'s transport and resolves once it has reconnected. */
  async function dropAndReturn(socket: LiveClient, whileAway: () => Promise<void> = async () => undefined): Promise<void> {
    const back = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.engine.close();
    await whileAway();
    await back;
  }

  it('a host keeps its authority after a recovered reconnection, listed as away meanwhile, missing nothing reliable', async () => {
    const teacher = await join({ hostToken: session.hostToken }, recovering);
    const id = teacher.id!;
    const temperatures = record<TemperaturePayload>(teacher, 'temperature');
    // Every presence Ada is sent, from before the drop: the updates may arrive while the test awaits something else.
    const presences = record<PresencePayload>(ada, 'presence');
    const listed = (connected: boolean) => (p: PresencePayload) => p.participants.some((x) => x.id === id && x.connected === connected);
    await dropAndReturn(teacher, async () => {
      await expect.poll(() => presences.some(listed(false)), { timeout: 5000 }).toBe(true);
      await ada.timeout(3000).emitWithAck('proposeTemperature', { temperature: 3.3 });
    });
    expect(teacher.recovered).toBe(true);
    expect(teacher.id).toBe(id);
    await expect.poll(() => temperatures.map((t) => t.temperature)).toContain(3.3);
    await expect.poll(() => presences.length > 0 && listed(true)(presences[presences.length - 1]!), { timeout: 5000 }).toBe(true);
    expect(await teacher.timeout(3000).emitWithAck('pause', {})).toMatchObject({ ok: true, control: { paused: true } });
    expect(await teacher.timeout(3000).emitWithAck('resume', {})).toMatchObject({ ok: true, control: { paused: false } });
  });

  it('a student who recovers with a host token in its handshake is still a student', async () => {
    const student = await join({ nickname: 'Mallory' }, recovering);
    student.auth = { sessionCode: session.code, hostToken: session.hostToken };
    await dropAndReturn(student);
    expect(student.recovered).toBe(true);
    for (const event of ['pause', 'resume'] as const) {
      expect(await student.timeout(3000).emitWithAck(event, {})).toMatchObject({ ok: false, code: 'forbidden' });
    }
    expect(await student.timeout(3000).emitWithAck('setPolicy', { mode: 'locked' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(app.server.registry.get(session.id)!.policyMode).toBe('free');
  });
});

describe('late joiners', () => {
  it('get a full snapshot at once: latest frame, settings, temperature, policy, presence and control state', async () => {
    const late = app.client({ auth: { sessionCode: session.code } });
    const welcome = await nextEvent(late, 'welcome');
    expect(welcome.snapshot).not.toBeNull();
    expect(welcome.snapshot!.lattice.byteLength).toBe((16 * 16) / 8);
    expect(welcome.settings).toMatchObject({ L: 16, temperatureLimits: { min: 0.5, max: 10 } });
    expect(welcome.temperature.temperature).toBe(temperatureNow());
    expect(welcome.policy.mode).toBe('free');
    expect(welcome.control).toMatchObject({ resets: 1, paused: false });
    expect(welcome.presence.participants.some((p) => p.nickname === 'Teacher')).toBe(true);
    expect(welcome.presence.participants.at(-1)!.id).toBe(late.id);
  });
});
