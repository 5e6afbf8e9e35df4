import { describe, expect, it } from 'vitest';
import { formatClock, fractionOf, markerKindName, placeMarkers, positionAt, spokenClock, timelineStep, type TimelineMarker } from '../../client/ui/timeline.js';

describe('formatClock', () => {
  it('writes m:ss below an hour and h:mm:ss from an hour', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(999)).toBe('0:00');
    expect(formatClock(1000)).toBe('0:01');
    expect(formatClock(65_432)).toBe('1:05');
    expect(formatClock(59 * 60_000 + 59_999)).toBe('59:59');
    expect(formatClock(3_600_000)).toBe('1:00:00');
    expect(formatClock(3_600_000 + 5 * 60_000 + 7_000)).toBe('1:05:07');
  });
  it('reads negative and non-finite times as 0:00', () => {
    expect(formatClock(-5)).toBe('0:00');
    expect(formatClock(Number.NaN)).toBe('0:00');
    expect(formatClock(Infinity)).toBe('0:00');
  });
  it('speaks times for screen readers', () => {
    expect(spokenClock(0)).toBe('0 seconds');
    expect(spokenClock(1000)).toBe('1 second');
    expect(spokenClock(61_000)).toBe('1 minute 1 second');
    expect(spokenClock(3_720_000)).toBe('1 hour 2 minutes');
  });
});

describe('positionAt', () => {
  const status = { playing: true, positionMs: 1000, speed: 2, durationMs: 10_000 };
  it('moves at speed × wall time while playing', () => {
    expect(positionAt(status, 500, 500)).toBe(1000);
    expect(positionAt(status, 500, 1500)).toBe(3000);
  });
  it('stops at the end, and does not move while paused', () => {
    expect(positionAt(status, 0, 60_000)).toBe(10_000);
    expect(positionAt({ ...status, playing: false }, 0, 60_000)).toBe(1000);
  });
  it('never goes back when the clock does', () => {
    expect(positionAt(status, 500, 100)).toBe(1000);
  });
});

describe('fractionOf and timelineStep', () => {
  it('clamps to [0, 1] and survives an empty range', () => {
    expect(fractionOf(5, 0, 10)).toBe(0.5);
    expect(fractionOf(-1, 0, 10)).toBe(0);
    expect(fractionOf(11, 0, 10)).toBe(1);
    expect(fractionOf(3, 0, 0)).toBe(0);
  });
  it('steps about 1/100 of the recording, rounded, at least 1 s', () => {
    expect(timelineStep(0)).toBe(1000);
    expect(timelineStep(60_000)).toBe(1000);
    expect(timelineStep(10 * 60_000)).toBe(10_000);
    expect(timelineStep(3_600_000)).toBe(60_000);
    expect(timelineStep(100 * 3_600_000)).toBe(600_000);
  });
});

describe('placeMarkers', () => {
  const marker = (seq: number, tMs: number, kind = 'temperature'): TimelineMarker => ({ seq, tMs, kind, label: `m${seq}` });
  it('places markers by time as fractions of the duration, in time order', () => {
    const ticks = placeMarkers([marker(2, 5000), marker(1, 0), marker(3, 10_000)], 10_000);
    expect(ticks.map((t) => t.fraction)).toEqual([0, 0.5, 1]);
    expect(ticks.map((t) => t.tMs)).toEqual([0, 5000, 10_000]);
  });
  it('merges markers closer than minGap into the first one’s tick', () => {
    const ticks = placeMarkers([marker(1, 1000), marker(2, 1050), marker(3, 1200, 'tc-crossing'), marker(4, 5000)], 10_000, 0.01);
    expect(ticks).toHaveLength(3);
    expect(ticks[0].markers.map((m) => m.seq)).toEqual([1, 2]);
    expect(ticks[1].markers.map((m) => m.seq)).toEqual([3]);
    expect(ticks[2].fraction).toBe(0.5);
  });
  it('clamps markers past the end (a recording still growing) to the end', () => {
    expect(placeMarkers([marker(1, 20_000)], 10_000)[0].fraction).toBe(1);
    expect(placeMarkers([marker(1, 200)], 0)[0].fraction).toBe(0);
  });
  it('names marker kinds in words', () => {
    expect(markerKindName('tc-crossing')).toBe('T_c crossing');
    expect(markerKindName('host-action')).toBe('host action');
    expect(markerKindName('something-new')).toBe('something-new');
  });
});
