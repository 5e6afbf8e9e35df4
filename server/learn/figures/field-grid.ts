/**
 * Atlas of effective receptive fields (the paper's Fig. 3B, 3C): one L×L tile per hidden unit,
 * tiles in a near-square grid (columns = ⌈√units⌉) on a dark-grey background with `gap` pixels
 * between them, each lattice site drawn as `scale`×`scale` pixels.
 *
 * Colour: the diverging RdBu map of shared/plot/colormap.ts, negative blue, positive red, zero
 * near-white. Scale: symmetric per unit by default — tile j maps r_ij / max_i |r_ij| to [−1, 1],
 * so every unit's shape is visible whatever its overall strength (fields of one layer differ in
 * magnitude by orders of magnitude once L1 has silenced some units); `scaleMode: 'layer'` uses
 * one max |r| for the whole atlas instead, which shows the relative strengths.
 */
import { diverging } from '../../../shared/plot/colormap.js';
import { createImage, fillRect, type RasterImage } from './png.js';

export interface FieldGridOptions {
  /** Pixels per lattice site (default 3). */
  scale?: number;
  /** Pixels between tiles and around the atlas (default 4). */
  gap?: number;
  /** Tiles per row (default ⌈√units⌉). */
  columns?: number;
  /** Colour normalization: 'unit' (default) or 'layer'; see the file header. */
  scaleMode?: 'unit' | 'layer';
}

const BACKGROUND = [0x33, 0x33, 0x33];

/**
 * Renders receptive fields as an RGB image.
 * @param fields  Float32Array of shape [L·L, units] row-major (column j = unit j's field),
 *                as returned by receptiveFields(stack, layer)
 * @param L       linear lattice size; site i = (row ⌊i/L⌋, column i mod L)
 * @param units   number of hidden units (columns of `fields`)
 */
export function renderFieldGrid(fields: Float32Array, L: number, units: number, options: FieldGridOptions = {}): RasterImage {
  const N = L * L;
  if (fields.length !== N * units) throw new RangeError(`fields has ${fields.length} values, expected L²·units = ${N}·${units}`);
  const scale = options.scale ?? 3;
  const gap = options.gap ?? 4;
  const columns = options.columns ?? Math.ceil(Math.sqrt(units));
  const rows = Math.ceil(units / columns);
  const tile = L * scale;
  const image = createImage(columns * (tile + gap) + gap, rows * (tile + gap) + gap, 3, BACKGROUND);

  const maxAbs = new Float64Array(units);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < units; j++) {
      const a = Math.abs(fields[i * units + j]);
      if (a > maxAbs[j]) maxAbs[j] = a;
    }
  }
  const layerMax = Math.max(...maxAbs);
  for (let j = 0; j < units; j++) {
    const norm = (options.scaleMode ?? 'unit') === 'layer' ? layerMax : maxAbs[j];
    const x0 = gap + (j % columns) * (tile + gap);
    const y0 = gap + Math.floor(j / columns) * (tile + gap);
    for (let i = 0; i < N; i++) {
      const t = norm > 0 ? fields[i * units + j] / norm : 0;
      fillRect(image, x0 + (i % L) * scale, y0 + Math.floor(i / L) * scale, scale, scale, diverging(t));
    }
  }
  return image;
}
