/**
 * The receptive-field atlas as pixels: every unit j of a layer gets an L×L block showing column
 * j of r(l) (the paper's Appendix B: r(l) = W(1)⋯W(l), entry i·units + j couples lattice site i
 * to unit j), coloured by the diverging map scaled to that unit's own max |r|, so each field
 * uses the full colour range (the paper's Fig. 3B/C). Blocks sit on a columns × rows grid by
 * unit index (unit j at row ⌊j/columns⌋, column j mod columns) with `gap` pixels between them.
 * Writes into an RGBA array (an ImageData's data); no DOM.
 */
import { paintDiverging } from './colormap.js';

export interface AtlasGeometry {
  units: number;
  /** Linear lattice size: each block is L × L pixels. */
  L: number;
  gap: number;
  columns: number;
  rows: number;
  /** Image size, pixels. */
  width: number;
  height: number;
}

/** A near-square grid for `units` blocks of L×L with `gap` pixels between them. */
export function atlasGeometry(units: number, L: number, gap = 1): AtlasGeometry {
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`units must be an integer ≥ 1, got ${units}`);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`L must be an integer ≥ 1, got ${L}`);
  const columns = Math.ceil(Math.sqrt(units));
  const rows = Math.ceil(units / columns);
  return { units, L, gap, columns, rows, width: columns * L + (columns - 1) * gap, height: rows * L + (rows - 1) * gap };
}

/** RGB of the gaps and of unused cells: a dark grey, apart from every colour of the map. */
export const GAP_RGB: readonly [number, number, number] = [58, 58, 58];

/**
 * Paints the atlas of an n(0) × units field matrix into `pixels` (RGBA, width × height of the
 * geometry). Returns the largest |r| over all units (0 when the fields are all zero).
 * @param column scratch of length L², reused between redraws
 */
export function paintAtlas(
  fields: Float32Array,
  geometry: AtlasGeometry,
  pixels: Uint8ClampedArray,
  column: Float32Array = new Float32Array(geometry.L * geometry.L),
): number {
  const { units, L, gap, columns, width, height } = geometry;
  const sites = L * L;
  if (fields.length !== sites * units) throw new RangeError(`fields hold ${fields.length} values, ${sites}×${units} expected`);
  if (pixels.length !== 4 * width * height) throw new RangeError(`pixels hold ${pixels.length} bytes, ${4 * width * height} expected`);
  for (let p = 0; p < pixels.length; p += 4) {
    pixels[p] = GAP_RGB[0];
    pixels[p + 1] = GAP_RGB[1];
    pixels[p + 2] = GAP_RGB[2];
    pixels[p + 3] = 255;
  }
  let overall = 0;
  for (let j = 0; j < units; j++) {
    let max = 0;
    for (let i = 0; i < sites; i++) {
      const value = fields[i * units + j]!;
      column[i] = value;
      const a = Math.abs(value);
      if (a > max) max = a;
    }
    overall = Math.max(overall, max);
    const x0 = (j % columns) * (L + gap);
    const y0 = Math.floor(j / columns) * (L + gap);
    for (let y = 0; y < L; y++) {
      const start = 4 * ((y0 + y) * width + x0);
      paintDiverging(column.subarray(y * L, (y + 1) * L), max, pixels.subarray(start, start + 4 * L));
    }
  }
  return overall;
}
