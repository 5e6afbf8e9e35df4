/**
 * The int8 weight codec: every value comes back within scale/2 (scale = max|x|/127, the
 * extreme value exactly), an all-zero matrix has scale 0, and received binary fields (Buffer at
 * any offset, ArrayBuffer) are viewed as the typed arrays they were sent as.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asFloat32, asInt8, dequantize, quantize } from '../../../shared/protocol/weights-codec.js';

describe('quantize / dequantize', () => {
  it('round-trips every value within scale/2, with scale = max|x|/127', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 500 }), (values) => {
        const x = Float32Array.from(values);
        const { scale, values: q } = quantize(x);
        const max = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(scale).toBeCloseTo(max / 127, 12);
        const back = dequantize(q, scale);
        for (let i = 0; i < x.length; i++) expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual(scale / 2 + 1e-6 * max);
      }),
    );
  });

  it('maps the largest magnitude to ±127 and zero to zero', () => {
    const { scale, values } = quantize(Float32Array.of(-0.5, 0, 0.25, 0.5));
    expect(scale).toBeCloseTo(0.5 / 127, 15);
    expect(Array.from(values)).toEqual([-127, 0, 64, 127]);
  });

  it('gives scale 0 for an all-zero matrix and refuses NaN', () => {
    expect(quantize(new Float32Array(10))).toEqual({ scale: 0, values: new Int8Array(10) });
    expect(() => quantize(Float32Array.of(1, Number.NaN))).toThrow(RangeError);
  });
});

describe('asInt8 / asFloat32', () => {
  it('views an ArrayBuffer and a Buffer at an odd offset as the arrays sent', () => {
    const biases = Float32Array.of(1.5, -2.25, 3);
    const pool = Buffer.alloc(1 + biases.byteLength);
    Buffer.from(biases.buffer).copy(pool, 1);
    expect(asFloat32(pool.subarray(1))).toEqual(biases);
    expect(asFloat32(biases.buffer.slice(0))).toEqual(biases);
    expect(() => asFloat32(new Uint8Array(5))).toThrow(RangeError);
    const q = Int8Array.of(-127, 5, 127);
    expect(asInt8(Buffer.from(q.buffer))).toEqual(q);
    expect(asInt8(q.buffer)).toEqual(q);
  });
});
