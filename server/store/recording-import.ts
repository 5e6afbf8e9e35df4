/**
 * Import of an export file (format: recording-file.ts, docs/recording-format.md).
 *
 * Everything is checked before the recording becomes visible: size caps (file and
 * decompressed), gzip integrity, format and version, every item's shape and sizes, seq order
 * without gaps, times that never go back, every payload decodable, and the end counts. Rows are
 * written as they are read, in small transactions, into a recording whose status is
 * 'importing' (hidden from every listing and read); one last transaction makes it 'ready'. Any
 * defect discards the staged rows, so a bad file changes nothing visible; a crash mid-import
 * leaves a hidden row that the next createStore() removes. (One transaction for the whole file
 * would hold SQLite's single write lock across the upload's decoding — seconds for a large file —
 * and stall every live session's recorder meanwhile.)
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { decodeMultiStream } from '@msgpack/msgpack';
import { z } from 'zod';
import { MARKER_KINDS, type MarkerKind, type StoreDatabase } from './database.js';
import { limitedPayloadDecoder } from './payload-codec.js';
import { EVENT_TYPE_PATTERN, MAX_LABEL_LENGTH } from './recorder.js';
import { RECORDING_FORMAT, RECORDING_FORMAT_VERSION, RecordingImportError, type ImportLimits } from './recording-file.js';

const headerSchema = z.object({
  format: z.string(),
  version: z.number(),
  exportedAt: z.string().max(64).optional(),
  recording: z.object({
    id: z.string().max(128).optional(),
    sessionId: z.string().max(128).nullable().optional(),
    name: z.string().max(MAX_LABEL_LENGTH),
    startedAt: z.number().int().nonnegative(),
    endedAt: z.number().int().nonnegative().nullable(),
  }),
});

/** Hooks the importer needs from the store. */
export interface ImportHooks {
  /** Removes a staged recording and all its rows. */
  discard: (id: string) => void;
}

type StagedRow =
  | { kind: 'e'; seq: number; t: number; type: string; payload: Buffer }
  | { kind: 'k'; seq: number; t: number; payload: Buffer }
  | { kind: 'm'; seq: number; t: number; markerKind: MarkerKind; label: string; data: string | null };

/**
 * Imports an export file as a new recording (new id, no session) and returns its id. Rejects
 * with RecordingImportError (nothing visible changed) for any defect; see the file comment.
 */
export async function importRecording(
  database: StoreDatabase,
  file: Uint8Array,
  limits: ImportLimits,
  hooks: ImportHooks,
): Promise<string> {
  if (file.byteLength > limits.maxFileBytes) throw new RecordingImportError('too-large', `the file is over ${limits.maxFileBytes} bytes`);
  if (file.byteLength < 2 || file[0] !== 0x1f || file[1] !== 0x8b) throw new RecordingImportError('bad-compression', 'not a gzip file');
  const s = database.statements;
  const id = randomUUID();
  let staged = false;
  try {
    const items = decodeMultiStream<undefined>(decompressed(file, limits.maxDecompressedBytes), {
      maxStrLength: 1024 * 1024,
      maxBinLength: limits.maxPayloadBytes,
      maxArrayLength: 8,
      maxMapLength: 16,
      maxExtLength: 0,
    });
    const checkPayload = limitedPayloadDecoder({ maxStrLength: limits.maxPayloadBytes, maxBinLength: limits.maxPayloadBytes, maxExtLength: limits.maxPayloadBytes });
    const write = database.db.transaction((rows: StagedRow[]) => {
      for (const r of rows) {
        if (r.kind === 'e') s.eventInsert.run(id, r.seq, r.t, r.type, r.payload);
        else if (r.kind === 'k') s.keyframeInsert.run(id, r.seq, r.t, r.payload);
        else s.markerInsert.run(id, r.seq, r.t, r.markerKind, r.label, r.data);
      }
    });
    let header: z.infer<typeof headerSchema> | null = null;
    let batch: StagedRow[] = [];
    let batchBytes = 0;
    const seen = { events: 0, keyframes: 0, markers: 0 };
    let lastEventT = 0;
    let maxT = 0;
    let lastKeyframeSeq = -1;
    let lastMarkerT = 0;
    let ended = false;
    for await (const item of items) {
      if (ended) throw new RecordingImportError('truncated', 'data after the end item');
      if (header === null) {
        header = parseHeader(item);
        s.recordingInsert.run({ id, session_id: null, name: header.recording.name, started_at: header.recording.startedAt, imported_at: Date.now(), status: 'importing' });
        staged = true;
        continue;
      }
      if (!Array.isArray(item) || typeof item[0] !== 'string') throw new RecordingImportError('bad-item', 'an item is not an array starting with its kind');
      const row = parseItem(item, limits.maxPayloadBytes);
      if (row === 'end') {
        const [, ne, nk, nm] = item as unknown[];
        if (ne !== seen.events || nk !== seen.keyframes || nm !== seen.markers) {
          throw new RecordingImportError('truncated', `the end item counts ${ne}/${nk}/${nm} items, the file has ${seen.events}/${seen.keyframes}/${seen.markers}`);
        }
        ended = true;
        continue;
      }
      if (row.kind === 'e') {
        if (row.seq !== seen.events + 1) throw new RecordingImportError('bad-sequence', `event seq ${row.seq} after ${seen.events}`);
        if (row.t < maxT) throw new RecordingImportError('bad-sequence', `event ${row.seq} at t = ${row.t} ms is before an earlier item (${maxT} ms)`);
        lastEventT = row.t;
        seen.events++;
      } else {
        if (row.seq !== seen.events) throw new RecordingImportError('bad-sequence', `a ${row.kind === 'k' ? 'keyframe' : 'marker'} at seq ${row.seq} after event ${seen.events}`);
        if (row.t < lastEventT) throw new RecordingImportError('bad-sequence', `an item at seq ${row.seq} is earlier than its event`);
        if (row.kind === 'k') {
          if (row.seq <= lastKeyframeSeq) throw new RecordingImportError('bad-sequence', `two keyframes at seq ${row.seq}`);
          lastKeyframeSeq = row.seq;
          seen.keyframes++;
        } else {
          if (row.t < lastMarkerT) throw new RecordingImportError('bad-sequence', `marker at ${row.t} ms before the previous one`);
          lastMarkerT = row.t;
          seen.markers++;
        }
      }
      if (row.kind !== 'm') {
        try {
          checkPayload(row.payload);
        } catch (error) {
          throw new RecordingImportError('bad-payload', `payload at seq ${row.seq}: ${(error as Error).message}`);
        }
        batchBytes += row.payload.byteLength;
      }
      maxT = Math.max(maxT, row.t);
      batch.push(row);
      if (batch.length >= 512 || batchBytes >= 4 * 1024 * 1024) {
        write(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    if (header === null) throw new RecordingImportError('bad-format', 'the file is empty');
    if (!ended) throw new RecordingImportError('truncated', 'the file has no end item');
    const endedAt = header.recording.endedAt ?? header.recording.startedAt + maxT;
    database.db.transaction(() => {
      write(batch);
      s.recordingProgress.run(seen.events, maxT, id);
      s.recordingEnd.run(endedAt, id);
      s.recordingStatus.run('ready', id);
    })();
    return id;
  } catch (error) {
    if (staged) hooks.discard(id);
    throw asImportError(error);
  }
}

async function* decompressed(file: Uint8Array, cap: number): AsyncGenerator<Buffer> {
  let total = 0;
  const gunzip = Readable.from([Buffer.from(file.buffer, file.byteOffset, file.byteLength)]).pipe(createGunzip());
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > cap) throw new RecordingImportError('too-large', `the decompressed content is over ${cap} bytes`);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof RecordingImportError) throw error;
    throw new RecordingImportError('bad-compression', `gzip: ${(error as Error).message}`);
  } finally {
    gunzip.destroy();
  }
}

