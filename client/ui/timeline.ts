/**
 * Pure helpers of the replay timeline: clock formatting, where a replay stands between two
 * status reports, and where the recorded markers go on the timeline. No DOM.
 */
import type { ReplayStatus } from '../../shared/protocol/events.js';

/** The speeds the replay offers (the server accepts 0.25–16). */
export const REPLAY_SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;

/** A recorded marker as `GET /api/recordings/:id` lists it (docs/recording-format.md). */
export interface TimelineMarker {
  seq: number;
  /** Recording time, ms. */
  tMs: number;
  /** `temperature`, `tc-crossing`, `milestone`, `host-action` (others are shown as they are). */
  kind: string;
  label: string;
}

/** Markers close enough to share one tick on the timeline. */
export interface MarkerTick {
  /** Where the tick goes, 0 (start) … 1 (end). */
  fraction: number;
  /** Recording time the tick seeks to (its first marker's), ms. */
  tMs: number;
  markers: TimelineMarker[];
}

/** "m:ss" below an hour, "h:mm:ss" from an hour; negative and non-finite times read 0:00. */
export function formatClock(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}

/** Spoken form for aria-valuetext: "1 minute 5 seconds". */
export function spokenClock(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const parts: string[] = [];
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (hours > 0) parts.push(unit(hours, 'hour'));
  if (minutes > 0) parts.push(unit(minutes, 'minute'));
  if (seconds > 0 || parts.length === 0) parts.push(unit(seconds, 'second'));
  return parts.join(' ');
}

/** `value` clamped to [0, 1] as a fraction of [min, max] (0 for an empty range). */
export function fractionOf(value: number, min: number, max: number): number {
  if (!(max > min) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, (value - min) / (max - min)));
}

/**
 * The replay position now (ms), extrapolated from the last status: it moves at `speed` × wall
 * time while playing and stops at the end.
 * @param receivedAt when the status arrived, ms (same clock as `now`)
 */
export function positionAt(status: Pick<ReplayStatus, 'playing' | 'positionMs' | 'speed' | 'durationMs'>, receivedAt: number, now: number): number {
  const elapsed = status.playing ? Math.max(0, now - receivedAt) * status.speed : 0;
  return Math.min(Math.max(status.durationMs, status.positionMs), status.positionMs + elapsed);
}

/**
 * Ticks for the markers of a recording `durationMs` long: markers in time order, those less
 * than `minGap` (a fraction of the timeline) after the first of a tick join that tick.
 */
export function placeMarkers(markers: readonly TimelineMarker[], durationMs: number, minGap = 0.01): MarkerTick[] {
  const sorted = [...markers].sort((a, b) => a.tMs - b.tMs || a.seq - b.seq);
  const ticks: MarkerTick[] = [];
  for (const marker of sorted) {
    const fraction = fractionOf(marker.tMs, 0, durationMs);
    const last = ticks[ticks.length - 1];
    if (last && fraction - last.fraction < minGap) last.markers.push(marker);
    else ticks.push({ fraction, tMs: marker.tMs, markers: [marker] });
  }
  return ticks;
}

const KIND_NAMES: Record<string, string> = {
  temperature: 'temperature change',
  'tc-crossing': 'T_c crossing',
  'host-action': 'host action',
  milestone: 'milestone',
};

/** The marker kind in words ("T_c crossing"); unknown kinds as they are. */
export function markerKindName(kind: string): string {
  return KIND_NAMES[kind] ?? kind;
}

/** The kinds a marker filter offers, in this order. */
export const MARKER_KINDS = ['tc-crossing', 'host-action', 'milestone', 'temperature'] as const;

/** Timeline step (one arrow key), ms: a round value near 1/100 of the recording, at least 1 s. */
export function timelineStep(durationMs: number): number {
  const nice = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  const target = durationMs / 100;
  return nice.find((step) => step >= target) ?? nice[nice.length - 1];
}
