/**
 * The server's strict MessagePack decoder against two oracles: what socket.io-msgpack-parser's
 * encoder (notepack, the one the browser runs) writes decodes to the value it was given, and
 * agrees with @msgpack/msgpack's decoder; `__proto__` keys become own keys instead of a new
 * prototype; random and truncated bytes only ever throw MsgpackDecodeError and never touch
 * Object.prototype.
 */
import { decode as referenceDecode, encode as referenceEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import * as msgpackParser from 'socket.io-msgpack-parser';
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, MAX_DEPTH, MsgpackDecodeError } from '../../../server/realtime/msgpack-decode.js';
import { toWire, wireParser } from '../../../server/realtime/wire-parser.js';

/** What the browser's socket.io-msgpack-parser sends for `value`. */
function notepackEncode(value: unknown): Uint8Array {
  return (new msgpackParser.Encoder().encode(value) as unknown as Uint8Array[])[0];
}

/**
 * JSON-like values: what a client's payloads are made of. Integers beyond 2^53 are replaced:
 * notepack writes those beyond the 64-bit range with wrap-around, a limit of the encoder.
 */
const payload = fc
  .jsonValue({ maxDepth: 6 })
  .map((value) => JSON.parse(JSON.stringify(value), (_key, x: unknown) => (typeof x === 'number' && Number.isInteger(x) && Math.abs(x) > Number.MAX_SAFE_INTEGER ? 0.5 : x)) as unknown);

describe('decodeMsgpack', () => {
  it('property: decodes whatever notepack encodes, as the same value', () => {
    fc.assert(
      fc.property(payload, (value) => {
        expect(decodeMsgpack(notepackEncode(value))).toEqual(value);
      }),
      { seed: 1, numRuns: 1000 },
    );
  });

  it('property: agrees with @msgpack/msgpack on its encodings (numbers of every width included)', () => {
    const numbers = fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger(), fc.constant(-(2 ** 63)), fc.constant(2 ** 64 - 1));
    fc.assert(
      fc.property(fc.oneof(payload, fc.array(numbers)), (value) => {
        const bytes = referenceEncode(value);
        expect(decodeMsgpack(bytes)).toEqual(referenceDecode(bytes));
      }),
      { seed: 2, numRuns: 1000 },
    );
  });

  it('reads notepack’s undefined, Buffers and ArrayBuffers', () => {
    expect(decodeMsgpack(notepackEncode([undefined, 1]))).toEqual([undefined, 1]);
    expect(Buffer.from(decodeMsgpack(notepackEncode(Buffer.from([1, 2, 3]))) as Buffer)).toEqual(Buffer.from([1, 2, 3]));
    const ab = decodeMsgpack(notepackEncode(new Uint8Array([4, 5]).buffer)) as ArrayBuffer;
    expect(Array.from(new Uint8Array(ab))).toEqual([4, 5]);
  });

  it('turns a __proto__ key into an own key, leaving prototypes alone', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "temperature": 2}') as object;
    for (const bytes of [notepackEncode(hostile), referenceEncodeRaw()]) {
      const decoded = decodeMsgpack(bytes) as Record<string, unknown>;
      expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
      expect(Object.keys(decoded).sort()).toEqual(['__proto__', 'temperature']);
      expect(decoded.polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('refuses other extensions, dates, non-string keys, deep nesting, truncation and trailing bytes', () => {
    const bad: [string, number[]][] = [
      ['extension type 1', [0xd4, 0x01, 0x00]],
      ['a notepack date', [0xd7, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]],
      ['an integer key', [0x81, 0x01, 0x02]],
      ['the reserved byte 0xc1', [0xc1]],
      ['a truncated string', [0xa5, 0x61]],
      ['a map claiming more entries than bytes', [0xdf, 0xff, 0xff, 0xff, 0xff]],
      ['an array claiming more items than bytes', [0xdd, 0x7f, 0xff, 0xff, 0xff, 0xc0]],
      ['trailing bytes', [0xc0, 0xc0]],
      ['invalid UTF-8', [0xa2, 0xc3, 0x28]],
      ['nothing', []],
      ['nesting deeper than the limit', Array.from({ length: MAX_DEPTH + 2 }, () => 0x91)],
    ];
    for (const [what, bytes] of bad) {
      expect(() => decodeMsgpack(Uint8Array.from(bytes)), what).toThrow(MsgpackDecodeError);
    }
  });

  it('property: random bytes either decode or throw MsgpackDecodeError, and never touch Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeMsgpack(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MsgpackDecodeError);
        }
      }),
      { seed: 3, numRuns: 5000 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });
});

describe('wire parser', () => {
  it('sends typed-array views as exactly their bytes, as binary a browser decodes', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const frame = { lattice: backing.subarray(2, 5), weights: new Int8Array([-1, 2]), nested: [{ bias: new Float32Array([0.5]) }] };
    const wire = toWire(frame) as { lattice: Buffer; weights: Buffer; nested: { bias: Buffer }[] };
    expect(Array.from(wire.lattice)).toEqual([1, 2, 3]);
    expect(Array.from(wire.weights)).toEqual([255, 2]);
    expect(Buffer.isBuffer(wire.nested[0].bias)).toBe(true);
    const [bytes] = new wireParser.Encoder().encode({ type: 2, nsp: '/', data: ['frame', frame] }) as Uint8Array[];
    const decoded = decodeMsgpack(bytes) as { data: [string, { lattice: Buffer }] };
    expect(Array.from(decoded.data[1].lattice)).toEqual([1, 2, 3]);
  });

  it('decodes packets and refuses text frames and malformed packets', () => {
    const decoder = new wireParser.Decoder();
    const packets: unknown[] = [];
    decoder.on('decoded', (packet) => packets.push(packet));
    decoder.add(notepackEncode({ type: 2, nsp: '/', data: ['ping', {}], id: 3 }));
    expect(packets).toEqual([{ type: 2, nsp: '/', data: ['ping', {}], id: 3 }]);
    const bad: unknown[] = [
      '2["ping",{}]',
      notepackEncode([1, 2]),
      notepackEncode({ type: 9, nsp: '/', data: [] }),
      notepackEncode({ type: 2, nsp: 5, data: [] }),
      notepackEncode({ type: 2, nsp: '/', data: 'x' }),
      notepackEncode({ type: 2, nsp: '/', data: [], id: -1 }),
      notepackEncode({ type: 1, nsp: '/', data: {} }),
    ];
    for (const message of bad) expect(() => decoder.add(message)).toThrow();
    expect(packets).toHaveLength(1);
  });
});

/** `{"__proto__": {"polluted": true}, "temperature": 2}` written byte by byte. */
function referenceEncodeRaw(): Uint8Array {
  const key = (s: string): number[] => [0xa0 | s.length, ...Buffer.from(s)];
  return Uint8Array.from([0x82, ...key('__proto__'), 0x81, ...key('polluted'), 0xc3, ...key('temperature'), 0x02]);
}
