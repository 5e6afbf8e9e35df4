/**
 * Replay over Socket.IO (docs/protocol.md, "Replay"): a server with a store records its default
 * session; a connection opens that recording with `openReplay`, seeks (a snapshot, then the
 * events up to the time), plays at 16×, and gets `replay` events only on itself; bad commands
 * are refused like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayPayload } from '../../../shared/protocol/events.js';
import { startServer, type RunningServer } from '../../../server/serve.js';
import { connectClient, connected, delay, nextEvent, type LiveClient, type UntypedEmitter } from '../../helpers/live-client.js';

let server: RunningServer;
const clients: LiveClient[] = [];

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', data: ':memory:', sweepsPerSecond: 200, checkpointSeconds: 0, log: () => {} });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
});

async function join(): Promise<LiveClient> {
  const client = connectClient(server.url, { auth: {} });
  clients.push(client);
  const welcome = nextEvent(client, 'welcome', 10_000);
  await connected(client, 10_000);
  await welcome;
  return client;
}

describe('replay over sockets', () => {
  it('opens, seeks, plays and controls a recording of the live session', async () => {
    const viewer = await join();
    const bystander = await join();
    await nextEvent(viewer, 'frame', 10_000);
    await delay(1500);
    const { recordings } = (await (await fetch(`${server.url}/api/recordings`)).json()) as { recordings: { id: string; eventCount: number; live: boolean }[] };
    expect(recordings).toHaveLength(1);
    const id = recordings[0]!.id;

    const got: ReplayPayload[] = [];
    viewer.on('replay', (payload) => got.push(payload));
    let leaked = 0;
    bystander.on('replay', () => leaked++);

    const opened = await viewer.timeout(5000).emitWithAck('openReplay', { recordingId: id });
    expect(opened).toMatchObject({ ok: true, recording: { id }, status: { recordingId: id, playing: false, positionMs: 0, speed: 1 } });
    if (!opened.ok) throw new Error('not opened');
    const durationMs = opened.recording.durationMs;
    expect(durationMs).toBeGreaterThan(500);

    // the recording starts before the engine's first frame: seek close to its end
    const at = Math.round(durationMs - 300);
    const seek = await viewer.timeout(5000).emitWithAck('replayControl', { action: 'seek', tMs: at });
    expect(seek).toMatchObject({ ok: true, status: { positionMs: at, playing: false } });
    await delay(200);
    const snapshot = got.find((p) => p.kind === 'snapshot');
    expect(snapshot).toMatchObject({ kind: 'snapshot', recordingId: id, seq: 0 }); // the keyframe written as the recording started
    expect((snapshot as { snapshot: { sessionId: string } }).snapshot.sessionId).toBe('default');
    const upTo = got.filter((p): p is Extract<ReplayPayload, { kind: 'event' }> => p.kind === 'event');
    expect(upTo.length).toBeGreaterThan(0);
    expect(upTo.every((e) => e.tMs <= at)).toBe(true);
    expect(upTo.map((e) => e.seq)).toEqual(upTo.map((_, i) => i + 1));
    expect(upTo.some((e) => e.type === 'frame')).toBe(true);

    got.length = 0;
    expect(await viewer.timeout(5000).emitWithAck('replayControl', { action: 'speed', speed: 16 })).toMatchObject({ ok: true, status: { speed: 16 } });
    expect(await viewer.timeout(5000).emitWithAck('replayControl', { action: 'play' })).toMatchObject({ ok: true, status: { playing: true } });
    await delay(Math.min(2000, durationMs / 16 + 500));
    const played = got.filter((p): p is Extract<ReplayPayload, { kind: 'event' }> => p.kind === 'event');
    expect(played.length).toBeGreaterThan(0);
    expect(played[0]!.seq).toBe(upTo.at(-1)!.seq + 1);
    expect(played.every((e) => e.tMs > at)).toBe(true);
    const frame = played.find((e) => e.type === 'frame')!.payload as { lattice: Uint8Array; tick: number };
    expect(frame.lattice.byteLength).toBe(200); // L = 40: 1600 bits
    expect(await viewer.timeout(5000).emitWithAck('replayControl', { action: 'pause' })).toMatchObject({ ok: true, status: { playing: false } });
    expect(await viewer.timeout(5000).emitWithAck('replayControl', { action: 'close' })).toEqual({ ok: true, status: null });
    expect(await viewer.timeout(5000).emitWithAck('replayControl', { action: 'play' })).toMatchObject({ ok: false, code: 'not-found' });
    expect(leaked).toBe(0);
  });

  it('refuses unknown recordings, bad payloads and control without a replay', async () => {
    const client = await join();
    expect(await client.timeout(5000).emitWithAck('openReplay', { recordingId: 'no-such-recording' })).toMatchObject({ ok: false, code: 'not-found' });
    expect(await client.timeout(5000).emitWithAck('replayControl', { action: 'pause' })).toMatchObject({ ok: false, code: 'not-found' });
    const raw = client as unknown as UntypedEmitter & LiveClient;
    const bad = [
      ['openReplay', { recordingId: '../etc' }],
      ['replayControl', { action: 'speed', speed: 100 }],
      ['replayControl', { action: 'seek', tMs: -1 }],
      ['replayControl', { action: 'rewind' }],
      ['replayControl', { action: 'play', extra: 1 }],
    ] as const;
    for (const [event, payload] of bad) {
      const answer = await new Promise((resolve) => raw.emit(event, payload, resolve));
      expect(answer).toMatchObject({ ok: false, code: 'invalid-payload' });
    }
  });
});
