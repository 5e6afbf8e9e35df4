/**
 * A strict MessagePack decoder for what clients send, compatible with what notepack.io (the
 * encoder of socket.io-msgpack-parser) writes. notepack's own decoder assigns map keys with
 * `obj[key] = value`, so a `__proto__` key silently replaces the decoded object's prototype
 * (the payload then inherits fields it does not own, or loses the key). Here every decoded
 * object is a plain object whose keys are all own, enumerable data properties — `__proto__`
 * included — so the schemas see exactly what was sent and reject unknown keys.
 *
 * Accepted: nil, booleans, integers (64-bit ones as the nearest double), float32/64, str, bin
 * (→ Buffer), arrays, maps with string keys, notepack's `undefined` (fixext 1, type 0) and its
 * ArrayBuffer (ext 8/16/32, type 0). Anything else (other extensions, dates, non-string keys,
 * nesting deeper than MAX_DEPTH, truncated or trailing bytes) throws a MsgpackDecodeError.
 */

export class MsgpackDecodeError extends Error {
  override readonly name = 'MsgpackDecodeError';
}

/** Deepest nesting of arrays and maps accepted. */
export const MAX_DEPTH = 32;

const decoder = new TextDecoder('utf-8', { fatal: true });

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new MsgpackDecodeError('truncated message');
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  /** Reads an unsigned or signed integer of `bytes` bytes, big-endian. */
  int(bytes: 1 | 2 | 4 | 8, signed: boolean): number {
    this.need(bytes);
    const at = this.offset;
    this.offset += bytes;
    switch (bytes) {
      case 1:
        return signed ? this.view.getInt8(at) : this.view.getUint8(at);
      case 2:
        return signed ? this.view.getInt16(at) : this.view.getUint16(at);
      case 4:
        return signed ? this.view.getInt32(at) : this.view.getUint32(at);
      case 8:
        return Number(signed ? this.view.getBigInt64(at) : this.view.getBigUint64(at));
    }
  }

  float(bytes: 4 | 8): number {
    this.need(bytes);
    const value = bytes === 4 ? this.view.getFloat32(this.offset) : this.view.getFloat64(this.offset);
    this.offset += bytes;
    return value;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const slice = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return slice;
  }

  str(n: number): string {
    try {
      return decoder.decode(this.take(n));
    } catch (error) {
      if (error instanceof MsgpackDecodeError) throw error;
      throw new MsgpackDecodeError('invalid UTF-8 in a string');
    }
  }
}

function array(reader: Reader, length: number, depth: number): unknown[] {
  // Every element takes at least one byte: a length beyond the remaining bytes is a lie.
  reader.need(length);
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) out[i] = value(reader, depth + 1);
  return out;
}

function map(reader: Reader, length: number, depth: number): Record<string, unknown> {
  reader.need(2 * length);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    const key = value(reader, depth + 1);
    if (typeof key !== 'string') throw new MsgpackDecodeError('map keys must be strings');
    Object.defineProperty(out, key, { value: value(reader, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** notepack's extensions: type 0 with 1 data byte is `undefined`, type 0 otherwise an ArrayBuffer. */
function extension(reader: Reader, length: number, fixed: boolean): unknown {
  const type = reader.int(1, true);
  const data = reader.take(length);
  if (type !== 0) throw new MsgpackDecodeError(`unsupported extension type ${type}`);
  if (fixed && length === 1) return undefined;
  if (fixed) throw new MsgpackDecodeError('unsupported fixed extension');
  const copy = new Uint8Array(length);
  copy.set(data);
  return copy.buffer;
}

function value(reader: Reader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new MsgpackDecodeError(`nesting deeper than ${MAX_DEPTH}`);
  const head = reader.u8();
  if (head <= 0x7f) return head;
  if (head >= 0xe0) return head - 0x100;
  if (head >= 0x80 && head <= 0x8f) return map(reader, head & 0x0f, depth);
  if (head >= 0x90 && head <= 0x9f) return array(reader, head & 0x0f, depth);
  if (head >= 0xa0 && head <= 0xbf) return reader.str(head & 0x1f);
  switch (head) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xc4: return Buffer.from(reader.take(reader.int(1, false)));
    case 0xc5: return Buffer.from(reader.take(reader.int(2, false)));
    case 0xc6: return Buffer.from(reader.take(reader.int(4, false)));
    case 0xc7: return extension(reader, reader.int(1, false), false);
    case 0xc8: return extension(reader, reader.int(2, false), false);
    case 0xc9: return extension(reader, reader.int(4, false), false);
    case 0xca: return reader.float(4);
    case 0xcb: return reader.float(8);
    case 0xcc: return reader.int(1, false);
    case 0xcd: return reader.int(2, false);
    case 0xce: return reader.int(4, false);
    case 0xcf: return reader.int(8, false);
    case 0xd0: return reader.int(1, true);
    case 0xd1: return reader.int(2, true);
    case 0xd2: return reader.int(4, true);
    case 0xd3: return reader.int(8, true);
    case 0xd4: return extension(reader, 1, true);
    case 0xd5: return extension(reader, 2, true);
    case 0xd6: return extension(reader, 4, true);
    case 0xd7: return extension(reader, 8, true);
    case 0xd8: return extension(reader, 16, true);
    case 0xd9: return reader.str(reader.int(1, false));
    case 0xda: return reader.str(reader.int(2, false));
    case 0xdb: return reader.str(reader.int(4, false));
    case 0xdc: return array(reader, reader.int(2, false), depth);
    case 0xdd: return array(reader, reader.int(4, false), depth);
    case 0xde: return map(reader, reader.int(2, false), depth);
    case 0xdf: return map(reader, reader.int(4, false), depth);
    default:
      throw new MsgpackDecodeError(`invalid type byte 0x${head.toString(16)}`);
  }
}

/** Decodes exactly one MessagePack value from `bytes`; throws MsgpackDecodeError otherwise. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  const reader = new Reader(bytes);
  const decoded = value(reader, 0);
  if (reader.offset !== bytes.length) throw new MsgpackDecodeError(`${bytes.length - reader.offset} trailing bytes`);
  return decoded;
}
