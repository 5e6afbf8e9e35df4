/**
 * Model-based test of a session (RELIABILITY.md, test 12): fast-check generates sequences of
 * joins (host or student), leaves, dropped-and-recovered connections, temperature proposals,
 * policy changes, pause / resume / reset, removals and checkpoints, runs them against a real
 * session through real clients, and compares with a small model after every step. Invariants:
 * one host token per session (a host is exactly a participant that presented it), every
 * temperature within [0.5, 10], frame `seq` strictly increasing, and the session's participants,
 * policy and pause state equal to the model's.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyMode, TemperaturePayload } from '../../../shared/protocol/events.js';
import { TEMPERATURE_LIMITS } from '../../../shared/protocol/schemas.js';
import { nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { startTestApp, type TestApp } from '../../helpers/session-app.js';
import type { SessionHub } from '../../../server/sessions/session-hub.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ rateLimits: { temperature: { perSecond: 1000, burst: 1000 }, host: { perSecond: 1000, burst: 1000 } } });
});

afterAll(async () => {
  await app?.close();
});

interface Model {
  participants: { role: 'host' | 'student' }[];
  policy: PolicyMode;
  paused: boolean;
  resets: number;
  /** The temperature in force when the model knows it (not while votes may apply). */
  temperature: number | null;
}

interface Real {
  hub: SessionHub;
  code: string;
  hostToken: string;
  clients: LiveClient[];
  seqs: number[];
  temperatures: number[];
}

type SessionCommand = fc.AsyncCommand<Model, Real>;

/** Clients reconnect at once, so a dropped transport is recovered. */
const RECOVERING = { reconnection: true, reconnectionDelay: 30, reconnectionDelayMax: 60 };

const pick = <T>(items: T[], index: number): T => items[index % items.length];

async function ack(socket: LiveClient, event: string, payload: unknown): Promise<{ ok: boolean; code?: string } & Record<string, unknown>> {
  return (await (socket.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(event, payload)) as {
    ok: boolean;
    code?: string;
  };
}

/** Invariants after every command. */
function checkInvariants(model: Model, real: Real): void {
  const presence = real.hub.snapshot().presence;
  expect(presence.participants.map((p) => p.role)).toEqual(model.participants.map((p) => p.role));
  expect(presence.participants.map((p) => p.id)).toEqual(real.clients.map((c) => c.id));
  expect(real.hub.policyMode).toBe(model.policy);
  expect(real.hub.engine.control!.paused).toBe(model.paused);
  expect(real.hub.engine.control!.resets).toBe(model.resets);
  const { temperature } = real.hub.engine.temperature;
  if (model.temperature !== null) expect(temperature).toBe(model.temperature);
  for (const t of [temperature, ...real.temperatures]) {
    expect(t).toBeGreaterThanOrEqual(TEMPERATURE_LIMITS.min);
    expect(t).toBeLessThanOrEqual(TEMPERATURE_LIMITS.max);
  }
  for (let i = 1; i < real.seqs.length; i++) expect(real.seqs[i]).toBeGreaterThan(real.seqs[i - 1]);
}

class Join implements SessionCommand {
  constructor(readonly role: 'host' | 'student') {}
  check = (model: Readonly<Model>): boolean => model.participants.length < 6;
  async run(model: Model, real: Real): Promise<void> {
    const auth = this.role === 'host' ? { sessionCode: real.code, hostToken: real.hostToken } : { sessionCode: real.code };
    const socket = app.client({ auth, ...RECOVERING });
    socket.on('temperature', (t: TemperaturePayload) => real.temperatures.push(t.temperature));
    const welcome = await nextEvent(socket, 'welcome');
    expect(welcome.role).toBe(this.role);
    real.clients.push(socket);
    model.participants.push({ role: this.role });
    checkInvariants(model, real);
  }
  toString = (): string => `join(${this.role})`;
}

class Leave implements SessionCommand {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>): boolean => model.participants.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const i = this.index % real.clients.length;
    const [socket] = real.clients.splice(i, 1);
    model.participants.splice(i, 1);
    const id = socket.id;
    socket.disconnect();
    await expect.poll(() => real.hub.snapshot().presence.participants.some((p) => p.id === id)).toBe(false);
    checkInvariants(model, real);
  }
  toString = (): string => `leave(${this.index})`;
}

class DropAndRecover implements SessionCommand {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>): boolean => model.participants.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const socket = pick(real.clients, this.index);
    const id = socket.id;
    const back = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not reconnected within 3 s')), 3000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.io.engine.close();
    await back;
    expect(socket.recovered).toBe(true);
    expect(socket.id).toBe(id);
    await expect.poll(() => real.hub.snapshot().presence.participants.find((p) => p.id === id)?.connected).toBe(true);
    checkInvariants(model, real);
  }
  toString = (): string => `dropAndRecover(${this.index})`;
}

