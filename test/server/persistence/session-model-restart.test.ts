/**
 * Model-based session test across checkpoints and restarts (RELIABILITY.md, test 12): fast-check
 * generates sequences of joins (at most one host connection), leaves, temperature proposals,
 * host actions (policy, pause, resume, reset, removal), forced checkpoints and restarts, runs
 * them against the real `startServer` (server/serve.ts) on a SQLite data file, and compares with
 * a small model after every step.
 *
 * - `checkpoint` forces what the 30 s timer does: `persistence.checkpointAll()`; the stored
 *   session row and the engine checkpoint then hold the model's policy, pause state, resets and
 *   temperature.
 * - `restart` closes the server as SIGTERM does (`RunningServer.close()`: final checkpoint, then
 *   everything closed) and starts it again on the same port and data file; every client comes
 *   back (by itself when its socket is still reconnecting, else the model reconnects it) and is
 *   welcomed into the same session (same id and join code) in the same role, with the same
 *   temperature, policy and pause state.
 *
 * Invariants after every command: the presence lists exactly the model's connections, each in
 * the model's role, with exactly as many hosts as the model has (≤ 1); the temperature in force
 * and every temperature broadcast lie in [0.5, 10] and the temperature in force is the model's
 * (when known: not while votes may land); policy, pause state and resets are the model's; frame
 * `seq` strictly increases per connection within a server process; and the session's recording
 * (one recording, continued across restarts) has committed events with seq 1, 2, 3… — no gap,
 * no repeat — checked incrementally through the store API, and once more in the SQLite file
 * after the run (with one 'resumed' milestone per restart and `integrity_check` ok).
 *
 * `startServer` exposes neither its persistence nor its registry, so this file wraps
 * `openPersistence` and `createApp` (vi.mock, delegating to the real ones) to get hold of them;
 * the wrapper also raises the per-connection rate limits, which the model does not model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RgflowApp } from '../../../server/app.js';
import { decodeCheckpoint } from '../../../server/engine/engine-checkpoint.js';
import type { SessionPersistence } from '../../../server/persistence/session-persistence.js';
import { startServer, type RunningServer } from '../../../server/serve.js';
import type { SessionHub } from '../../../server/sessions/session-hub.js';
import { hashHostToken } from '../../../server/sessions/tokens.js';
import { openSqlite } from '../../../server/store/sqlite.js';
import type { CreateSessionResponse, PolicyMode, WelcomePayload } from '../../../shared/protocol/events.js';
import { TEMPERATURE_LIMITS } from '../../../shared/protocol/schemas.js';
import { connectClient, nextEvent, type LiveClient } from '../../helpers/live-client.js';

const captured = vi.hoisted(() => ({ app: null as unknown, persistence: null as unknown }));

vi.mock('../../../server/persistence/session-persistence.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../server/persistence/session-persistence.js')>();
  return {
    ...actual,
    openPersistence: (...args: Parameters<typeof actual.openPersistence>) => {
      const persistence = actual.openPersistence(...args);
      captured.persistence = persistence;
      return persistence;
    },
  };
});

vi.mock('../../../server/app.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../server/app.js')>();
  const generous = { perSecond: 1000, burst: 1000 };
  return {
    ...actual,
    createApp: async (...[options]: Parameters<typeof actual.createApp>) => {
      const app = await actual.createApp({ ...options, rateLimits: { any: generous, temperature: generous, host: generous } });
      captured.app = app;
      return app;
    },
  };
});

const DEFAULT_HOST_TOKEN = 'model-restart-default-host-token-0123456789';
/** Sockets that reconnect by themselves, quickly (the page uses 0.5–5 s). */
const RECONNECTING = { reconnection: true, reconnectionDelay: 30, reconnectionDelayMax: 100 };
const root = mkdtempSync(join(tmpdir(), 'rgflow-model-restart-'));
const logLines: string[] = [];
/** Clients that were still reconnecting by themselves after a restart, and those the model had to reconnect. */
const reconnects = { byThemselves: 0, byTheModel: 0 };
let restarts = 0;
const servers = new Set<RunningServer>();
const sockets = new Set<LiveClient>();

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await Promise.all([...servers].map((server) => server.close().catch(() => undefined)));
  rmSync(root, { recursive: true, force: true });
  console.log(`session model with restarts: ${restarts} restarts; after them ${reconnects.byThemselves} clients reconnected by themselves, ${reconnects.byTheModel} were reconnected by the model`);
});

interface Booted {
  running: RunningServer;
  app: RgflowApp;
  persistence: SessionPersistence;
}

