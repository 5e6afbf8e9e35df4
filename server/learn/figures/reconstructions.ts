/**
 * Samples beside their reconstructions (the paper's Fig. 3E): top row the original Ising
 * configurations (spin up white, down black), bottom row the reconstruction from the top
 * layer — the probabilities P(v_i = 1) after the up pass and the down pass through the whole
 * stack, drawn in grey (0 black, 1 white), so a grey site is one the 25 top units leave
 * undecided. Tiles are L×L, `scale` pixels per site, `gap` pixels of mid-blue between them.
 */
import { grey } from '../../../shared/plot/colormap.js';
import { createImage, fillRect, type RasterImage } from './png.js';

export interface ReconstructionFigureOptions {
  /** Pixels per lattice site (default 4). */
  scale?: number;
  /** Pixels between tiles and around the figure (default 6). */
  gap?: number;
}

const BACKGROUND = [0x4a, 0x6f, 0x9c];

/**
 * @param originals       [count, L·L] row-major, values in [0, 1] (1 = spin up)
 * @param reconstructions [count, L·L] row-major, probabilities P(v_i = 1)
 * @param count           number of samples shown (columns)
 */
export function renderReconstructions(
  originals: ArrayLike<number>,
  reconstructions: ArrayLike<number>,
  L: number,
  count: number,
  options: ReconstructionFigureOptions = {},
): RasterImage {
  const N = L * L;
  if (originals.length < count * N || reconstructions.length < count * N) {
    throw new RangeError(`need ${count} configurations of ${N} sites in both rows`);
  }
  const scale = options.scale ?? 4;
  const gap = options.gap ?? 6;
  const tile = L * scale;
  const image = createImage(count * (tile + gap) + gap, 2 * (tile + gap) + gap, 3, BACKGROUND);
  const rows = [originals, reconstructions];
  for (let r = 0; r < 2; r++) {
    for (let s = 0; s < count; s++) {
      const x0 = gap + s * (tile + gap);
      const y0 = gap + r * (tile + gap);
      for (let i = 0; i < N; i++) {
        fillRect(image, x0 + (i % L) * scale, y0 + Math.floor(i / L) * scale, scale, scale, grey(rows[r][s * N + i]));
      }
    }
  }
  return image;
}
