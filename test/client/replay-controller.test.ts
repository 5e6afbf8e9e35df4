/**
 * ReplayController's state machine against a fake connection (answers resolved by hand, in the
 * order a test chooses) and real SessionState instances (no DOM needed).
 */
import { describe, expect, it } from 'vitest';
import type { OpenReplayAck, ReplayControlAck, ReplayPayload, ReplayStatusPayload, TemperaturePayload, WelcomePayload } from '../../shared/protocol/events.js';
import type { ReplayControlPayload } from '../../shared/protocol/schemas.js';
import { ReplayController, snapshotForView, type ReplayClosed } from '../../client/state/replay-controller.js';
import { SessionState } from '../../client/state/session-state.js';

interface Pending<T> {
  request: unknown;
  resolve: (value: T) => void;
}

class FakeConnection {
  readonly opens: Pending<OpenReplayAck>[] = [];
  readonly controls: Pending<ReplayControlAck>[] = [];
  /** Answer every replayControl at once with this status (null: leave them pending). */
  autoStatus: ((command: ReplayControlPayload) => ReplayStatusPayload | null) | null = null;

  openReplay(recordingId: string): Promise<OpenReplayAck> {
    return new Promise((resolve) => this.opens.push({ request: recordingId, resolve }));
  }

  replayControl(command: ReplayControlPayload): Promise<ReplayControlAck> {
    if (this.autoStatus) return Promise.resolve({ ok: true, status: command.action === 'close' ? null : this.autoStatus(command) });
    return new Promise((resolve) => this.controls.push({ request: command, resolve }));
  }
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const status = (recordingId: string, over: Partial<ReplayStatusPayload> = {}): ReplayStatusPayload => ({
  recordingId,
  playing: false,
  positionMs: 0,
  speed: 1,
  durationMs: 60_000,
  seq: 0,
  ended: false,
  ...over,
});

const openOk = (id: string, durationMs = 60_000): OpenReplayAck => ({
  ok: true,
  recording: { id, name: `recording ${id}`, durationMs, eventCount: 100 },
  status: status(id, { durationMs }),
});

const temperature = (t: number, changedBy: string | null = null): TemperaturePayload => ({ temperature: t, coupling: 1 / t, changedBy });

/** A welcome-like state for the live session. */
function liveWelcome(): Partial<WelcomePayload> {
  return {
    sessionId: 'default',
    sessionCode: 'ABC234',
    sessionName: 'Live class',
    clientId: 'me',
    nickname: 'Teacher',
    role: 'host',
    settings: { L: 8, layers: [16, 4], temperatureLimits: { min: 0.5, max: 10 } } as unknown as WelcomePayload['settings'],
    temperature: temperature(2.5, 'me'),
    policy: { mode: 'vote', changedBy: 'me' },
    status: 'running',
    control: null,
    snapshot: { seq: 42 } as unknown as WelcomePayload['snapshot'],
    weights: null,
    metrics: null,
  };
}

/** A recorded keyframe: a welcome without the per-client fields. */
function recordedSnapshot(): Record<string, unknown> {
  return {
    protocolVersion: 2,
    sessionId: 'old',
    sessionCode: 'OLD777',
    sessionName: 'Yesterday',
    settings: { L: 8, layers: [16, 4], temperatureLimits: { min: 0.5, max: 10 } },
    temperature: temperature(1.8),
    policy: { mode: 'free', changedBy: null },
    status: 'running',
    control: null,
    snapshot: { seq: 7 },
    weights: null,
    metrics: { epochEquivalent: 1 },
  };
}

function setup() {
  const connection = new FakeConnection();
  const live = new SessionState();
  live.load(liveWelcome(), 100);
  live.apply('metrics', { epochEquivalent: 3 }, 101);
  const view = new SessionState();
  view.load(live.toSnapshot(), 101);
  view.adoptHistory(live.history);
  const urls: string[] = [];
  let body: unknown = null;
  const controller = new ReplayController(connection, view, live, async (url) => {
    urls.push(url);
    return body;
  });
  const events: string[] = [];
  const closed: ReplayClosed[] = [];
  controller.on('opened', (r) => events.push(`opened ${r.id}`));
  controller.on('status', (s) => events.push(`status ${s.recordingId} ${s.positionMs}`));
  controller.on('closed', (c) => {
    events.push(`closed ${c.recordingId} ${c.reason}`);
    closed.push(c);
  });
  return { connection, live, view, controller, events, closed, urls, setBody: (b: unknown) => (body = b) };
}

/** Opens recording `id` and answers the open and its initial seek. */
async function openAndShow(s: ReturnType<typeof setup>, id: string): Promise<void> {
  const opened = s.controller.open(id);
  s.connection.opens.at(-1)!.resolve(openOk(id));
  await flush();
  const seek = s.connection.controls.at(-1)!;
  expect(seek.request).toEqual({ action: 'seek', tMs: 0 });
  s.controller.handle({ kind: 'snapshot', recordingId: id, seq: 0, tMs: 0, snapshot: recordedSnapshot() });
  seek.resolve({ ok: true, status: status(id) });
  await opened;
}

describe('ReplayController', () => {
  it('is live at first and ignores replay payloads', () => {
    const s = setup();
    expect(s.controller.active).toBe(false);
    expect(s.controller.status).toBeNull();
    s.controller.handle({ kind: 'event', recordingId: 'r1', seq: 1, tMs: 0, type: 'temperature', payload: temperature(4) });
    expect(s.view.temperature?.temperature).toBe(2.5);
  });

  it('opens a recording, shows its state at 0, then applies its events', async () => {
    const s = setup();
    const opened = s.controller.open('r1');
    expect(s.connection.opens[0].request).toBe('r1');
    expect(s.controller.active).toBe(false);
    expect(s.controller.pending).toBe(true);
    s.connection.opens[0].resolve(openOk('r1'));
    await flush();
    expect(s.controller.active).toBe(true);
    expect(s.controller.recording?.name).toBe('recording r1');
    expect(s.events).toEqual(['opened r1', 'status r1 0']);
    // The view shows the recording's start: the page seeks to 0 itself.
    expect(s.connection.controls[0].request).toEqual({ action: 'seek', tMs: 0 });
    s.controller.handle({ kind: 'snapshot', recordingId: 'r1', seq: 0, tMs: 0, snapshot: recordedSnapshot() });
    s.connection.controls[0].resolve({ ok: true, status: status('r1') });
    const ack = await opened;
    expect(ack.ok).toBe(true);
    expect(s.view.sessionName).toBe('Yesterday');
    expect(s.view.temperature?.temperature).toBe(1.8);
    expect(s.view.frame).toEqual({ seq: 7 });
    expect(s.view.history).toHaveLength(1);
    // Per-client fields are never taken from a recording.
    expect(s.view.role).toBe('host');
    expect(s.view.clientId).toBe('me');
    // Events are applied at recording time (s).
    s.controller.handle({ kind: 'event', recordingId: 'r1', seq: 1, tMs: 2500, type: 'temperature', payload: temperature(3.1) });
    s.controller.handle({ kind: 'event', recordingId: 'r1', seq: 2, tMs: 3000, type: 'metrics', payload: { epochEquivalent: 2 } });
    expect(s.view.temperature?.temperature).toBe(3.1);
    expect(s.view.history.at(-1)?.t).toBe(3);
    // The live state is untouched.
    expect(s.live.temperature?.temperature).toBe(2.5);
    expect(s.live.sessionName).toBe('Live class');
  });

  it('loads an empty-ish state for a null snapshot (before the first event), keeping the settings', async () => {
    const s = setup();
    await openAndShow(s, 'r1');
    s.controller.handle({ kind: 'snapshot', recordingId: 'r1', seq: 0, tMs: 0, snapshot: null });
    expect(s.view.frame).toBeNull();
    expect(s.view.control).toBeNull();
    expect(s.view.metrics).toBeNull();
    expect(s.view.history).toHaveLength(0);
    expect(s.view.status).toBe('starting');
    expect(s.view.settings?.L).toBe(8);
    expect(snapshotForView('garbage')).toEqual(snapshotForView(null));
  });

  it('takes status payloads and ignores payloads of another recording', async () => {
    const s = setup();
    await openAndShow(s, 'r1');
    s.controller.handle({ kind: 'status', recordingId: 'r1', status: status('r1', { playing: true, positionMs: 5000, speed: 4 }) });
    expect(s.controller.status).toMatchObject({ playing: true, positionMs: 5000, speed: 4 });
    expect(s.controller.position()).toBeGreaterThanOrEqual(5000);
    s.controller.handle({ kind: 'event', recordingId: 'r2', seq: 9, tMs: 100, type: 'temperature', payload: temperature(9) });
    s.controller.handle({ kind: 'status', recordingId: 'r2', status: status('r2', { positionMs: 999 }) });
    expect(s.view.temperature?.temperature).toBe(1.8);
    expect(s.controller.status?.positionMs).toBe(5000);
  });

  it('stays live when the open is refused', async () => {
    const s = setup();
    const opened = s.controller.open('nope');
    s.connection.opens[0].resolve({ ok: false, code: 'not-found', message: 'no such recording' });
    const ack = await opened;
    expect(ack).toMatchObject({ ok: false, code: 'not-found' });
    expect(s.controller.active).toBe(false);
    expect(s.controller.pending).toBe(false);
    expect(s.connection.controls).toHaveLength(0);
    expect(s.view.sessionName).toBe('Live class');
  });

  it('goes back to live on close: the view is loaded from the live state and its history', async () => {
    const s = setup();
    await openAndShow(s, 'r1');
    s.live.apply('temperature', temperature(2.9, 'someone'), 102);
    s.live.apply('metrics', { epochEquivalent: 4 }, 103);
    const closing = s.controller.close();
    expect(s.controller.active).toBe(false);
    expect(s.view.sessionName).toBe('Live class');
    expect(s.view.temperature?.temperature).toBe(2.9);
    expect(s.view.frame).toEqual({ seq: 42 });
    expect(s.view.history.map((p) => p.t)).toEqual([101, 103]);
    expect(s.connection.controls.at(-1)!.request).toEqual({ action: 'close' });
    s.connection.controls.at(-1)!.resolve({ ok: true, status: null });
    await closing;
    expect(s.closed).toEqual([{ recordingId: 'r1', reason: 'closed', message: null }]);
    // Payloads still in flight from the closed replay change nothing.
    s.controller.handle({ kind: 'event', recordingId: 'r1', seq: 3, tMs: 4000, type: 'temperature', payload: temperature(7) });
    expect(s.view.temperature?.temperature).toBe(2.9);
    // Closing again is a no-op.
    await s.controller.close();
    expect(s.closed).toHaveLength(1);
  });

  it('a close while the open is in flight wins over the late answer', async () => {
    const s = setup();
    const opened = s.controller.open('r1');
    const closing = s.controller.close();
    expect(s.connection.controls[0].request).toEqual({ action: 'close' });
    s.connection.controls[0].resolve({ ok: true, status: null });
    await closing;
    s.connection.opens[0].resolve(openOk('r1'));
    await opened;
    expect(s.controller.active).toBe(false);
    expect(s.connection.controls).toHaveLength(1);
    expect(s.events).toEqual(['closed null closed']);
  });

  it('opening another recording replaces the one open', async () => {
    const s = setup();
    await openAndShow(s, 'r1');
    const second = s.controller.open('r2');
    expect(s.controller.active).toBe(true);
    s.connection.opens[1].resolve(openOk('r2'));
    await flush();
    expect(s.controller.recording?.id).toBe('r2');
    s.controller.handle({ kind: 'event', recordingId: 'r1', seq: 5, tMs: 100, type: 'temperature', payload: temperature(9) });
    expect(s.view.temperature?.temperature).toBe(1.8);
    s.connection.controls.at(-1)!.resolve({ ok: true, status: status('r2') });
    await second;
  });

  it('coalesces seeks: while one is in flight only the latest is sent next', async () => {
    const s = setup();
    await openAndShow(s, 'r1');
    const before = s.connection.controls.length;
    const a = s.controller.seek(1000);
    const b = s.controller.seek(2000);
    const c = s.controller.seek(3000.4);
    expect(s.connection.controls.length).toBe(before + 1);
    expect(s.connection.controls[before].request).toEqual({ action: 'seek', tMs: 1000 });
    s.connection.controls[before].resolve({ ok: true, status: status('r1', { positionMs: 1000 }) });
    await flush();
    expect(s.connection.controls.length).toBe(before + 2);
    expect(s.connection.controls[before + 1].request).toEqual({ action: 'seek', tMs: 3000 });
    s.connection.controls[before + 1].resolve({ ok: true, status: status('r1', { positionMs: 3000 }) });
    const answers = await Promise.all([a, b, c]);
    expect(answers.every((x) => x.ok)).toBe(true);
    expect(s.controller.status?.positionMs).toBe(3000);
    // A negative position is clamped at 0.
    s.connection.autoStatus = (command) => status('r1', { positionMs: command.action === 'seek' ? command.tMs : 0 });
    await s.controller.seek(-50);
    expect(s.controller.status?.positionMs).toBe(0);
  });

  it('drives play, pause and speed, and refuses without sending when nothing is open or the speed is out of range', async () => {
    const s = setup();
    expect(await s.controller.play()).toMatchObject({ ok: false, code: 'not-found' });
    expect(await s.controller.seek(10)).toMatchObject({ ok: false, code: 'not-found' });
    expect(s.connection.controls).toHaveLength(0);
    await openAndShow(s, 'r1');
    s.connection.autoStatus = (command) => status('r1', { playing: command.action === 'play', speed: command.action === 'speed' ? command.speed : 1 });
    expect((await s.controller.play()).ok).toBe(true);
    expect(s.controller.status?.playing).toBe(true);
    expect((await s.controller.pause()).ok).toBe(true);
    expect(s.controller.status?.playing).toBe(false);
    expect((await s.controller.setSpeed(8)).ok).toBe(true);
    expect(s.controller.status?.speed).toBe(8);
    expect(await s.controller.setSpeed(32)).toMatchObject({ ok: false, code: 'invalid-payload' });
    expect(await s.controller.setSpeed(0.1)).toMatchObject({ ok: false, code: 'invalid-payload' });
  });

  it('a stopped replay goes back to live by itself', async () => {
    const s = setup();
    await openAndShow(s, 'r1');
    const sent = s.connection.controls.length;
    s.controller.handle({ kind: 'stopped', recordingId: 'r1', message: 'the recording was deleted' } satisfies ReplayPayload);
    expect(s.controller.active).toBe(false);
    expect(s.view.sessionName).toBe('Live class');
    expect(s.closed).toEqual([{ recordingId: 'r1', reason: 'stopped', message: 'the recording was deleted' }]);
    expect(s.connection.controls.length).toBe(sent);
  });

  it('lists recordings and reads one with its markers in time order', async () => {
    const s = setup();
    const meta = { id: 'a_1', sessionId: 'default', name: 'Monday', startedAt: 1, endedAt: null, durationMs: 5000, eventCount: 3, markerCount: 2, keyframeCount: 1, importedAt: null, live: true };
    s.setBody({ recordings: [meta, { bogus: true }] });
    expect(await s.controller.list()).toEqual([meta]);
    expect(s.urls.at(-1)).toBe('/api/recordings');
    s.setBody({
      recording: meta,
      markers: [
        { seq: 5, tMs: 4000, kind: 'tc-crossing', label: 'crossed T_c', data: null },
        { seq: 2, tMs: 1000, kind: 'temperature', label: 'T = 2.000', data: null },
        { nope: 1 },
      ],
    });
    const details = await s.controller.details('a/1');
    expect(s.urls.at(-1)).toBe('/api/recordings/a%2F1');
    expect(details.markers.map((m) => m.seq)).toEqual([2, 5]);
    s.setBody({ error: 'x' });
    await expect(s.controller.list()).rejects.toThrow(/unexpected answer/);
    await expect(s.controller.details('a_1')).rejects.toThrow(/unexpected answer/);
  });
});