/** `rgflow serve --data <data> --port <port> --checkpoint-seconds 0`, small and fast. */
async function boot(port: number, data: string): Promise<Booted> {
  captured.app = captured.persistence = null;
  const running = await startServer({
    port,
    host: '127.0.0.1',
    data,
    checkpointSeconds: 0,
    L: 16,
    seed: 5,
    frameRate: 15,
    sweepsPerSecond: 2000,
    hostToken: DEFAULT_HOST_TOKEN,
    log: (line) => logLines.push(line),
  });
  servers.add(running);
  expect(captured.app).not.toBeNull();
  expect(captured.persistence).not.toBeNull();
  return { running, app: captured.app as RgflowApp, persistence: captured.persistence as SessionPersistence };
}

interface Model {
  /** The connections, in the order of `Real.clients`. */
  participants: { role: 'host' | 'student' }[];
  policy: PolicyMode;
  paused: boolean;
  resets: number;
  /** The temperature in force when the model knows it (not while votes may apply). */
  temperature: number | null;
}

interface Real {
  server: Booted;
  data: string;
  port: number;
  sessionId: string;
  code: string;
  hostToken: string;
  clients: LiveClient[];
  /** Server processes so far (incremented by each restart). */
  epoch: number;
  lastFrame: Map<LiveClient, { epoch: number; seq: number }>;
  temperatures: number[];
  violations: string[];
  recordingId: string;
  /** The last committed recording seq checked so far. */
  lastSeq: number;
}

type SessionCommand = fc.AsyncCommand<Model, Real>;

const hubOf = (real: Real): SessionHub => {
  const hub = real.server.app.registry.get(real.sessionId);
  if (!hub) throw new Error(`session ${real.sessionId} is not live`);
  return hub;
};

const hostCount = (model: Readonly<Model>): number => model.participants.filter((p) => p.role === 'host').length;

async function ack(socket: LiveClient, event: string, payload: unknown): Promise<{ ok: boolean; code?: string } & Record<string, unknown>> {
  return (await (socket.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(event, payload)) as {
    ok: boolean;
    code?: string;
  };
}

/** A tracked client of the model's session; frames and temperatures are watched. */
function openClient(real: Real, role: 'host' | 'student'): LiveClient {
  const auth = role === 'host' ? { sessionCode: real.code, hostToken: real.hostToken } : { sessionCode: real.code };
  const socket = connectClient(`http://127.0.0.1:${real.port}`, { auth, ...RECONNECTING });
  sockets.add(socket);
  socket.on('temperature', (t) => real.temperatures.push(t.temperature));
  socket.on('frame', (frame) => {
    const last = real.lastFrame.get(socket);
    if (last && last.epoch === real.epoch && frame.seq <= last.seq) real.violations.push(`frame seq ${frame.seq} after ${last.seq} in server process ${real.epoch}`);
    real.lastFrame.set(socket, { epoch: real.epoch, seq: frame.seq });
  });
  return socket;
}

/** The session's recording: still exactly one, and its committed events numbered 1, 2, 3… without a gap. */
function checkRecording(real: Real): void {
  const { recordings } = real.server.persistence.store;
  expect(recordings.list({ sessionId: real.sessionId }).map((r) => r.id)).toEqual([real.recordingId]);
  for (;;) {
    const page = recordings.readEvents(real.recordingId, real.lastSeq, 500);
    if (page.length === 0) break;
    for (const event of page) {
      if (event.seq !== real.lastSeq + 1) real.violations.push(`recording seq ${event.seq} after ${real.lastSeq}`);
      real.lastSeq = event.seq;
    }
  }
}

/** Invariants after every command. */
function checkInvariants(model: Model, real: Real): void {
  const hub = hubOf(real);
  expect(hub.code).toBe(real.code);
  const presence = hub.snapshot().presence.participants;
  expect(presence.map((p) => p.id).sort()).toEqual(real.clients.map((c) => c.id!).sort());
  expect(real.clients.map((c) => presence.find((p) => p.id === c.id)?.role)).toEqual(model.participants.map((p) => p.role));
  const hosts = presence.filter((p) => p.role === 'host');
  expect(hosts.length).toBe(hostCount(model));
  expect(hosts.length).toBeLessThanOrEqual(1);
  expect(hub.policyMode).toBe(model.policy);
  expect(hub.engine.control!.paused).toBe(model.paused);
  expect(hub.engine.control!.resets).toBe(model.resets);
  const { temperature } = hub.engine.temperature;
  if (model.temperature !== null) expect(temperature).toBe(model.temperature);
  for (const t of [temperature, ...real.temperatures]) {
    expect(t).toBeGreaterThanOrEqual(TEMPERATURE_LIMITS.min);
    expect(t).toBeLessThanOrEqual(TEMPERATURE_LIMITS.max);
  }
  checkRecording(real);
  expect(real.violations).toEqual([]);
}

class Join implements SessionCommand {
  constructor(readonly role: 'host' | 'student') {}
  check = (model: Readonly<Model>): boolean => model.participants.length < 5 && (this.role === 'student' || hostCount(model) === 0);
  async run(model: Model, real: Real): Promise<void> {
    const socket = openClient(real, this.role);
    const welcome = await nextEvent(socket, 'welcome', 5000);
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
    await expect.poll(() => hubOf(real).snapshot().presence.participants.some((p) => p.id === id)).toBe(false);
    checkInvariants(model, real);
  }
  toString = (): string => `leave(${this.index})`;
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

/** A host action by participant `index`: applied when it is the host, `forbidden` otherwise. */
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
      else {
        // A reset starts a new run from the seed, not paused, at the coupling in force.
        model.resets++;
        model.paused = false;
      }
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
      removed.disconnect();
    }
    checkInvariants(model, real);
  }
  toString = (): string => `remove(${this.target} by ${this.by})`;
}

