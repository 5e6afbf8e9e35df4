/**
 * How a recorded payload becomes bytes: MessagePack (@msgpack/msgpack) with one extension type
 * per typed array, so `Int8Array` spins and `Float32Array` weights come back as the same class
 * with the same bits (plain MessagePack would turn every typed array into raw bytes).
 *
 * Round trip (decode(encode(x)) deep-equals x, classes included): null, booleans, numbers
 * (float64; NaN and ±Infinity kept), strings, arrays, plain objects (keys with `undefined`
 * values are dropped), Date, Uint8Array, and the typed arrays of TYPED_ARRAY_EXT. Not kept:
 * a Node Buffer or a DataView decodes as a Uint8Array; `undefined` elements of arrays become
 * null; Map, Set, ArrayBuffer and class instances are not supported (encode throws or writes
 * their own enumerable fields). Map keys `__proto__` are refused on decode.
 *
 * Extension data is the array's bytes in little-endian order (the order of x86 and ARM hosts;
 * a big-endian host is refused at load).
 */
import { endianness } from 'node:os';
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';

if (endianness() !== 'LE') throw new Error('rgflow recordings store typed arrays little-endian; this host is big-endian');

type TypedArrayClass =
  | Int8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/**
 * MessagePack extension type of each typed array class (application types are 0…127).
 * Part of the recording format (docs/recording-format.md): never renumber.
 */
export const TYPED_ARRAY_EXT: ReadonlyArray<readonly [type: number, cls: TypedArrayClass]> = [
  [1, Int8Array],
  [2, Uint8ClampedArray],
  [3, Int16Array],
  [4, Uint16Array],
  [5, Int32Array],
  [6, Uint32Array],
  [7, Float32Array],
  [8, Float64Array],
  [9, BigInt64Array],
  [10, BigUint64Array],
];

const codec = new ExtensionCodec();
for (const [type, cls] of TYPED_ARRAY_EXT) {
  codec.register({
    type,
    encode: (value: unknown) =>
      value instanceof cls ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : null,
    decode: (data: Uint8Array) => {
      if (data.byteLength % cls.BYTES_PER_ELEMENT !== 0) {
        throw new RangeError(`${cls.name} extension of ${data.byteLength} bytes is not a whole number of elements`);
      }
      // Copy into a fresh, aligned buffer: data is a view at an arbitrary offset of the input
      // (and a Buffer's slice() would be a view too).
      const bytes = new Uint8Array(data.byteLength);
      bytes.set(data);
      return new cls(bytes.buffer, 0, bytes.byteLength / cls.BYTES_PER_ELEMENT);
    },
  });
}

/** Limits a decoder enforces, so a hostile payload cannot make it allocate without bound. */
export interface DecodeLimits {
  maxStrLength?: number;
  maxBinLength?: number;
  maxArrayLength?: number;
  maxMapLength?: number;
  maxExtLength?: number;
}

const encoder = new Encoder({ extensionCodec: codec, ignoreUndefined: true });
const decoder = new Decoder({ extensionCodec: codec });

/** MessagePack bytes of a payload, as a Buffer (what better-sqlite3 binds as a BLOB). Throws for unsupported values. */
export function encodePayload(payload: unknown): Buffer {
  const bytes = encoder.encode(payload);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The payload whose bytes encodePayload produced. Throws RangeError / DecodeError for malformed bytes. */
export function decodePayload(bytes: Uint8Array): unknown {
  return decoder.decode(plainView(bytes));
}

/** The same bytes as a plain Uint8Array, so decoded binaries are Uint8Arrays, not Buffers. */
function plainView(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/** A decoder with limits, for bytes from outside (imports). */
export function limitedPayloadDecoder(limits: DecodeLimits): (bytes: Uint8Array) => unknown {
  const limited = new Decoder({ extensionCodec: codec, ...limits });
  return (bytes) => limited.decode(plainView(bytes));
}