function parseHeader(item: unknown): z.infer<typeof headerSchema> {
  const parsed = headerSchema.safeParse(item);
  if (!parsed.success || parsed.data.format !== RECORDING_FORMAT) {
    throw new RecordingImportError('bad-format', `not an ${RECORDING_FORMAT} file`);
  }
  if (parsed.data.version !== RECORDING_FORMAT_VERSION) {
    throw new RecordingImportError('unsupported-version', `format version ${parsed.data.version}; this server reads version ${RECORDING_FORMAT_VERSION}`);
  }
  return parsed.data;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseItem(item: unknown[], maxPayloadBytes: number): StagedRow | 'end' {
  const bad = (why: string) => new RecordingImportError('bad-item', `${String(item[0]).slice(0, 16)} item: ${why}`);
  const [kind, seq, t] = item;
  if (kind === 'end') {
    if (item.length !== 4 || !isCount(item[1]) || !isCount(item[2]) || !isCount(item[3])) throw bad('wrong shape');
    return 'end';
  }
  if (!isCount(seq) || !isCount(t)) throw bad('seq and t must be integers ≥ 0');
  const payloadOf = (v: unknown) => {
    if (!(v instanceof Uint8Array)) throw bad('payload is not binary');
    if (v.byteLength > maxPayloadBytes) throw bad('payload too large');
    return Buffer.from(v);
  };
  if (kind === 'e') {
    if (item.length !== 5) throw bad('wrong length');
    const type = item[3];
    if (typeof type !== 'string' || !EVENT_TYPE_PATTERN.test(type)) throw bad('bad event type');
    return { kind, seq, t, type, payload: payloadOf(item[4]) };
  }
  if (kind === 'k') {
    if (item.length !== 4) throw bad('wrong length');
    return { kind, seq, t, payload: payloadOf(item[3]) };
  }
  if (kind === 'm') {
    if (item.length !== 6) throw bad('wrong length');
    const [, , , markerKind, label, data] = item;
    if (typeof markerKind !== 'string' || !(MARKER_KINDS as readonly string[]).includes(markerKind)) throw bad('unknown marker kind');
    if (typeof label !== 'string' || label.length > MAX_LABEL_LENGTH) throw bad('bad label');
    if (data !== null && (typeof data !== 'string' || !isJson(data))) throw bad('data is not JSON text');
    return { kind, seq, t, markerKind: markerKind as MarkerKind, label, data };
  }
  throw bad('unknown kind');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function asImportError(error: unknown): Error {
  if (error instanceof RecordingImportError) return error;
  if (error instanceof RangeError || (error instanceof Error && error.name === 'DecodeError')) {
    const message = error.message;
    if (/Insufficient data/.test(message)) return new RecordingImportError('truncated', 'the content ends in the middle of a value');
    if (/Max length exceeded/.test(message)) return new RecordingImportError('bad-item', message);
    return new RecordingImportError('bad-encoding', message);
  }
  return error instanceof Error ? error : new Error(String(error));
}
