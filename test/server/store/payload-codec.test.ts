/**
 * Recorded payloads round-trip exactly: every typed array comes back as the same class with the
 * same bits (NaN payloads, -0, denormals included), inside nested objects and arrays.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { decodePayload, encodePayload } from '../../../server/store/payload-codec.js';

const bitsOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('payload codec', () => {
  it('keeps the class and every bit of each typed array', () => {
    const rng = new Rng(11);
    const f32 = new Float32Array(257).map(() => (rng.nextFloat() - 0.5) * 1e3);
    f32[0] = -0;
    f32[1] = NaN;
    f32[2] = Infinity;
    f32[3] = 1e-45; // a float32 denormal
    const f64 = new Float64Array(33).map(() => rng.nextGaussian());
    f64[0] = -0;
    const arrays: ArrayBufferView[] = [
      Int8Array.from({ length: 1600 }, () => (rng.nextBelow(2) === 0 ? -1 : 1)),
      new Uint8Array([0, 1, 254, 255]),
      new Uint8ClampedArray([0, 128, 255]),
      new Int16Array([-32768, 0, 32767]),
      new Uint16Array([0, 65535]),
      new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
      new Uint32Array([0, 2 ** 32 - 1]),
      f32,
      f64,
      new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
      new BigUint64Array([0n, 2n ** 64n - 1n]),
      new Float32Array(0),
    ];
    for (const a of arrays) {
      const back = decodePayload(encodePayload(a)) as ArrayBufferView;
      expect(back.constructor).toBe(a.constructor);
      expect(bitsOf(back)).toBe(bitsOf(a));
    }
  });

  it('encodes a view of a larger buffer as just its elements', () => {
    const big = new Float32Array([1, 2, 3, 4, 5, 6]);
    const view = big.subarray(2, 4);
    const back = decodePayload(encodePayload({ w: view })) as { w: Float32Array };
    expect(back.w).toBeInstanceOf(Float32Array);
    expect(Array.from(back.w)).toEqual([3, 4]);
  });

  it('round-trips a frame-like payload deep-equal, typed arrays included', () => {
    const frame = {
      seq: 42,
      coupling: 0.408,
      temperature: 1 / 0.408,
      lattice: new Uint8Array([0b10101010, 0xff, 0]),
      layers: [{ weights: new Int8Array([-128, 0, 127]), scale: 0.0123 }, { hidden: new Float32Array([0.25, 0.5]) }],
      exact: { energyPerSite: -1.4142135623730951, spontaneousMagnetization: null },
      label: 'héllo ⚛',
      flags: [true, false],
      missing: undefined,
    };
    const back = decodePayload(encodePayload(frame)) as typeof frame;
    expect(back).toEqual({ ...frame, missing: undefined });
    expect('missing' in back).toBe(false);
    expect(back.layers[0].weights).toBeInstanceOf(Int8Array);
    expect(back.layers[1].hidden).toBeInstanceOf(Float32Array);
  });

  it('refuses an extension whose length is not a whole number of elements', () => {
    // fixext 2 (0xd5), type 7 (Float32Array), 2 bytes: half a float.
    expect(() => decodePayload(new Uint8Array([0xd5, 7, 0, 0]))).toThrow(/not a whole number/);
  });
});
