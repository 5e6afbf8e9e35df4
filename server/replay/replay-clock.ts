/**
 * The replay clock: which recording time a viewer is at, given the wall clock. Pure functions
 * on an immutable value, no timers, so the pacing is testable without waiting.
 *
 * While playing, recording time advances `speed` ms per wall-clock ms from an anchor:
 *   position(wall) = anchorPositionMs + (wall − anchorWallMs) · speed.
 * Every change (play, pause, seek, speed) re-anchors at the current position, so the position
 * is continuous across speed changes and pauses. All times in ms.
 */

/** Slowest and fastest replay speeds (multiples of the recorded pace). */
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 16;

export interface ReplayClock {
  /** Recording time at the anchor, ms. */
  readonly anchorPositionMs: number;
  /** Wall-clock time of the anchor, ms (any monotonic origin). */
  readonly anchorWallMs: number;
  readonly speed: number;
  readonly playing: boolean;
}

/** A paused clock at recording time positionMs, speed 1. */
export function createClock(positionMs = 0, wallMs = 0): ReplayClock {
  return { anchorPositionMs: positionMs, anchorWallMs: wallMs, speed: 1, playing: false };
}

/** Recording time at wall-clock time wallMs. */
export function positionAt(clock: ReplayClock, wallMs: number): number {
  if (!clock.playing) return clock.anchorPositionMs;
  return clock.anchorPositionMs + Math.max(0, wallMs - clock.anchorWallMs) * clock.speed;
}

export function play(clock: ReplayClock, wallMs: number): ReplayClock {
  return { ...clock, anchorPositionMs: positionAt(clock, wallMs), anchorWallMs: wallMs, playing: true };
}

export function pause(clock: ReplayClock, wallMs: number): ReplayClock {
  return { ...clock, anchorPositionMs: positionAt(clock, wallMs), anchorWallMs: wallMs, playing: false };
}

/** Moves to recording time positionMs, keeping play/pause and speed. */
export function seekTo(clock: ReplayClock, positionMs: number, wallMs: number): ReplayClock {
  return { ...clock, anchorPositionMs: positionMs, anchorWallMs: wallMs };
}

/** True for a finite speed in [MIN_SPEED, MAX_SPEED]. */
export function isValidSpeed(speed: unknown): speed is number {
  return typeof speed === 'number' && Number.isFinite(speed) && speed >= MIN_SPEED && speed <= MAX_SPEED;
}

/** Changes the speed from now on; throws RangeError outside [MIN_SPEED, MAX_SPEED]. */
export function withSpeed(clock: ReplayClock, speed: number, wallMs: number): ReplayClock {
  if (!isValidSpeed(speed)) throw new RangeError(`replay speed must be in [${MIN_SPEED}, ${MAX_SPEED}], got ${speed}`);
  return { ...clock, anchorPositionMs: positionAt(clock, wallMs), anchorWallMs: wallMs, speed };
}

/**
 * Wall-clock ms from wallMs until the recording time tMs is reached: 0 if it already has been,
 * Infinity while paused. Rounded up, so a timer of this length never fires early.
 */
export function wallDelayUntil(clock: ReplayClock, tMs: number, wallMs: number): number {
  const ahead = tMs - positionAt(clock, wallMs);
  if (ahead <= 0) return 0;
  if (!clock.playing) return Infinity;
  return Math.ceil(ahead / clock.speed);
}

/**
 * How many of the times from index `from` on are due at recording time positionMs: times is
 * sorted ascending (event times of a recording never decrease), and the due ones are the
 * leading run with t ≤ positionMs.
 */
export function dueCount(times: ArrayLike<number>, from: number, positionMs: number): number {
  let n = 0;
  while (from + n < times.length && times[from + n] <= positionMs) n++;
  return n;
}
