/**
 * Colour maps, as lookup tables of 256 RGB entries (0–255):
 * - `DIVERGING` for signed quantities (weights, receptive fields): Crameri's *vik*-like
 *   blue–white–brown/orange, perceptually even and readable with red–green colour-blindness
 *   (no red–green axis); negative → blue, zero → near white, positive → orange-brown.
 * - `SPIN` for ±1 states: two colours of the same map's ends, so layers and lattice agree.
 * Values outside the range clamp to its ends.
 */

/** Anchor colours of the diverging map, from −1 to +1 (equally spaced). */
const DIVERGING_ANCHORS: [number, number, number][] = [
  [0, 18, 97], // −1: deep blue
  [16, 92, 160],
  [112, 165, 205],
  [236, 236, 236], // 0: near white
  [221, 163, 108],
  [170, 83, 26],
  [89, 15, 0], // +1: deep brown
];

function buildTable(anchors: [number, number, number][]): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (anchors.length - 1);
    const k = Math.min(anchors.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) table[3 * i + c] = Math.round(anchors[k]![c]! * (1 - f) + anchors[k + 1]![c]! * f);
  }
  return table;
}

/** 256 × RGB. */
export const DIVERGING = buildTable(DIVERGING_ANCHORS);

/** Index into a 256-entry table of `value` in [−1, 1] (clamped; NaN → the middle). */
export function divergingIndex(value: number): number {
  if (!(value === value)) return 128;
  const t = Math.max(-1, Math.min(1, value));
  return Math.round(((t + 1) / 2) * 255);
}

/** RGB (0–1 each) of `value` in [−1, 1]: for three.js colours. */
export function divergingRgb(value: number, out: [number, number, number] = [0, 0, 0]): [number, number, number] {
  const i = 3 * divergingIndex(value);
  out[0] = DIVERGING[i]! / 255;
  out[1] = DIVERGING[i + 1]! / 255;
  out[2] = DIVERGING[i + 2]! / 255;
  return out;
}

/** CSS colour of `value` in [−1, 1]. */
export function divergingCss(value: number): string {
  const i = 3 * divergingIndex(value);
  return `rgb(${DIVERGING[i]}, ${DIVERGING[i + 1]}, ${DIVERGING[i + 2]})`;
}

/**
 * Writes `values` (scaled by 1/`scale`, so ±scale maps to the ends) as RGBA pixels into
 * `pixels` (an ImageData's data), one pixel per value.
 */
export function paintDiverging(values: ArrayLike<number>, scale: number, pixels: Uint8ClampedArray): void {
  const inv = scale > 0 ? 1 / scale : 0;
  for (let i = 0; i < values.length; i++) {
    const t = 3 * divergingIndex(values[i]! * inv);
    pixels[4 * i] = DIVERGING[t]!;
    pixels[4 * i + 1] = DIVERGING[t + 1]!;
    pixels[4 * i + 2] = DIVERGING[t + 2]!;
    pixels[4 * i + 3] = 255;
  }
}

/** ±1 states: spin down and spin up (the map's blue and orange ends, a little lighter). */
export const SPIN_DOWN: [number, number, number] = [30, 70, 140];
export const SPIN_UP: [number, number, number] = [235, 170, 90];
