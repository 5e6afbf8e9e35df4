/**
 * The export file of one recording (docs/recording-format.md): a gzip stream of consecutive
 * MessagePack values — a header map, then keyframes, markers and events in seq order, then an
 * `end` item with the counts. Event and keyframe payloads travel as the exact bytes stored
 * (MessagePack with the typed-array extensions of payload-codec.ts), so an export → import round
 * trip is byte-identical. This file: the format's constants and errors, and the export;
 * recording-import.ts reads it back, checking everything.
 */
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { Encoder } from '@msgpack/msgpack';
import type { RecordingRow, StoreDatabase } from './database.js';

export const RECORDING_FORMAT = 'rgflow-recording';
export const RECORDING_FORMAT_VERSION = 1;

export const IMPORT_ERROR_CODES = [
  /** The file or its decompressed content is over the cap. */
  'too-large',
  /** Not gzip, or the gzip stream is corrupt or cut short. */
  'bad-compression',
  /** The content is not a sequence of MessagePack values, or ends in the middle of one. */
  'bad-encoding',
  /** The first value is not an rgflow recording header. */
  'bad-format',
  /** The header's version is not one this server reads. */
  'unsupported-version',
  /** An item has the wrong shape, size or value. */
  'bad-item',
  /** Items out of seq order, a gap in event seqs, or time going back. */
  'bad-sequence',
  /** An event or keyframe payload is not valid MessagePack. */
  'bad-payload',
  /** No `end` item, counts that differ from the items read, or data after `end`. */
  'truncated',
] as const;
export type ImportErrorCode = (typeof IMPORT_ERROR_CODES)[number];

/** A file the importer refused; nothing visible changed. */
export class RecordingImportError extends Error {
  override name = 'RecordingImportError';
  constructor(
    readonly code: ImportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ImportLimits {
  /** Largest file accepted, bytes (default 200 MiB). */
  maxFileBytes: number;
  /** Largest decompressed content, bytes (default 1 GiB): a gzip bomb stops here. */
  maxDecompressedBytes: number;
  /** Largest single event or keyframe payload, bytes (default 32 MiB). */
  maxPayloadBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxFileBytes: 200 * 1024 * 1024,
  maxDecompressedBytes: 1024 * 1024 * 1024,
  maxPayloadBytes: 32 * 1024 * 1024,
};

const PAGE = 256;


/**
 * The export file of a recording, as a stream of gzip bytes, read from the store in pages as the
 * consumer pulls. A recording still being written is exported up to its last committed event.
 */
export function exportRecording(database: StoreDatabase, row: RecordingRow): Readable {
  const gzip = createGzip();
  pipeline(Readable.from(exportChunks(database, row)), gzip, () => {});
  return gzip;
}

function* exportChunks(database: StoreDatabase, row: RecordingRow): Generator<Buffer> {
  const s = database.statements;
  const encoder = new Encoder();
  const id = row.id;
  const upto = s.eventLast.get(id)?.seq ?? 0;
  yield Buffer.from(
    encoder.encode({
      format: RECORDING_FORMAT,
      version: RECORDING_FORMAT_VERSION,
      exportedAt: new Date().toISOString(),
      recording: { id, sessionId: row.session_id, name: row.name, startedAt: row.started_at, endedAt: row.ended_at },
    }),
  );
  const events = paged((after) => s.eventPage.all(id, after, upto, PAGE), (r) => r.seq);
  const keyframes = paged((after) => s.keyframePage.all(id, after, upto, PAGE), (r) => r.seq);
  const markers = pagedMarkers(database, id, upto);
  let e = events.next();
  let k = keyframes.next();
  let m = markers.next();
  const counts = { events: 0, keyframes: 0, markers: 0 };
  let chunk: Uint8Array[] = [];
  let chunkBytes = 0;
  const push = (item: unknown) => {
    const bytes = encoder.encode(item);
    chunk.push(bytes);
    chunkBytes += bytes.byteLength;
  };
  // File order: for each seq s, event s, then keyframes and markers at s (the state after event s).
  while (!e.done || !k.done || !m.done) {
    const es = e.done ? Infinity : e.value.seq;
    const ks = k.done ? Infinity : k.value.seq;
    const ms = m.done ? Infinity : m.value.seq;
    if (es <= ks && es <= ms && !e.done) {
      push(['e', e.value.seq, e.value.t_ms, e.value.type, e.value.payload]);
      counts.events++;
      e = events.next();
    } else if (ks <= ms && !k.done) {
      push(['k', k.value.seq, k.value.t_ms, k.value.payload]);
      counts.keyframes++;
      k = keyframes.next();
    } else if (!m.done) {
      push(['m', m.value.seq, m.value.t_ms, m.value.kind, m.value.label, m.value.data]);
      counts.markers++;
      m = markers.next();
    }
    if (chunkBytes >= 64 * 1024) {
      yield Buffer.concat(chunk);
      chunk = [];
      chunkBytes = 0;
    }
  }
  push(['end', counts.events, counts.keyframes, counts.markers]);
  yield Buffer.concat(chunk);
}

function* paged<Row>(page: (after: number) => Row[], seqOf: (row: Row) => number): Generator<Row> {
  let after = -1;
  for (;;) {
    const rows = page(after);
    yield* rows;
    if (rows.length < PAGE) return;
    after = seqOf(rows[rows.length - 1]);
  }
}

function* pagedMarkers(database: StoreDatabase, id: string, upto: number) {
  let after = { seq: -1, id: -1 };
  for (;;) {
    const rows = database.statements.markerPage.all(id, after.seq, after.id, upto, PAGE);
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1];
  }
}