/** What the 30 s timer does, now: every live session's engine checkpoint and settings saved. */
class Checkpoint implements SessionCommand {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const { persistence, app } = real.server;
    expect(await persistence.checkpointAll()).toBe(app.registry.list().length);
    const stored = persistence.store.sessions.get(real.sessionId)!;
    expect(stored).toMatchObject({ id: real.sessionId, code: real.code, hostTokenHash: hashHostToken(real.hostToken) });
    expect((stored.settings as { policy: PolicyMode }).policy).toBe(model.policy);
    const checkpoint = persistence.store.checkpoints.latest(real.sessionId)!;
    const state = decodeCheckpoint(checkpoint.state);
    expect(state.tick).toBe(checkpoint.tick);
    expect(state.paused).toBe(model.paused);
    expect(state.resets).toBe(model.resets);
    const savedTemperature = 1 / state.simulation.sampler.coupling;
    expect(savedTemperature).toBeGreaterThanOrEqual(TEMPERATURE_LIMITS.min);
    expect(savedTemperature).toBeLessThanOrEqual(TEMPERATURE_LIMITS.max);
    if (model.temperature !== null) expect(savedTemperature).toBe(model.temperature);
    checkInvariants(model, real);
  }
  toString = (): string => 'checkpoint';
}

/** Resolves once `socket` has disconnected (at once when it is not connected). */
function disconnected(socket: LiveClient, timeoutMs = 10_000): Promise<void> {
  if (!socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not disconnected')), timeoutMs);
    socket.once('disconnect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** SIGTERM (final checkpoint, everything closed), then the same command line again: same port, same data file. */
class Restart implements SessionCommand {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const code = real.code;
    const down = real.clients.map((socket) => disconnected(socket));
    await real.server.running.close();
    servers.delete(real.server.running);
    await Promise.all(down);
    real.epoch++;
    restarts++;
    // No client is connected now: the server is gone. Listen for the welcomes before it is back.
    const welcomes = real.clients.map((socket) => nextEvent(socket, 'welcome', 15_000));
    real.server = await boot(real.port, real.data);
    // Most clients do not come back by themselves: at shutdown createApp treats every session as
    // ended (an `error` "this session has ended", then disconnectSockets(true)), and a client that
    // sees 'io server disconnect' never reconnects; only those whose transport closed first do
    // (reported: server/app.ts should leave the sockets to io.close() when the server shuts down).
    for (const socket of real.clients) {
      if (socket.active) reconnects.byThemselves++;
      else {
        reconnects.byTheModel++;
        socket.connect();
      }
    }
    const welcomed: WelcomePayload[] = await Promise.all(welcomes);
    const hub = hubOf(real);
    expect(hub.code).toBe(code);
    const stored = real.server.persistence.store.sessions.get(real.sessionId)!;
    const restoredTemperature = 1 / (stored.settings as { config: { coupling: number } }).config.coupling;
    welcomed.forEach((welcome, i) => {
      expect(welcome).toMatchObject({ sessionId: real.sessionId, sessionCode: code, role: model.participants[i].role, policy: { mode: model.policy } });
      expect(welcome.control?.paused).toBe(model.paused);
      expect(welcome.temperature.temperature).toBe(model.temperature ?? restoredTemperature);
    });
    expect(hub.engine.temperature.temperature).toBe(model.temperature ?? restoredTemperature);
    // The host token still makes its holder host, and nobody else.
    checkInvariants(model, real);
  }
  toString = (): string => 'restart';
}

/** Weighted so that a dozen commands usually change the policy and pause state, and restart, with a host around. */
const command: fc.Arbitrary<SessionCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('host' as const, 'student' as const).map((role) => new Join(role)) },
  { weight: 1, arbitrary: fc.nat(9).map((i) => new Leave(i)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(9), fc.double({ min: TEMPERATURE_LIMITS.min, max: TEMPERATURE_LIMITS.max, noNaN: true })).map(([i, t]) => new Propose(i, t)),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat(9), fc.constantFrom('vote' as const, 'free' as const, 'locked' as const, 'pause' as const, 'resume' as const, 'reset' as const))
      .map(([i, action]) => new HostAction(i, action)),
  },
  { weight: 1, arbitrary: fc.tuple(fc.nat(9), fc.nat(9)).map(([by, target]) => new Remove(by, target)) },
  { weight: 2, arbitrary: fc.constant(new Checkpoint()) },
  { weight: 2, arbitrary: fc.constant(new Restart()) },
);

