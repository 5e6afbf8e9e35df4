/**
 * A recording as `GET /api/recordings` lists it (docs/recording-format.md, "HTTP"): the store
 * produces it, the page's replay panel reads it.
 */

/** One recording as listed (the JSON of GET /api/recordings). Times in ms. */
export interface RecordingMeta {
  id: string;
  /** The session it was recorded in; null once that session is deleted, and for imports. */
  sessionId: string | null;
  name: string;
  /** Wall-clock start, ms since the Unix epoch. */
  startedAt: number;
  /** Wall-clock end; null while recording, or if the server stopped without closing it. */
  endedAt: number | null;
  /** Recording time of the last committed item, ms. */
  durationMs: number;
  eventCount: number;
  markerCount: number;
  keyframeCount: number;
  /** When it was imported into this server (ms since the epoch), else null. */
  importedAt: number | null;
  /** A Recorder of this process is writing it now. */
  live: boolean;
}
