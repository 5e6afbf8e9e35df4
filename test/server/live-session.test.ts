/**
 * The live slice end to end on the server side, with real components: createApp on port 0,
 * its engine worker, and real socket.io-client connections. Proves the welcome snapshot and
 * the frame stream (rate, increasing seq, decodable and changing lattices), the shared
 * temperature, that every malformed command is answered with an error code and changes nothing,
 * the health check, the Origin allow-list on both transports and the message-size limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RgflowApp } from '../../server/app.js';
import { encode } from '@msgpack/msgpack';
import type { FramePayload, ProposeTemperatureAck } from '../../shared/protocol/events.js';
import { asBytes, unpackLattice } from '../../shared/protocol/lattice-codec.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import { connectClient, connected, delay, nextEvent, type LiveClient, type UntypedEmitter } from '../helpers/live-client.js';

const L = 24;
const FRAME_RATE = 15;
const INITIAL_COUPLING = 0.408;

let server: RgflowApp;
let url: string;
let emptyClientDir: string;
const logLines: string[] = [];
const clients: LiveClient[] = [];

function client(options: Parameters<typeof connectClient>[1] = {}): LiveClient {
  const socket = connectClient(url, options);
  clients.push(socket);
  return socket;
}

/** Collects `count` frames from `socket`, with their arrival times in ms. */
function collectFrames(socket: LiveClient, count: number, timeoutMs = 3000): Promise<{ frame: FramePayload; at: number }[]> {
  return new Promise((resolve, reject) => {
    const frames: { frame: FramePayload; at: number }[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${count} frames in ${timeoutMs} ms`)), timeoutMs);
    const onFrame = (frame: FramePayload): void => {
      frames.push({ frame, at: performance.now() });
      if (frames.length < count) return;
      clearTimeout(timer);
      socket.off('frame', onFrame);
      resolve(frames);
    };
    socket.on('frame', onFrame);
  });
}

function decode(frame: FramePayload): Int8Array {
  return unpackLattice(asBytes(frame.lattice), L * L);
}

beforeAll(async () => {
  emptyClientDir = mkdtempSync(join(tmpdir(), 'rgflow-no-client-'));
  server = await createApp({
    session: { L, coupling: INITIAL_COUPLING, seed: 7, frameRate: FRAME_RATE, sweepsPerSecond: 2000 },
    clientDir: emptyClientDir,
    log: (line) => logLines.push(line),
  });
  await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of clients) socket.disconnect();
  await server?.close();
  rmSync(emptyClientDir, { recursive: true, force: true });
});

/** Returns a function that tells whether no `temperature` event reached `socket` since this call. */
function noTemperatureSince(socket: LiveClient): () => boolean {
  let seen = false;
  socket.on('temperature', () => {
    seen = true;
  });
  return () => !seen;
}

describe('frame stream', () => {
  it('welcomes a client with a full snapshot, then streams frames at the configured rate', async () => {
    const socket = client();
    const welcome = await nextEvent(socket, 'welcome');
    expect(welcome.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(welcome.sessionId).toBe('default');
    expect(welcome.clientId).toBe(socket.id);
    expect(welcome.settings).toMatchObject({ L, frameRate: FRAME_RATE, algorithm: 'metropolis', seed: 7 });
    expect(welcome.snapshot).not.toBeNull();
    expect(decode(welcome.snapshot!).every((s) => s === 1 || s === -1)).toBe(true);

    const frames = await collectFrames(socket, 8);
    const seqs = frames.map((f) => f.frame.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
    expect(seqs[0]).toBeGreaterThanOrEqual(welcome.snapshot!.seq);
    const meanIntervalMs = (frames[frames.length - 1].at - frames[0].at) / (frames.length - 1);
    expect(meanIntervalMs).toBeGreaterThan((1000 / FRAME_RATE) * 0.6);
    expect(meanIntervalMs).toBeLessThan((1000 / FRAME_RATE) * 1.6);

    const lattices = frames.map((f) => decode(f.frame));
    for (const spins of lattices) expect(spins.every((s) => s === 1 || s === -1)).toBe(true);
    const distinct = new Set(lattices.map((spins) => spins.join(''))).size;
    expect(distinct).toBeGreaterThanOrEqual(frames.length - 1);
    const last = frames[frames.length - 1].frame;
    expect(last.coupling).toBeCloseTo(INITIAL_COUPLING, 12);
    expect(last.sweeps).toBeGreaterThan(frames[0].frame.sweeps);
    expect(Number.isFinite(last.exact.energyPerSite)).toBe(true);
    expect(last.exact.spontaneousMagnetization).toBe(0);
  });

  it('measures e and |m| with error bars that cover the exact finite-L energy', async () => {
    const socket = client();
    await nextEvent(socket, 'welcome');
    await delay(1500);
    const frame = await nextEvent(socket, 'frame');
    const energy = frame.energyPerSite!;
    expect(energy.samples).toBeGreaterThan(500);
    expect(energy.err).toBeGreaterThan(0);
    expect(Math.abs(energy.mean - frame.exact.energyPerSite)).toBeLessThan(5 * energy.err + 1e-3);
    expect(frame.absMagnetization!.mean).toBeGreaterThan(0);
  });
});

describe('shared temperature', () => {
  it('applies a temperature set by one client, tells every client, and the frames follow', async () => {
    const setter = client();
    const watcher = client();
    await Promise.all([nextEvent(setter, 'welcome'), nextEvent(watcher, 'welcome')]);
    const seen = nextEvent(watcher, 'temperature');
    const ack = await setter.timeout(3000).emitWithAck('proposeTemperature', { temperature: 3 });
    expect(ack).toEqual({ ok: true, outcome: 'applied', temperature: 3, coupling: 1 / 3 });
    expect(await seen).toEqual({ temperature: 3, coupling: 1 / 3, changedBy: setter.id });
    expect(server.engine.temperature.temperature).toBe(3);
    const [{ frame }] = await collectFrames(watcher, 1);
    expect(frame.coupling).toBe(1 / 3);
    expect(frame.sweepsSinceChange).toBeLessThan(frame.sweeps);

    const late = client();
    const welcome = await nextEvent(late, 'welcome');
    expect(welcome.temperature).toEqual({ temperature: 3, coupling: 1 / 3, changedBy: setter.id });
  });
});

describe('malformed commands', () => {
  /** [what, arguments after the event name] — each must be rejected with `code`. */
  const cases: [string, unknown[], string][] = [
    ['a number as a string', [{ temperature: '2.5' }], 'invalid-payload'],
    ['NaN', [{ temperature: Number.NaN }], 'invalid-payload'],
    ['Infinity', [{ temperature: Number.POSITIVE_INFINITY }], 'invalid-payload'],
    ['a temperature below 0.5', [{ temperature: 0.1 }], 'invalid-payload'],
    ['a temperature above 10', [{ temperature: 11 }], 'invalid-payload'],
    ['an extra key', [{ temperature: 2, coupling: 0.5 }], 'invalid-payload'],
    ['a __proto__ key', [JSON.parse('{"temperature": 2, "__proto__": {"polluted": true}}')], 'invalid-payload'],
    ['a missing field', [{}], 'invalid-payload'],
    ['a string instead of an object', ['hot'], 'invalid-payload'],
    ['null', [null], 'invalid-payload'],
    ['no payload', [], 'invalid-arguments'],
    ['an extra argument', [{ temperature: 2 }, 'more'], 'invalid-arguments'],
  ];

  it.each(cases)('rejects %s with an error event and a failed ack, changing nothing', async (_what, args, code) => {
    const socket = client();
    await nextEvent(socket, 'welcome');
    const before = server.engine.temperature;
    const noBroadcast = noTemperatureSince(socket);

    const errorWithoutAck = nextEvent(socket, 'error');
    (socket as unknown as UntypedEmitter).emit('proposeTemperature', ...args);
    expect(await errorWithoutAck).toMatchObject({ code, event: 'proposeTemperature' });

    const errorWithAck = nextEvent(socket, 'error');
    const ack = await new Promise<ProposeTemperatureAck>((resolve) =>
      (socket as unknown as UntypedEmitter).emit('proposeTemperature', ...args, resolve),
    );
    expect(ack).toMatchObject({ ok: false, code });
    expect((await errorWithAck).code).toBe(code);

    await delay(100);
    expect(server.engine.temperature).toEqual(before);
    expect(noBroadcast()).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects raw MessagePack packets with a non-finite number or a __proto__ key, and keeps streaming', async () => {
    const socket = client();
    await nextEvent(socket, 'welcome');
    const before = server.engine.temperature;
    const engineSocket = socket.io.engine;
    const hostile = JSON.parse('{"__proto__": {"temperature": 2}, "temperature": 2}') as Record<string, unknown>;
    for (const body of [{ temperature: Number.POSITIVE_INFINITY }, { temperature: Number.NEGATIVE_INFINITY }, hostile]) {
      const error = nextEvent(socket, 'error');
      engineSocket.send(encode({ type: 2, nsp: '/', data: ['proposeTemperature', body] }));
      expect((await error).code).toBe('invalid-payload');
    }
    expect(server.engine.temperature).toEqual(before);
    expect(({} as Record<string, unknown>).temperature).toBeUndefined();
    await collectFrames(socket, 2);
  });

  it('answers an unknown event with unknown-event', async () => {
    const socket = client();
    await nextEvent(socket, 'welcome');
    const error = nextEvent(socket, 'error');
    (socket as unknown as UntypedEmitter).emit('launchMissiles', { now: true });
    expect(await error).toMatchObject({ code: 'unknown-event', event: null });
    expect(socket.connected).toBe(true);
  });
});

describe('HTTP', () => {
  it('answers GET /healthz with {"ok": true}', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers / with 503 and how to build the client while it is not built', async () => {
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build');
  });
});

describe('connection limits', () => {
  it.each([['polling'], ['websocket']])('refuses a foreign Origin over %s and accepts its own', async (transport) => {
    const foreign = client({ transports: [transport], extraHeaders: { origin: 'http://evil.example' } });
    await expect(connected(foreign)).rejects.toThrow();
    const own = client({ transports: [transport], extraHeaders: { origin: url } });
    await connected(own);
    expect(own.connected).toBe(true);
  });

  it('answers a foreign-Origin polling handshake with 403', async () => {
    const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    await response.body?.cancel();
  });

  it.each([['websocket'], ['polling']])('closes only the socket that sends an oversized message (%s)', async (transport) => {
    const offender = client({ transports: [transport] });
    const bystander = client();
    await Promise.all([nextEvent(offender, 'welcome'), nextEvent(bystander, 'welcome')]);
    let bystanderDropped = false;
    bystander.on('disconnect', () => {
      bystanderDropped = true;
    });
    const dropped = new Promise<string>((resolve) => offender.once('disconnect', resolve));
    (offender as unknown as UntypedEmitter).emit('proposeTemperature', { temperature: 2, padding: 'x'.repeat(20_000) });
    expect(['transport close', 'transport error']).toContain(await dropped);
    await collectFrames(bystander, 3);
    expect(bystanderDropped).toBe(false);
    expect(bystander.connected).toBe(true);
  });
});

describe('engine health', () => {
  it('kept the engine running through every test above without logging an error', () => {
    expect(server.engine.engineStatus).toBe('running');
    expect(logLines.filter((line) => !line.startsWith('rgflow: default session, join code'))).toEqual([]);
  });
});
