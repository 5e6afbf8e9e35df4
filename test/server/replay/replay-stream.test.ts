/**
 * Replay on real SQLite files with a manual clock (no waiting): replayed events are identical
 * to the recorded ones, in order; seek to any t yields exactly the recorded state at t (a
 * counter recording, where the state at t is the sum of the increments with t_ms ≤ t); events
 * arrive when the scaled clock reaches them; pause stops everything; several streams run at
 * once; the store is read in pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { ReplayStream, type ReplayListener, type ReplaySource, type ReplayStatus, type ReplayTimers } from '../../../server/replay/replay-stream.js';
import { createStore, type Store } from '../../../server/store/session-store.js';

const root = mkdtempSync(join(tmpdir(), 'rgflow-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Timers driven by advance(): each callback runs at exactly its due time. */
class ManualTimers implements ReplayTimers {
  time = 0;
  #next = 0;
  #queue = new Map<number, { at: number; fn: () => void }>();
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#queue.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.#queue.delete(id as number);
  get pending() {
    return this.#queue.size;
  }
  advance(ms: number) {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.#queue.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.#queue.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

interface Delivered {
  type: string;
  payload: unknown;
  seq: number;
  tMs: number;
  wall: number;
}

/** A listener that keeps what it got and replays the counter state: snapshot, then increments. */
function viewer(timers: ManualTimers) {
  const got = { events: [] as Delivered[], snapshots: [] as Array<{ snapshot: unknown; seq: number }>, statuses: [] as ReplayStatus[], state: 0 };
  const listener: ReplayListener = {
    event: (type, payload, seq, tMs) => {
      got.events.push({ type, payload, seq, tMs, wall: timers.time });
      got.state += (payload as { by: number }).by;
    },
    snapshot: (snapshot, seq) => {
      got.snapshots.push({ snapshot, seq });
      got.state = snapshot === null ? 0 : (snapshot as { count: number }).count;
    },
    status: (s) => got.statuses.push(s),
  };
  return { got, listener };
}

let store: Store;
/** The counter recording: 2000 increments at irregular times (several per ms sometimes), keyframes every 1 s. */
let counter: { id: string; sent: Array<{ type: string; payload: unknown; tMs: number }>; durationMs: number };
let other: string;

beforeAll(() => {
  store = createStore(join(root, 'replay.db'));
  store.sessions.upsert({ id: 's', name: 'S', settings: {} });
  const rng = new Rng(8);
  let count = 0;
  // a frozen clock: the first keyframe is at t = 0 however loaded the machine is (events carry their own times)
  const rec = store.recordings.start('s', 'counter', { snapshot: () => ({ count }), keyframeIntervalMs: 1000, now: () => 0 });
  const sent: typeof counter.sent = [];
  let t = 0;
  for (let i = 0; i < 2000; i++) {
    t += rng.nextBelow(4) === 0 ? 0 : rng.nextBelow(20);
    const by = 1 + rng.nextBelow(9);
    const payload = { by, lattice: Int8Array.from({ length: 16 }, () => (rng.nextBelow(2) ? 1 : -1)), w: new Float32Array([rng.nextGaussian()]) };
    count += by;
    rec.append(i % 50 === 0 ? 'weights' : 'frame', payload, t);
    sent.push({ type: i % 50 === 0 ? 'weights' : 'frame', payload, tMs: t });
  }
  rec.close();
  counter = { id: rec.id, sent, durationMs: t };
  const o = store.recordings.start('s', 'other');
  for (let i = 0; i < 300; i++) o.append('tick', { by: 1, i }, i * 7);
  o.close();
  other = o.id;
  return () => store.close();
});

/** The recorded counter state at t: the sum of increments with t_ms ≤ t. */
const stateAt = (t: number) => counter.sent.filter((e) => e.tMs <= t).reduce((sum, e) => sum + (e.payload as { by: number }).by, 0);

describe('ReplayStream', () => {
  it('replays every recorded event identically and in order, then ends', () => {
    const timers = new ManualTimers();
    const { got, listener } = viewer(timers);
    const stream = new ReplayStream(store.recordings, counter.id, listener, { timers, pageSize: 64 });
    stream.setSpeed(16);
    stream.play();
    timers.advance(Math.ceil(counter.durationMs / 16) + 1);
    expect(got.events.map(({ type, payload, tMs }) => ({ type, payload, tMs }))).toEqual(counter.sent);
    expect(got.events.map((e) => e.seq)).toEqual(counter.sent.map((_, k) => k + 1));
    expect(got.snapshots).toEqual([{ snapshot: { count: 0 }, seq: 0 }]);
    expect(got.state).toBe(stateAt(counter.durationMs));
    expect(stream.status).toMatchObject({ ended: true, playing: false, positionMs: counter.durationMs, seq: 2000 });
    expect(timers.pending).toBe(0);
  });

  it('delivers each event when the scaled clock reaches it, never early, at speeds 0.25…16', () => {
    for (const speed of [0.25, 1, 3, 16]) {
      const timers = new ManualTimers();
      const { got, listener } = viewer(timers);
      const stream = new ReplayStream(store.recordings, counter.id, listener, { timers });
      stream.setSpeed(speed);
      stream.play();
      const wall = Math.floor(3000 / speed);
      timers.advance(wall); // recording time 0 … about 3000 ms
      const due = counter.sent.filter((e) => e.tMs <= wall * speed).length;
      expect(got.events).toHaveLength(due);
      for (const e of got.events) {
        expect(e.wall * speed).toBeGreaterThanOrEqual(e.tMs); // not early
        expect(e.wall).toBeLessThanOrEqual(Math.ceil(e.tMs / speed)); // not late by a tick
      }
      stream.close();
      expect(timers.pending).toBe(0);
    }
  });

  it('keeps the position continuous across a speed change', () => {
    const timers = new ManualTimers();
    const { got, listener } = viewer(timers);
    const stream = new ReplayStream(store.recordings, counter.id, listener, { timers });
    stream.play();
    timers.advance(1000); // at 1000 ms
    stream.setSpeed(8);
    timers.advance(250); // + 2000 ms
    expect(stream.status.positionMs).toBe(3000);
    expect(got.state).toBe(stateAt(3000));
    stream.close();
  });

  it('pauses: nothing is delivered and no timer is armed until play', () => {
    const timers = new ManualTimers();
    const { got, listener } = viewer(timers);
    const stream = new ReplayStream(store.recordings, counter.id, listener, { timers });
    stream.play();
    timers.advance(2000);
    stream.pause();
    const n = got.events.length;
    expect(timers.pending).toBe(0);
    timers.advance(60_000);
    expect(got.events).toHaveLength(n);
    expect(stream.status).toMatchObject({ playing: false, positionMs: 2000 });
    stream.play();
    timers.advance(500);
    expect(got.state).toBe(stateAt(2500));
    expect(got.events.map((e) => e.seq)).toEqual(Array.from({ length: got.events.length }, (_, k) => k + 1));
    stream.close();
  });

  it('seek to t yields exactly the recorded state at t, from the nearest keyframe', () => {
    const timers = new ManualTimers();
    const { got, listener } = viewer(timers);
    const reads: number[] = [];
    const source: ReplaySource = {
      get: (id) => store.recordings.get(id),
      keyframeAt: (id, t) => store.recordings.keyframeAt(id, t),
      readEvents: (id, after, limit) => {
        reads.push(limit);
        return store.recordings.readEvents(id, after, limit);
      },
    };
    const stream = new ReplayStream(source, counter.id, listener, { timers, pageSize: 16 });
    const rng = new Rng(99);
    const keyframeTimes = [0, 1000, 2000, 3000].map((t) => store.recordings.keyframeAt(counter.id, t)!.tMs);
    const times = [0, counter.durationMs, counter.durationMs + 500, -20, ...keyframeTimes, ...counter.sent.slice(500, 505).map((e) => e.tMs)];
    for (let n = 0; n < 60; n++) times.push(rng.nextBelow(counter.durationMs + 1));
    for (const t of times) {
      stream.seek(t);
      const clamped = Math.min(Math.max(t, 0), counter.durationMs);
      expect(got.state).toBe(stateAt(clamped));
      const snap = got.snapshots.at(-1)!;
      const keyframe = store.recordings.keyframeAt(counter.id, clamped)!;
      expect(snap.seq).toBe(keyframe.seq); // started from the nearest keyframe at or before t
      expect(stream.status.positionMs).toBe(clamped);
    }
    expect(Math.max(...reads)).toBeLessThanOrEqual(16);
    expect(timers.pending).toBe(0); // paused: seeking arms nothing
    stream.close();
  });

  it('keeps playing after a seek while playing, forwards and backwards', () => {
    const timers = new ManualTimers();
    const { got, listener } = viewer(timers);
    const stream = new ReplayStream(store.recordings, counter.id, listener, { timers });
    stream.play();
    timers.advance(500);
    stream.seek(4000);
    timers.advance(300);
    expect(got.state).toBe(stateAt(4300));
    stream.seek(100);
    timers.advance(100);
    expect(got.state).toBe(stateAt(200));
    expect(stream.status.playing).toBe(true);
    stream.close();
    expect(timers.pending).toBe(0);
  });

  it('runs several streams over different recordings at once, each with its own pace', () => {
    const timers = new ManualTimers();
    const a = viewer(timers);
    const b = viewer(timers);
    const c = viewer(timers);
    const sa = new ReplayStream(store.recordings, counter.id, a.listener, { timers, pageSize: 32 });
    const sb = new ReplayStream(store.recordings, other, b.listener, { timers, pageSize: 32 });
    const sc = new ReplayStream(store.recordings, counter.id, c.listener, { timers, pageSize: 32 });
    sb.setSpeed(2);
    sc.setSpeed(0.5);
    sa.play();
    sb.play();
    sc.play();
    sc.seek(5000);
    timers.advance(700);
    expect(a.got.state).toBe(stateAt(700));
    expect(b.got.events.map((e) => (e.payload as { i: number }).i)).toEqual(Array.from({ length: 201 }, (_, i) => i)); // t ≤ 1400 ms
    expect(c.got.state).toBe(stateAt(5350));
    sa.pause();
    timers.advance(10_000);
    expect(a.got.state).toBe(stateAt(700));
    expect(sb.status.ended).toBe(true);
    expect(b.got.events).toHaveLength(300);
    for (const s of [sa, sb, sc]) s.close();
    expect(timers.pending).toBe(0);
  });

  it('plays again from the start after the end; refuses a bad speed or unknown recording', () => {
    const timers = new ManualTimers();
    const { got, listener } = viewer(timers);
    const stream = new ReplayStream(store.recordings, other, listener, { timers });
    stream.setSpeed(16);
    stream.play();
    timers.advance(1000);
    expect(stream.status.ended).toBe(true);
    stream.play();
    timers.advance(1000);
    expect(got.events).toHaveLength(600);
    expect(got.snapshots.map((s) => s.seq)).toEqual([0, 0]);
    expect(() => stream.setSpeed(0.2)).toThrow(RangeError);
    expect(() => stream.setSpeed(17)).toThrow(RangeError);
    expect(() => new ReplayStream(store.recordings, 'nope', listener, { timers })).toThrow(/unknown recording/);
    stream.close();
  });

  it('runs on real timers: a 2 s recording at 16× in about 130 ms, and close() stops it', async () => {
    const { got, listener } = viewer(new ManualTimers());
    const stream = new ReplayStream(store.recordings, other, listener);
    stream.setSpeed(16);
    const ended = new Promise<void>((resolve) => {
      listener.status = (s) => s.ended && resolve();
    });
    const started = performance.now();
    stream.play();
    await ended;
    const elapsed = performance.now() - started;
    expect(got.events).toHaveLength(300);
    expect(elapsed).toBeGreaterThanOrEqual(2093 / 16 - 5);
    expect(elapsed).toBeLessThan(1000);
    const second = new ReplayStream(store.recordings, other, viewer(new ManualTimers()).listener);
    second.play();
    second.close();
    await new Promise((r) => setTimeout(r, 30));
    expect(second.status.seq).toBeLessThan(300);
  });
});
