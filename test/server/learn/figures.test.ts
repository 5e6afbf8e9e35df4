/**
 * The figure writers against independent decoders: PNG files are taken apart chunk by chunk,
 * every CRC checked with node:zlib's crc32, IHDR read back, the IDAT inflated to exactly
 * height·(1 + width·channels) bytes and the pixels compared; the receptive-field atlas and the
 * reconstruction figure put the right colours in the right tiles; the SVG plot is well-formed
 * (balanced tags, escaped text) and contains every point with its error bar.
 */
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { diverging, grey, RDBU_ANCHORS } from '../../../shared/plot/colormap.js';
import { linePlot, niceTicks } from '../../../shared/plot/svg.js';
import { crc32, encodePng, PNG_SIGNATURE, type RasterImage } from '../../../server/learn/figures/png.js';
import { renderFieldGrid } from '../../../server/learn/figures/field-grid.js';
import { renderReconstructions } from '../../../server/learn/figures/reconstructions.js';

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  chunks: string[];
  pixels: Uint8Array;
}

/** A strict little PNG reader for the subset encodePng writes (8-bit RGB/RGBA, filter 0). */
function decodePng(bytes: Uint8Array): DecodedPng {
  expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: string[] = [];
  const idat: Uint8Array[] = [];
  let ihdr: Uint8Array | null = null;
  let pos = 8;
  while (pos < bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    expect(view.getUint32(pos + 8 + length), `CRC of ${type}`).toBe(zlibCrc32(bytes.subarray(pos + 4, pos + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    pos += 12 + length;
  }
  expect(pos).toBe(bytes.length);
  expect(ihdr).not.toBeNull();
  const h = new DataView(ihdr!.buffer, ihdr!.byteOffset, 13);
  const width = h.getUint32(0);
  const height = h.getUint32(4);
  const [bitDepth, colourType, compression, filter, interlace] = ihdr!.subarray(8, 13);
  expect([compression, filter, interlace]).toEqual([0, 0, 0]);
  const channels = colourType === 2 ? 3 : 4;
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (1 + width * channels));
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + width * channels)]).toBe(0);
    pixels.set(raw.subarray(y * (1 + width * channels) + 1, (y + 1) * (1 + width * channels)), y * width * channels);
  }
  return { width, height, bitDepth, colourType, chunks, pixels };
}

const pixel = (img: RasterImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x) * img.channels + 3));

describe('PNG encoder', () => {
  it('writes signature, IHDR, IDAT, IEND with valid CRCs and pixels that inflate back exactly (RGB and RGBA)', () => {
    for (const channels of [3, 4] as const) {
      const width = 7;
      const height = 5;
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
      const png = decodePng(encodePng({ width, height, channels, data }));
      expect(png).toMatchObject({ width, height, bitDepth: 8, colourType: channels === 3 ? 2 : 6, chunks: ['IHDR', 'IDAT', 'IEND'] });
      expect(png.pixels).toEqual(data);
    }
  });

  it('computes the standard CRC-32 ("123456789" → 0xCBF43926)', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(zlibCrc32(check));
  });

  it('rejects bad sizes and data lengths', () => {
    expect(() => encodePng({ width: 0, height: 1, channels: 3, data: new Uint8Array(0) })).toThrow(/positive/);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/needs 12/);
  });
});

describe('colour maps', () => {
  it('RdBu: −1 dark blue, 0 near-white, +1 dark red, clamped, NaN grey; grey: 0 black, 1 white', () => {
    expect(diverging(-1)).toEqual(RDBU_ANCHORS[0]);
    expect(diverging(0)).toEqual([0xf7, 0xf7, 0xf7]);
    expect(diverging(1)).toEqual(RDBU_ANCHORS[10]);
    expect(diverging(5)).toEqual(diverging(1));
    expect(diverging(NaN)).toEqual([128, 128, 128]);
    const [r, , b] = diverging(0.5);
    expect(r).toBeGreaterThan(b);
    expect(grey(0)).toEqual([0, 0, 0]);
    expect(grey(1)).toEqual([255, 255, 255]);
    expect(grey(0.5)).toEqual([128, 128, 128]);
  });
});

