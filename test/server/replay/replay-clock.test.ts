/**
 * The replay clock against its definition, position(w) = p₀ + (w − w₀)·speed while playing:
 * continuous across pause, play and speed changes; delays never fire early; speeds outside
 * 0.25…16 refused.
 */
import { describe, expect, it } from 'vitest';
import {
  createClock,
  dueCount,
  isValidSpeed,
  MAX_SPEED,
  MIN_SPEED,
  pause,
  play,
  positionAt,
  seekTo,
  wallDelayUntil,
  withSpeed,
} from '../../../server/replay/replay-clock.js';

describe('replay clock', () => {
  it('advances speed ms of recording per wall ms only while playing', () => {
    let c = createClock(0, 1000);
    expect(positionAt(c, 5000)).toBe(0);
    c = play(c, 1000);
    expect(positionAt(c, 1250)).toBe(250);
    c = withSpeed(c, 4, 1250);
    expect(positionAt(c, 1250)).toBe(250); // continuous at the change
    expect(positionAt(c, 1350)).toBe(650);
    c = pause(c, 1350);
    expect(positionAt(c, 9999)).toBe(650);
    c = play(c, 2000);
    expect(positionAt(c, 2010)).toBe(690);
    c = seekTo(c, 100, 2010);
    expect(positionAt(c, 2011)).toBe(104);
    expect(positionAt(c, 1000)).toBe(100); // a wall time before the anchor does not go back
  });

  it('gives the wall delay until a recording time, rounded up, Infinity while paused', () => {
    const playing = withSpeed(play(createClock(100, 0), 0), 0.25, 0);
    expect(wallDelayUntil(playing, 101, 0)).toBe(4);
    expect(wallDelayUntil(playing, 100.1, 0)).toBe(1);
    expect(wallDelayUntil(playing, 100, 0)).toBe(0);
    expect(wallDelayUntil(playing, 50, 0)).toBe(0);
    const fast = withSpeed(play(createClock(0, 0), 0), 16, 0);
    const d = wallDelayUntil(fast, 1000, 0);
    expect(positionAt(fast, d)).toBeGreaterThanOrEqual(1000);
    expect(positionAt(fast, d - 1)).toBeLessThan(1000);
    expect(wallDelayUntil(createClock(0, 0), 10, 0)).toBe(Infinity);
  });

  it('counts the leading due times', () => {
    const times = [0, 10, 10, 20, 35];
    expect(dueCount(times, 0, -1)).toBe(0);
    expect(dueCount(times, 0, 10)).toBe(3);
    expect(dueCount(times, 1, 10)).toBe(2);
    expect(dueCount(times, 3, 100)).toBe(2);
    expect(dueCount(times, 5, 100)).toBe(0);
  });

  it('accepts speeds 0.25…16 only', () => {
    for (const s of [MIN_SPEED, 0.5, 1, 2, 3.7, MAX_SPEED]) expect(isValidSpeed(s)).toBe(true);
    for (const s of [0, 0.24, 16.01, -1, NaN, Infinity, '2', null]) expect(isValidSpeed(s)).toBe(false);
    expect(() => withSpeed(createClock(), 32, 0)).toThrow(RangeError);
  });
});
