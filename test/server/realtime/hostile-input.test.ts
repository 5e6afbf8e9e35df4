/**
 * Malformed input cannot crash, stall or change a session (RELIABILITY.md, test 4), with a real
 * server and real clients:
 * - fast-check fuzzing of every client event's arguments (arbitrary values, `__proto__` and
 *   other prototype keys, non-finite numbers, wrong arity), sent by a student in `locked` mode
 *   and invalid ones by the host: every call is answered, every bad call with the error code the
 *   schema oracle predicts (and one `error` event each), the session's state and
 *   Object.prototype are unchanged, and no promise rejection goes unhandled;
 * - fuzzed handshakes: admitted exactly when the handshake schema accepts them;
 * - raw frames over a raw WebSocket (engine.io text and binary, malformed Socket.IO packets,
 *   random bytes): each may close its own connection, none crashes the server or disturbs a
 *   bystander, which keeps receiving frames.
 * Rate limits are raised in this file so that fuzzing measures validation, not limiting.
 */
import fc from 'fast-check';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeMsgpack } from '../../../server/realtime/msgpack-decode.js';
import type { CommandFailure, ErrorPayload, FramePayload } from '../../../shared/protocol/events.js';
import { clientPayloadSchemas, handshakeAuthSchema, type ClientEventName } from '../../../shared/protocol/schemas.js';
import { delay, nextEvent, type LiveClient, type UntypedEmitter } from '../../helpers/live-client.js';
import { connectRefusal, record, startTestApp, waitFor, type TestApp } from '../../helpers/session-app.js';

const HOST_EVENTS = new Set<ClientEventName>(['setPolicy', 'pause', 'resume', 'step', 'reset', 'setHyperparameters', 'removeParticipant']);
const EVENTS = Object.keys(clientPayloadSchemas) as ClientEventName[];
const UNLIMITED = { perSecond: 1e6, burst: 1e6 };

let app: TestApp;
let session: { id: string; code: string; hostToken: string };
let host: LiveClient;
let student: LiveClient;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

/** What the server sees of `value` once encoded by the client's parser. */
function asServerSees(value: unknown): unknown {
  return decodeMsgpack((new msgpackParser.Encoder().encode(value) as unknown as Uint8Array[])[0]);
}

/** The session facts no refused command may change. */
function sessionState(): unknown {
  const hub = app.server.registry.get(session.id)!;
  const { temperature, coupling } = hub.engine.temperature;
  const control = hub.engine.control!;
  return {
    temperature,
    coupling,
    policy: hub.policyMode,
    paused: control.paused,
    resets: control.resets,
    settings: control.settings,
    participants: hub.snapshot().presence.participants.map((p) => p.id),
  };
}

const prototypeKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty');
const protocolKeys = fc.constantFrom('temperature', 'mode', 'id', 'ticks', 'learningRate', 'l1', 'k', 'persistent', 'algorithm', 'L', 'layers', 'seed', 'weights', 'position', 'target');
const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.double({ min: 0.5, max: 10, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308, 2 ** 53 + 2),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('free', 'vote', 'locked', 'metropolis', 'wolff'),
  fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), prototypeKeys, protocolKeys), tie('value'), { maxKeys: 4 }),
  ),
}));
/** Payloads close to valid ones, so that schemas are probed at their edges too. */
const nearlyValid = fc.oneof(
  { weight: 3, arbitrary: fc.record({ temperature: fc.oneof(fc.double(), fc.double({ min: 0.5, max: 10, noNaN: true })) }) },
  fc.record({ mode: fc.constantFrom('free', 'vote', 'locked', 'anarchy') }),
  fc.record({ ticks: fc.integer({ min: -2, max: 20_000 }) }),
  fc.record({ learningRate: fc.double(), k: fc.integer({ min: 0, max: 60 }) }, { requiredKeys: [] }),
  fc.record({ L: fc.integer({ min: 0, max: 200 }), seed: fc.integer() }, { requiredKeys: [] }),
  fc.record({ id: fc.string({ maxLength: 70 }) }),
  fc.record({ weights: fc.oneof(fc.boolean(), fc.constant(1)) }),
  fc.record({ position: fc.tuple(fc.double(), fc.double(), fc.double()), target: fc.array(fc.double({ min: -2000, max: 2000 }), { maxLength: 4 }) }),
  fc.constant({}),
);
/** One valid payload per event, so every run also probes the authorization of a well-formed call. */
const VALID: Record<ClientEventName, unknown> = {
  proposeTemperature: { temperature: 2.5 },
  setPolicy: { mode: 'locked' },
  pause: {},
  resume: {},
  step: { ticks: 1 },
  reset: {},
  setHyperparameters: { learningRate: 0.01 },
  removeParticipant: { id: 'nobody' },
  ping: {},
  openReplay: { recordingId: 'none' },
  replayControl: { action: 'pause' },
  subscribe: { weights: false },
  shareCamera: { position: [1, 2, 3], target: [0, 0, 0] },
};
/** Argument lists for `event`: mostly fuzz, sometimes its valid payload. */
const argumentsFor = (event: ClientEventName) => fc.oneof({ weight: 9, arbitrary: argumentLists }, { weight: 1, arbitrary: fc.constant<unknown[]>([VALID[event]]) });
const argumentLists = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.oneof(anyValue, nearlyValid)) },
  { weight: 1, arbitrary: fc.array(anyValue, { maxLength: 3 }) },
);

