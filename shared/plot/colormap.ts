/**
 * Colour maps for rgflow's figures (pure: no I/O). Colours are sRGB triples of bytes 0–255.
 *
 * - `diverging(t)`, for weights and receptive fields, t ∈ [−1, 1]: ColorBrewer's 11-class
 *   RdBu (Cynthia Brewer, colorbrewer2.org; listed there as colour-blind safe), oriented so
 *   negative values are blue, zero is near-white (#f7f7f7) and positive values are red.
 *   Between the 11 anchors the sRGB bytes are interpolated linearly; |t| > 1 is clamped;
 *   NaN is drawn mid-grey so it cannot be mistaken for a weight.
 * - `grey(t)`, for spins and probabilities, t ∈ [0, 1]: 0 (spin down) black, 1 (spin up) white,
 *   linear in sRGB bytes; clamped; NaN mid-grey.
 */

export type Rgb = readonly [number, number, number];

/** ColorBrewer RdBu, 11 classes, from t = −1 (dark blue) to t = +1 (dark red). */
export const RDBU_ANCHORS: readonly Rgb[] = [
  [0x05, 0x30, 0x61],
  [0x21, 0x66, 0xac],
  [0x43, 0x93, 0xc3],
  [0x92, 0xc5, 0xde],
  [0xd1, 0xe5, 0xf0],
  [0xf7, 0xf7, 0xf7],
  [0xfd, 0xdb, 0xc7],
  [0xf4, 0xa5, 0x82],
  [0xd6, 0x60, 0x4d],
  [0xb2, 0x18, 0x2b],
  [0x67, 0x00, 0x1f],
];

/** The colour drawn for NaN in either map. */
export const NAN_COLOUR: Rgb = [0x80, 0x80, 0x80];

/**
 * Diverging colour of t ∈ [−1, 1] (RdBu: −1 dark blue, 0 near-white, +1 dark red).
 * Callers normalize a weight w by a symmetric scale s: t = w / s.
 */
export function diverging(t: number): Rgb {
  if (Number.isNaN(t)) return NAN_COLOUR;
  const x = Math.min(1, Math.max(-1, t));
  const pos = ((x + 1) / 2) * (RDBU_ANCHORS.length - 1);
  const i = Math.min(RDBU_ANCHORS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = RDBU_ANCHORS[i];
  const b = RDBU_ANCHORS[i + 1];
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

/** Grey level of t ∈ [0, 1]: 0 black (spin down), 1 white (spin up). */
export function grey(t: number): Rgb {
  if (Number.isNaN(t)) return NAN_COLOUR;
  const v = Math.round(255 * Math.min(1, Math.max(0, t)));
  return [v, v, v];
}
