/**
 * A minimal PNG encoder (ISO/IEC 15948, https://www.w3.org/TR/png/): 8-bit RGB or RGBA,
 * non-interlaced, every scanline with filter type 0 (None), one IDAT chunk compressed with
 * zlib (node:zlib deflate, level 9). Chunks: IHDR, IDAT, IEND, each with its CRC-32
 * (polynomial 0xEDB88320 over the chunk type and data).
 */
import { deflateSync } from 'node:zlib';

/** An image in memory: `data` holds height rows of width·channels bytes, top row first. */
export interface RasterImage {
  width: number;
  height: number;
  /** 3 = RGB, 4 = RGBA. */
  channels: 3 | 4;
  data: Uint8Array;
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` (the PNG / zlib / gzip CRC), as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A blank image filled with one colour. */
export function createImage(width: number, height: number, channels: 3 | 4 = 3, fill: readonly number[] = [255, 255, 255, 255]): RasterImage {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  const data = new Uint8Array(width * height * channels);
  for (let p = 0; p < data.length; p += channels) for (let c = 0; c < channels; c++) data[p + c] = fill[c] ?? 255;
  return { width, height, channels, data };
}

/** Paints the axis-aligned rectangle [x, x+w) × [y, y+h) (clipped to the image) with `rgb`. */
export function fillRect(image: RasterImage, x: number, y: number, w: number, h: number, rgb: readonly number[]): void {
  const x1 = Math.min(image.width, x + w);
  const y1 = Math.min(image.height, y + h);
  for (let yy = Math.max(0, y); yy < y1; yy++) {
    for (let xx = Math.max(0, x); xx < x1; xx++) {
      const p = (yy * image.width + xx) * image.channels;
      image.data[p] = rgb[0];
      image.data[p + 1] = rgb[1];
      image.data[p + 2] = rgb[2];
      if (image.channels === 4) image.data[p + 3] = rgb[3] ?? 255;
    }
  }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Encodes `image` as PNG file bytes. */
export function encodePng(image: RasterImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new RangeError(`PNG size must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new RangeError(`PNG channels must be 3 (RGB) or 4 (RGBA), got ${String(channels)}`);
  const stride = width * channels;
  if (data.length !== stride * height) throw new RangeError(`image data has ${data.length} bytes, ${width}×${height}×${channels} needs ${stride * height}`);

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 3 ? 2 : 6; // colour type: truecolour / truecolour with alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace

  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None
    raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const idat = new Uint8Array(deflateSync(raw, { level: 9 }));

  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