/** Sends `event` with `args` and an acknowledgement; resolves with the answer. */
function call(socket: LiveClient, event: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), 3000);
    (socket as unknown as UntypedEmitter).emit(event, ...args, (answer: unknown) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** The code a student's (or the host's) call must get, or null when it must succeed. */
function expectedCode(event: ClientEventName, args: unknown[], role: 'host' | 'student'): string | null {
  if (args.length !== 1) return 'invalid-arguments';
  if (!clientPayloadSchemas[event].safeParse(asServerSees(args[0])).success) return 'invalid-payload';
  if (event === 'ping' || event === 'subscribe') return null;
  // anyone may replay; this app keeps no recordings, so a valid replay command finds nothing
  if (event === 'replayControl' && (asServerSees(args[0]) as { action?: unknown }).action === 'close') return null;
  if (event === 'openReplay' || event === 'replayControl') return 'not-found';
  return role === 'student' ? 'forbidden' : 'valid';
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  app = await startTestApp({ rateLimits: { any: UNLIMITED, temperature: UNLIMITED, host: UNLIMITED, replay: UNLIMITED, subscribe: UNLIMITED, camera: UNLIMITED } });
  session = await app.createSession({ name: 'Fuzz' });
  host = app.client({ auth: { sessionCode: session.code, hostToken: session.hostToken } });
  await nextEvent(host, 'welcome');
  student = app.client({ auth: { sessionCode: session.code } });
  await nextEvent(student, 'welcome');
  await host.timeout(3000).emitWithAck('setPolicy', { mode: 'locked' });
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await app?.close();
});

describe('fuzzed client events', () => {
  it.each(EVENTS)('%s: every call answered; bad ones with the predicted code and one error event; nothing changes', async (event) => {
    const before = sessionState();
    const errors = record<ErrorPayload>(student, 'error');
    const expectedErrors: string[] = [];
    await fc.assert(
      fc.asyncProperty(argumentsFor(event), async (args) => {
        const code = expectedCode(event, args, 'student');
        const answer = (await call(student, event, args)) as { ok: boolean; code?: string };
        if (code === null) expect(answer.ok).toBe(true);
        else {
          expect(answer).toMatchObject({ ok: false, code });
          expectedErrors.push(code);
        }
      }),
      { seed: 42, numRuns: 120 },
    );
    await delay(50);
    const kinds = new Set(expectedErrors);
    expect(kinds).toContain('invalid-payload');
    expect(kinds).toContain('invalid-arguments');
    if (event !== 'ping' && event !== 'subscribe' && event !== 'openReplay' && event !== 'replayControl') expect(kinds).toContain('forbidden');
    expect(errors.map((e) => e.code)).toEqual(expectedErrors);
    expect(errors.every((e) => e.event === event)).toBe(true);
    expect(sessionState()).toEqual(before);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the host’s invalid calls of every event are refused the same way and change nothing', async () => {
    const before = sessionState();
    const invalid = fc
      .tuple(fc.constantFrom(...EVENTS), argumentLists)
      .filter(([event, args]) => !['valid', null].includes(expectedCode(event, args, 'host')));
    await fc.assert(
      fc.asyncProperty(invalid, async ([event, args]) => {
        const answer = (await call(host, event, args)) as CommandFailure;
        expect(answer).toMatchObject({ ok: false, code: expectedCode(event, args, 'host') });
      }),
      { seed: 43, numRuns: 300 },
    );
    expect(sessionState()).toEqual(before);
  });

  it('unknown event names, including prototype names, get unknown-event', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'setTemperature', 'welcome', 'error', '']) {
      expect(await call(student, name, [{}])).toMatchObject({ ok: false, code: 'unknown-event' });
    }
  });

  it('left no rejection unhandled and Object.prototype untouched', () => {
    expect(rejections).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });
});

