/**
 * The wire codecs and client payload schemas: bit-packing round-trips exactly (checked against
 * the bit layout spelled out by hand and by a fast-check property), and the proposeTemperature
 * schema accepts exactly the payloads docs/protocol.md allows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asBytes, packedLength, packLattice, unpackLattice } from '../../../shared/protocol/lattice-codec.js';
import { clientPayloadSchemas, isClientEventName, proposeTemperatureSchema, TEMPERATURE_LIMITS } from '../../../shared/protocol/schemas.js';

const spinsArbitrary = fc
  .array(fc.constantFrom<-1 | 1>(-1, 1), { minLength: 0, maxLength: 2000 })
  .map((values) => Int8Array.from(values));

describe('packLattice / unpackLattice', () => {
  it('sets bit i of byte ⌊i/8⌋, least significant first, exactly for the +1 spins', () => {
    const spins = Int8Array.from([1, -1, -1, 1, -1, -1, -1, -1, /* byte 1 */ -1, 1]);
    const packed = packLattice(spins);
    expect(Array.from(packed)).toEqual([0b0000_1001, 0b0000_0010]);
  });

  it('takes ⌈N/8⌉ bytes: 200 for L = 40, 13 for L = 10 (N not a multiple of 8) with zero padding', () => {
    expect(packLattice(new Int8Array(1600).fill(1)).length).toBe(200);
    const packed = packLattice(new Int8Array(100).fill(1));
    expect(packed.length).toBe(13);
    expect(packed[12]).toBe(0b0000_1111);
    expect(packedLength(0)).toBe(0);
  });

  it('round-trips L = 2 … 13 lattices, including sizes that are not multiples of 8', () => {
    for (let L = 2; L <= 13; L++) {
      const spins = Int8Array.from({ length: L * L }, (_, i) => ((i * 7919 + L) % 3 === 0 ? 1 : -1));
      expect(unpackLattice(packLattice(spins), L * L)).toEqual(spins);
    }
  });

  it('property: unpack(pack(s)) = s for any ±1 configuration', () => {
    fc.assert(
      fc.property(spinsArbitrary, (spins) => {
        expect(unpackLattice(packLattice(spins), spins.length)).toEqual(spins);
      }),
      { seed: 20140914, numRuns: 300 },
    );
  });

  it('unpacks into a caller-supplied buffer and rejects a too-short payload', () => {
    const out = new Int8Array(16);
    const spins = Int8Array.from({ length: 16 }, (_, i) => (i % 2 ? 1 : -1));
    expect(unpackLattice(packLattice(spins), 16, out)).toBe(out);
    expect(out).toEqual(spins);
    expect(() => unpackLattice(new Uint8Array(1), 16)).toThrow(RangeError);
  });

  it('reads binary attachments as a browser (ArrayBuffer) and Node (Buffer) receive them', () => {
    const packed = packLattice(Int8Array.from([1, -1, 1, 1, -1, -1, 1, -1, 1]));
    const copy = packed.slice();
    expect(asBytes(copy.buffer)).toEqual(packed);
    expect(asBytes(Buffer.from(packed))).toEqual(Buffer.from(packed));
    const offsetView = new DataView(new Uint8Array([0, ...packed]).buffer, 1);
    expect(Array.from(asBytes(offsetView))).toEqual(Array.from(packed));
  });
});

describe('proposeTemperature schema', () => {
  const accepted = [{ temperature: 2.269 }, { temperature: TEMPERATURE_LIMITS.min }, { temperature: TEMPERATURE_LIMITS.max }, { temperature: 1 }];
  const rejected: [string, unknown][] = [
    ['NaN', { temperature: Number.NaN }],
    ['Infinity', { temperature: Number.POSITIVE_INFINITY }],
    ['−Infinity', { temperature: Number.NEGATIVE_INFINITY }],
    ['below the range', { temperature: 0.49 }],
    ['above the range', { temperature: 10.01 }],
    ['zero', { temperature: 0 }],
    ['negative', { temperature: -2 }],
    ['a string number', { temperature: '2.5' }],
    ['a boolean', { temperature: true }],
    ['an extra key', { temperature: 2, coupling: 0.5 }],
    ['a __proto__ key', JSON.parse('{"temperature": 2, "__proto__": {"polluted": true}}')],
    ['a missing field', {}],
    ['a bare number', 2.5],
    ['a string', 'hot'],
    ['null', null],
    ['undefined', undefined],
    ['an array', [2.5]],
  ];

  it.each(accepted)('accepts %o', (payload) => {
    expect(proposeTemperatureSchema.parse(payload)).toEqual(payload);
  });

  it.each(rejected)('rejects %s', (_name, payload) => {
    expect(proposeTemperatureSchema.safeParse(payload).success).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('property: accepts exactly the finite numbers in [0.5, 10]', () => {
    fc.assert(
      fc.property(fc.double(), (temperature) => {
        const ok = proposeTemperatureSchema.safeParse({ temperature }).success;
        expect(ok).toBe(Number.isFinite(temperature) && temperature >= 0.5 && temperature <= 10);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('knows exactly the client events of the protocol', () => {
    expect(Object.keys(clientPayloadSchemas)).toEqual([
      'proposeTemperature', 'setPolicy', 'pause', 'resume', 'step', 'reset', 'setHyperparameters', 'removeParticipant', 'ping', 'openReplay', 'replayControl', 'subscribe', 'shareCamera',
    ]);
    expect(isClientEventName('proposeTemperature')).toBe(true);
    expect(isClientEventName('setTemperature')).toBe(false);
    expect(isClientEventName('toString')).toBe(false);
    expect(isClientEventName('__proto__')).toBe(false);
  });
});
