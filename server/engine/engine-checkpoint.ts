/**
 * The binary checkpoint of an engine: everything LiveEngine holds (settings, tick, pause state,
 * lattice and sampler generator, estimates, rolling buffer, weights, velocities, persistent
 * chains, training generator, counters), so a restored engine continues the same run.
 *
 * Format (version 1): a MessagePack map
 *   { format: 'rgflow-engine-checkpoint', version: 1, tick, checksum, body }
 * where body (bin) is the MessagePack encoding of EngineStateSnapshot and checksum its CRC-32
 * (IEEE). Typed arrays travel as MessagePack extensions holding their little-endian bytes
 * (type 1 Int8Array, 2 Int32Array, 3 Uint32Array, 4 Float32Array, 5 Float64Array; Uint8Array
 * is plain bin). Decoding checks the envelope, the checksum, the shape of every field and the
 * consistency of sizes with the settings; anything else is refused with a CheckpointError.
 * Size at the defaults (L = 40, 1600-400-100-25, 5,000 buffered configurations): ≈ 6.6 MB.
 */
import { decode, encode, ExtensionCodec } from '@msgpack/msgpack';
import type { EngineStateSnapshot } from './live-engine.js';
import { checkSnapshot } from './checkpoint-schema.js';

export const CHECKPOINT_FORMAT = 'rgflow-engine-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** A blob that is not a readable checkpoint of this format and version. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('engine checkpoints assume a little-endian host');

type TypedArrayClass = Int8ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;
const TYPED: readonly TypedArrayClass[] = [Int8Array, Int32Array, Uint32Array, Float32Array, Float64Array];

const codec = new ExtensionCodec();
TYPED.forEach((Kind, i) => {
  codec.register({
    type: i + 1,
    encode: (x: unknown) => (x instanceof Kind ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : null),
    decode: (data: Uint8Array) => {
      if (data.byteLength % Kind.BYTES_PER_ELEMENT !== 0) throw new CheckpointError(`a ${Kind.name} field has ${data.byteLength} bytes`);
      return new Kind(new Uint8Array(data).buffer); // an aligned copy (data may be a Buffer, whose slice() is a view)
    },
  });
});

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib's crc32) of `bytes`, an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The checkpoint of an engine state (a new Uint8Array that owns its buffer, ready to transfer). */
export function encodeCheckpoint(state: EngineStateSnapshot): Uint8Array {
  const body = encode(state, { extensionCodec: codec, initialBufferSize: 1 << 20 });
  const blob = encode({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, tick: state.tick, checksum: crc32(body), body });
  return blob.byteOffset === 0 && blob.byteLength === blob.buffer.byteLength ? blob : blob.slice();
}

function envelopeOf(blob: Uint8Array): { version: unknown; tick: unknown; checksum: unknown; body: unknown } {
  if (!(blob instanceof Uint8Array) || blob.byteLength === 0) throw new CheckpointError('not an rgflow engine checkpoint: empty');
  let envelope: unknown;
  try {
    envelope = decode(new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength)); // a Buffer would make every bin a Buffer
  } catch (error) {
    throw new CheckpointError(`not an rgflow engine checkpoint: unreadable (${error instanceof Error ? error.message : String(error)})`);
  }
  const e = envelope as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null || e.format !== CHECKPOINT_FORMAT) throw new CheckpointError('not an rgflow engine checkpoint: no rgflow-engine-checkpoint header');
  return { version: e.version, tick: e.tick, checksum: e.checksum, body: e.body };
}

/** Format version and tick of a checkpoint, from its envelope alone (no checksum or body check). */
export function checkpointInfo(blob: Uint8Array): { version: number; tick: number } {
  const e = envelopeOf(blob);
  if (typeof e.version !== 'number' || typeof e.tick !== 'number') throw new CheckpointError('checkpoint header lacks version or tick');
  return { version: e.version, tick: e.tick };
}

/** The engine state a checkpoint holds, checked; throws CheckpointError saying why a blob is refused. */
export function decodeCheckpoint(blob: Uint8Array): EngineStateSnapshot {
  const e = envelopeOf(blob);
  if (e.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`checkpoint format version ${String(e.version)} is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  }
  if (!(e.body instanceof Uint8Array)) throw new CheckpointError('checkpoint is corrupt: no body');
  if (crc32(e.body) !== e.checksum) throw new CheckpointError('checkpoint is corrupt: checksum mismatch');
  let state: unknown;
  try {
    state = decode(e.body, { extensionCodec: codec });
  } catch (error) {
    throw new CheckpointError(`checkpoint is corrupt: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const checked = checkSnapshot(state);
    if (checked.tick !== e.tick) throw new RangeError(`header tick ${String(e.tick)} differs from the state's tick ${checked.tick}`);
    return checked;
  } catch (error) {
    throw new CheckpointError(`checkpoint is invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
}