describe('fuzzed handshakes', () => {
  it('admits a connection exactly when the handshake schema accepts its auth (else invalid-payload)', async () => {
    const auth = fc.oneof(
      fc.record(
        {
          sessionCode: fc.oneof(fc.constant(session.code), fc.string({ maxLength: 8 }), anyValue),
          nickname: fc.oneof(fc.string({ maxLength: 30 }), anyValue),
          hostToken: fc.oneof(fc.string({ maxLength: 10 }), anyValue),
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.oneof(prototypeKeys, protocolKeys, fc.string({ maxLength: 6 })), anyValue, { maxKeys: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(auth, async (value) => {
        const seen = asServerSees(value) as Record<string, unknown>;
        const parsed = handshakeAuthSchema.safeParse(seen);
        const socket = app.client({ auth: value as Record<string, unknown> });
        if (!parsed.success) {
          expect((await connectRefusal(socket)).code).toBe('invalid-payload');
        } else {
          const outcome = await new Promise<string | undefined>((resolve) => {
            socket.once('welcome', () => resolve('welcome'));
            socket.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve(error.data?.code));
          });
          const { sessionCode, sessionId, hostToken } = parsed.data;
          const expected =
            (sessionCode !== undefined && sessionCode !== session.code) || (sessionCode === undefined && sessionId !== undefined && sessionId !== 'default')
              ? 'not-found'
              : hostToken !== undefined
                ? 'unauthorized'
                : 'welcome';
          expect(outcome).toBe(expected);
        }
        socket.disconnect();
      }),
      { seed: 44, numRuns: 60 },
    );
  });
});

describe('raw frames', () => {
  /** Opens a raw engine.io WebSocket and resolves once its `open` packet arrived. */
  function rawSocket(): Promise<WebSocket> {
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    return new Promise((resolve, reject) => {
      ws.once('message', () => resolve(ws));
      ws.once('error', reject);
    });
  }

  /** Sends `frames` on a fresh raw connection; resolves when it is closed or after `ms`. */
  async function sendRaw(frames: (string | Uint8Array)[], ms = 60): Promise<void> {
    const ws = await rawSocket();
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    for (const frame of frames) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    await Promise.race([closed, delay(ms)]);
    ws.terminate();
  }

  const encode = (packet: unknown): Uint8Array => (new msgpackParser.Encoder().encode(packet) as unknown as Uint8Array[])[0];
  const connect = encode({ type: 0, nsp: '/', data: { sessionCode: '' } });

  it('survives malformed engine.io and Socket.IO frames, and a bystander keeps receiving frames', async () => {
    const bystander = app.client({ auth: { sessionCode: session.code } });
    await nextEvent(bystander, 'welcome');
    let bystanderDropped = false;
    bystander.on('disconnect', () => {
      bystanderDropped = true;
    });
    const nested = (depth: number): Uint8Array => Uint8Array.from([...Array.from({ length: depth }, () => 0x91), 0xc0]);
    const cases: (string | Uint8Array)[][] = [
      [''],
      ['9'],
      ['4hello'],
      ['40'],
      ['42["proposeTemperature",{"temperature":2}]'],
      ['6'],
      ['1'],
      ['\u0000\uffff'],
      ['x'.repeat(3000)],
      [Uint8Array.from([0xc1])],
      [Uint8Array.from([])],
      [nested(5000)],
      [encode([2, '/', ['ping']])],
      [encode({ type: 2, nsp: '/', data: ['ping', {}] })],
      [encode({ type: 0, nsp: '/admin' })],
      [encode({ type: 0, nsp: '/', data: 'auth' })],
      [encode({ type: 0, nsp: '/', data: { sessionCode: 123 } })],
      [encode({ type: 0, nsp: '/', data: JSON.parse('{"__proto__": {"hostToken": "x"}}') as unknown })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 2, nsp: '/', data: [42, {}] })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 2, nsp: '/', data: [] })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 2, nsp: '/', data: [{}, {}], id: 1 })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 2, nsp: '/', data: ['ping', {}], id: 2 ** 60 })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 2, nsp: '/', data: ['ping', {}], id: 1.5 })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 3, nsp: '/', data: [], id: 7 })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 0, nsp: '/' })],
      [encode({ type: 0, nsp: '/' }), encode({ type: 1, nsp: '/' }), encode({ type: 2, nsp: '/', data: ['ping', {}] })],
      [connect, encode({ type: 2, nsp: '/', data: ['proposeTemperature', JSON.parse('{"__proto__":{"temperature":2}}') as unknown] })],
    ];
    for (const frames of cases) await sendRaw(frames);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 })), async (frame) => {
        await sendRaw([connect, frame], 20);
      }),
      { seed: 45, numRuns: 80 },
    );
    const frames = record<FramePayload>(bystander, 'frame');
    await waitFor<FramePayload>(bystander, 'frame', () => frames.length >= 3);
    expect(bystanderDropped).toBe(false);
    expect(await host.timeout(3000).emitWithAck('ping', {})).toMatchObject({ ok: true });
    expect(({} as Record<string, unknown>).hostToken).toBeUndefined();
    expect(({} as Record<string, unknown>).temperature).toBeUndefined();
    expect(rejections).toEqual([]);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