class Propose implements SessionCommand {
  constructor(
    readonly index: number,
    readonly temperature: number,
  ) {}
  check = (model: Readonly<Model>): boolean => model.participants.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const i = this.index % real.clients.length;
    const { role } = model.participants[i];
    const answer = await ack(real.clients[i], 'proposeTemperature', { temperature: this.temperature });
    if (model.policy === 'vote') expect(answer).toMatchObject({ ok: true, outcome: 'proposed' });
    else if (model.policy === 'locked' && role === 'student') expect(answer).toMatchObject({ ok: false, code: 'forbidden' });
    else {
      // The engine runs at K = 1/T and reports T = 1/K.
      expect(answer).toMatchObject({ ok: true, outcome: 'applied', temperature: 1 / (1 / this.temperature) });
      model.temperature = 1 / (1 / this.temperature);
    }
    checkInvariants(model, real);
  }
  toString = (): string => `propose(${this.index}, ${this.temperature})`;
}

/** A host action by participant `index`: applied when it is a host, `forbidden` otherwise. */
class HostAction implements SessionCommand {
  constructor(
    readonly index: number,
    readonly action: 'vote' | 'free' | 'locked' | 'pause' | 'resume' | 'reset',
  ) {}
  check = (model: Readonly<Model>): boolean => model.participants.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const i = this.index % real.clients.length;
    const isHost = model.participants[i].role === 'host';
    const [event, payload] = ['vote', 'free', 'locked'].includes(this.action) ? ['setPolicy', { mode: this.action }] : [this.action, {}];
    const answer = await ack(real.clients[i], event, payload);
    if (!isHost) {
      expect(answer).toMatchObject({ ok: false, code: 'forbidden' });
    } else {
      expect(answer.ok).toBe(true);
      if (event === 'setPolicy') {
        // After a vote the temperature is known again once someone sets it (a tally may still be landing).
        if (model.policy === 'vote' || this.action === 'vote') model.temperature = null;
        model.policy = this.action as PolicyMode;
      } else if (this.action === 'pause') model.paused = true;
      else if (this.action === 'resume') model.paused = false;
      else model.resets++;
    }
    checkInvariants(model, real);
  }
  toString = (): string => `${this.action}(by ${this.index})`;
}

class Remove implements SessionCommand {
  constructor(
    readonly by: number,
    readonly target: number,
  ) {}
  check = (model: Readonly<Model>): boolean => model.participants.length > 1;
  async run(model: Model, real: Real): Promise<void> {
    const by = this.by % real.clients.length;
    let target = this.target % real.clients.length;
    if (target === by) target = (target + 1) % real.clients.length;
    const targetId = real.clients[target].id!;
    const answer = await ack(real.clients[by], 'removeParticipant', { id: targetId });
    if (model.participants[by].role !== 'host') {
      expect(answer).toMatchObject({ ok: false, code: 'forbidden' });
    } else {
      expect(answer).toEqual({ ok: true, id: targetId });
      const [removed] = real.clients.splice(target, 1);
      model.participants.splice(target, 1);
      await expect.poll(() => removed.connected).toBe(false);
    }
    checkInvariants(model, real);
  }
  toString = (): string => `remove(${this.target} by ${this.by})`;
}

class Checkpoint implements SessionCommand {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const { tick, state } = await real.hub.engine.checkpoint();
    expect(tick).toBeGreaterThanOrEqual(0);
    expect(state.byteLength).toBeGreaterThan(0);
    checkInvariants(model, real);
  }
  toString = (): string => 'checkpoint';
}

const commands = [
  fc.constantFrom('host' as const, 'student' as const).map((role) => new Join(role)),
  fc.nat(9).map((i) => new Leave(i)),
  fc.nat(9).map((i) => new DropAndRecover(i)),
  fc.tuple(fc.nat(9), fc.double({ min: TEMPERATURE_LIMITS.min, max: TEMPERATURE_LIMITS.max, noNaN: true })).map(([i, t]) => new Propose(i, t)),
  fc.tuple(fc.nat(9), fc.constantFrom('vote' as const, 'free' as const, 'locked' as const, 'pause' as const, 'resume' as const, 'reset' as const)).map(
    ([i, action]) => new HostAction(i, action),
  ),
  fc.tuple(fc.nat(9), fc.nat(9)).map(([by, target]) => new Remove(by, target)),
  fc.constant(new Checkpoint()),
];

describe('a session under random command sequences', () => {
  it('keeps its invariants and matches the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 20 }), async (cmds) => {
        const created = await app.createSession({ name: 'Model' });
        const hub = app.server.registry.get(created.id)!;
        const real: Real = { hub, code: created.code, hostToken: created.hostToken, clients: [], seqs: [], temperatures: [] };
        const observer = app.client({ auth: { sessionCode: created.code }, ...RECOVERING });
        await nextEvent(observer, 'welcome');
        observer.on('frame', (frame) => real.seqs.push(frame.seq));
        const model: Model = { participants: [{ role: 'student' }], policy: 'free', paused: false, resets: 0, temperature: hub.engine.temperature.temperature };
        real.clients.push(observer);
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        } finally {
          for (const socket of real.clients) socket.disconnect();
          await app.server.registry.close(created.id);
        }
      }),
      { seed: 12, numRuns: 16 },
    );
  });
});