/** The recording in the data file once the server is closed: seqs 1…n, a milestone per restart, file intact. */
function checkDataFile(data: string, recordingId: string, restartsInRun: number): void {
  const sqlite = openSqlite(data, { readonly: true, fileMustExist: true });
  try {
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const events = sqlite.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT seq) AS distinctSeqs FROM events WHERE recording_id = ?').get(recordingId) as {
      n: number;
      lo: number;
      hi: number;
      distinctSeqs: number;
    };
    expect(events.n).toBeGreaterThan(0);
    expect(events).toEqual({ n: events.n, lo: 1, hi: events.n, distinctSeqs: events.n });
    const milestones = sqlite.prepare("SELECT label FROM markers WHERE recording_id = ? AND kind = 'milestone'").all(recordingId) as { label: string }[];
    expect(milestones).toHaveLength(restartsInRun);
    for (const { label } of milestones) expect(label).toMatch(/^resumed from checkpoint at tick \d+$/);
    const recording = sqlite.prepare('SELECT ended_at, event_count FROM recordings WHERE id = ?').get(recordingId) as { ended_at: number | null; event_count: number };
    expect(recording.ended_at).not.toBeNull();
    expect(recording.event_count).toBe(events.n);
  } finally {
    sqlite.close();
  }
}

describe('a persisted session under random command sequences with checkpoints and restarts', () => {
  it('keeps its invariants and matches the model', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 8, maxLength: 12 }), async (cmds) => {
        const data = join(root, `run-${run++}`, 'rgflow.sqlite');
        const server = await boot(0, data);
        const port = server.running.port;
        const response = await fetch(`http://127.0.0.1:${port}/api/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Model', L: 16, seed: 7 }),
        });
        expect(response.status).toBe(201);
        const created = (await response.json()) as CreateSessionResponse;
        const recordings = server.persistence.store.recordings.list({ sessionId: created.id });
        expect(recordings).toHaveLength(1);
        const real: Real = {
          server,
          data,
          port,
          sessionId: created.id,
          code: created.code,
          hostToken: created.hostToken,
          clients: [],
          epoch: 0,
          lastFrame: new Map(),
          temperatures: [],
          violations: [],
          recordingId: recordings[0]!.id,
          lastSeq: 0,
        };
        const hub = hubOf(real);
        const model: Model = { participants: [], policy: hub.policyMode, paused: false, resets: hub.engine.control!.resets, temperature: hub.engine.temperature.temperature };
        const restartsBefore = restarts;
        try {
          // A host and a student to begin with, so host actions are tried from both sides.
          await new Join('host').run(model, real);
          await new Join('student').run(model, real);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          // Every run restarts at least once, at the end.
          await new Restart().run(model, real);
        } finally {
          for (const socket of real.clients) socket.disconnect();
          await real.server.running.close();
          servers.delete(real.server.running);
        }
        checkDataFile(data, real.recordingId, restarts - restartsBefore);
      }),
      // RGFLOW_MODEL_SEED / RGFLOW_MODEL_RUNS explore further (e.g. 30 runs: about 4 min here).
      { seed: Number(process.env.RGFLOW_MODEL_SEED ?? 23), numRuns: Number(process.env.RGFLOW_MODEL_RUNS ?? 4) },
    );
  });
});
