/**
 * The atlas pixels: each unit's column of r(l) in its own L×L block, on its own ±max|r| scale,
 * dark 1-px gaps between blocks and in unused cells.
 */
import { describe, expect, it } from 'vitest';
import { atlasGeometry, GAP_RGB, paintAtlas } from '../../client/view/atlas-paint.js';
import { DIVERGING, divergingIndex } from '../../client/view/colormap.js';

const rgbAt = (pixels: Uint8ClampedArray, width: number, x: number, y: number): number[] =>
  Array.from(pixels.subarray(4 * (y * width + x), 4 * (y * width + x) + 3));
const mapRgb = (value: number): number[] => {
  const t = 3 * divergingIndex(value);
  return [DIVERGING[t]!, DIVERGING[t + 1]!, DIVERGING[t + 2]!];
};

describe('atlasGeometry', () => {
  it('lays units on a near-square grid with gaps', () => {
    expect(atlasGeometry(400, 40)).toMatchObject({ columns: 20, rows: 20, width: 819, height: 819 });
    expect(atlasGeometry(25, 40)).toMatchObject({ columns: 5, rows: 5, width: 204, height: 204 });
    expect(atlasGeometry(3, 2)).toMatchObject({ columns: 2, rows: 2, width: 5, height: 5 });
    expect(() => atlasGeometry(0, 4)).toThrow(RangeError);
  });
});

describe('paintAtlas', () => {
  it('paints unit j’s field in its block, scaled by its own max |r|', () => {
    const L = 2;
    const units = 3;
    const g = atlasGeometry(units, L, 1);
    // fields[i·units + j]: unit 0 = (1, −2, 0, 0.5); unit 1 = 10× a ramp; unit 2 = 0
    const unit0 = [1, -2, 0, 0.5];
    const unit1 = [10, 20, -40, 0];
    const fields = new Float32Array(L * L * units);
    for (let i = 0; i < L * L; i++) {
      fields[i * units] = unit0[i]!;
      fields[i * units + 1] = unit1[i]!;
    }
    const pixels = new Uint8ClampedArray(4 * g.width * g.height);
    expect(paintAtlas(fields, g, pixels)).toBe(40);
    // unit 0 at (0, 0), scale 2
    expect(rgbAt(pixels, g.width, 0, 0)).toEqual(mapRgb(0.5));
    expect(rgbAt(pixels, g.width, 1, 0)).toEqual(mapRgb(-1));
    expect(rgbAt(pixels, g.width, 0, 1)).toEqual(mapRgb(0));
    expect(rgbAt(pixels, g.width, 1, 1)).toEqual(mapRgb(0.25));
    // unit 1 at column 1: x from L + 1 = 3, scale 40
    expect(rgbAt(pixels, g.width, 3, 0)).toEqual(mapRgb(0.25));
    expect(rgbAt(pixels, g.width, 4, 0)).toEqual(mapRgb(0.5));
    expect(rgbAt(pixels, g.width, 3, 1)).toEqual(mapRgb(-1));
    // unit 2 (all zero) at row 1: the map's middle
    expect(rgbAt(pixels, g.width, 0, 3)).toEqual(mapRgb(0));
    // gaps and the unused fourth cell
    for (const [x, y] of [[2, 0], [2, 4], [0, 2], [4, 2], [3, 3], [4, 4]] as const) {
      expect(rgbAt(pixels, g.width, x, y)).toEqual([...GAP_RGB]);
    }
    for (let p = 3; p < pixels.length; p += 4) expect(pixels[p]).toBe(255);
  });

  it('refuses arrays of the wrong size', () => {
    const g = atlasGeometry(4, 3);
    expect(() => paintAtlas(new Float32Array(35), g, new Uint8ClampedArray(4 * g.width * g.height))).toThrow(RangeError);
    expect(() => paintAtlas(new Float32Array(36), g, new Uint8ClampedArray(10))).toThrow(RangeError);
  });
});