describe('receptive-field atlas', () => {
  it('draws each unit as an L×L tile with its own symmetric scale, positive red and negative blue', () => {
    const L = 4;
    const units = 3;
    const fields = new Float32Array(L * L * units);
    fields[0 * units + 0] = 2; // unit 0: +max at site (0,0)
    fields[5 * units + 0] = -1; // unit 0: −half at site (1,1)
    fields[15 * units + 2] = -0.01; // unit 2: a weak field, still full colour with per-unit scale
    const img = renderFieldGrid(fields, L, units, { scale: 2, gap: 1 });
    expect(img.width).toBe(2 * (8 + 1) + 1); // columns = ⌈√3⌉ = 2
    expect(img.height).toBe(2 * (8 + 1) + 1);
    expect(pixel(img, 1, 1)).toEqual([...diverging(1)]);
    expect(pixel(img, 1 + 2, 1 + 2)).toEqual([...diverging(-0.5)]);
    expect(pixel(img, 1 + 4, 1)).toEqual([...diverging(0)]);
    const unit2 = [1 + 3 * 2, 10 + 3 * 2] as const; // second row, first column, site (3,3)
    expect(pixel(img, ...unit2)).toEqual([...diverging(-1)]);
    expect(pixel(img, 0, 0)).toEqual([0x33, 0x33, 0x33]);
    const layerScaled = renderFieldGrid(fields, L, units, { scale: 2, gap: 1, scaleMode: 'layer' });
    expect(pixel(layerScaled, ...unit2)).toEqual([...diverging(-0.005)]);
    const decoded = decodePng(encodePng(img));
    expect(decoded.pixels).toEqual(img.data);
  });

  it('rejects a field array of the wrong size', () => {
    expect(() => renderFieldGrid(new Float32Array(10), 4, 3)).toThrow(/expected/);
  });
});

describe('reconstruction figure', () => {
  it('puts samples on the top row and reconstruction probabilities in grey below', () => {
    const L = 2;
    const originals = Float32Array.of(1, 0, 0, 1, 0, 0, 0, 0);
    const recon = Float32Array.of(0.9, 0.1, 0.5, 1, 0, 0, 0, 0.25);
    const img = renderReconstructions(originals, recon, L, 2, { scale: 1, gap: 1 });
    expect([img.width, img.height]).toEqual([2 * 3 + 1, 2 * 3 + 1]);
    expect(pixel(img, 1, 1)).toEqual([255, 255, 255]);
    expect(pixel(img, 2, 1)).toEqual([0, 0, 0]);
    expect(pixel(img, 1, 4)).toEqual([...grey(Math.fround(0.9))]);
    expect(pixel(img, 1, 5)).toEqual([128, 128, 128]);
    expect(pixel(img, 5, 5)).toEqual([...grey(0.25)]);
  });
});

/** Checks that every tag is closed in order (a small well-formedness check without a parser). */
function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, closing, name, attrs, selfClosing] = m;
    expect(attrs).not.toMatch(/[<&](?!amp;|lt;|gt;|quot;|apos;)/);
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  const text = svg.replace(/<[^>]*>/g, '');
  expect(text).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;|apos;)/);
}

describe('SVG plot', () => {
  it('is well-formed and contains every point, error bar, label and legend entry', () => {
    const svg = linePlot({
      title: 'Receptive fields <grow> & spread',
      xLabel: 'layer',
      yLabel: 'radius (lattice spacings)',
      xTicks: [1, 2, 3],
      series: [
        { label: 'measured', points: [{ x: 1, y: 1.5, yErr: 0.2 }, { x: 2, y: 3.25, yErr: 0.5 }, { x: 3, y: 6 }] },
        { label: 'J(n)', points: [{ x: 1, y: 0.4 }, { x: 2, y: NaN }], dashed: true },
      ],
      caption: 'bars: spread over units',
    });
    expectWellFormed(svg);
    expect(svg).toContain('Receptive fields &lt;grow&gt; &amp; spread');
    expect(svg).toContain('<title>measured: 1, 1.5 ± 0.2</title>');
    expect(svg).toContain('<title>measured: 2, 3.25 ± 0.5</title>');
    expect(svg).toContain('<title>measured: 3, 6</title>');
    expect(svg).toContain('<title>J(n): 1, 0.4</title>');
    expect(svg.match(/<circle [^>]*><title>/g)?.length).toBe(4);
    expect(svg).toContain('>layer</text>');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('bars: spread over units');
  });

  it('chooses round ticks that cover the data', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 6.2)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(3, 3).length).toBeGreaterThan(1);
  });
});
