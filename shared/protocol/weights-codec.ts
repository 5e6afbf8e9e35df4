/**
 * The wire form of weights and receptive fields: symmetric int8 quantization with one float
 * scale per matrix, and views of received binary fields as typed arrays.
 *
 *   scale = max_i |x_i| / 127   (0 when every x_i is 0),   q_i = round(x_i / scale) ∈ [−127, 127],
 *   x_i ≈ scale · q_i  with  |x_i − scale·q_i| ≤ scale/2.
 *
 * A 1600 × 400 layer goes from 2.56 MB (float32) to 640 kB.
 */

/** A matrix or vector quantized to int8 with one scale. */
export interface Quantized {
  scale: number;
  values: Int8Array;
}

/**
 * Quantizes `x` (finite values) to int8 with scale max|x|/127.
 * @param x values, any shape (row-major matrices stay row-major)
 */
export function quantize(x: ArrayLike<number>): Quantized {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (!(a <= max)) {
      if (!Number.isFinite(a)) throw new RangeError(`cannot quantize ${x[i]} (entry ${i})`);
      max = a;
    }
  }
  const values = new Int8Array(x.length);
  if (max === 0) return { scale: 0, values };
  const scale = max / 127;
  const inverse = 127 / max;
  for (let i = 0; i < x.length; i++) {
    const q = Math.round(x[i] * inverse);
    values[i] = q > 127 ? 127 : q < -127 ? -127 : q;
  }
  return { scale, values };
}

/**
 * x_i ≈ scale · q_i.
 * @param out optional destination (length ≥ q.length), reused between snapshots
 */
export function dequantize(q: Int8Array, scale: number, out: Float32Array = new Float32Array(q.length)): Float32Array {
  if (out.length < q.length) throw new RangeError(`output holds ${out.length} values, ${q.length} needed`);
  for (let i = 0; i < q.length; i++) out[i] = scale * q[i];
  return out;
}

/** The bytes of a received binary field (ArrayBuffer in a browser, Buffer in Node, or a typed array). */
function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** Views a received int8 field (e.g. `weights`, `values`) as an Int8Array, without a copy. */
export function asInt8(data: ArrayBuffer | ArrayBufferView): Int8Array {
  if (data instanceof Int8Array) return data;
  const bytes = bytesOf(data);
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Views a received float32 field (e.g. biases) as a Float32Array: without a copy when the bytes
 * are 4-byte aligned (an ArrayBuffer always is), else copied. Little-endian, as every host is.
 */
export function asFloat32(data: ArrayBuffer | ArrayBufferView): Float32Array {
  if (data instanceof Float32Array) return data;
  const bytes = bytesOf(data);
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`a float32 field has a multiple of 4 bytes, got ${bytes.byteLength}`);
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(new Uint8Array(bytes).buffer); // a copy: Buffer#slice would only view
}
