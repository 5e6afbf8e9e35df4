/**
 * Colours for spins and spin probabilities, matching the lattice view and the 3D stack: ±1 are
 * exactly SPIN_UP / SPIN_DOWN (colormap.ts), and a probability p(v = 1), drawn as 2p − 1, runs
 * linearly from SPIN_DOWN (p = 0) through the diverging map's neutral (p = ½) to SPIN_UP (p = 1),
 * so a confident reconstruction looks like the sample it came from. Writes RGBA; no DOM.
 */
import { DIVERGING, divergingIndex, SPIN_DOWN, SPIN_UP } from './colormap.js';

/** The diverging map's middle entry: the colour of "undecided". */
const NEUTRAL: [number, number, number] = [DIVERGING[3 * 128]!, DIVERGING[3 * 128 + 1]!, DIVERGING[3 * 128 + 2]!];

/** 256 × RGB over [−1, 1], indexed like the diverging map (divergingIndex). */
export const SPIN_RAMP: Uint8ClampedArray = (() => {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * 2 - 1;
    const [from, to, f] = t < 0 ? [NEUTRAL, SPIN_DOWN, -t] : [NEUTRAL, SPIN_UP, t];
    for (let c = 0; c < 3; c++) table[3 * i + c] = Math.round(from[c]! * (1 - f) + to[c]! * f);
  }
  return table;
})();

/** Writes values in [−1, 1] (±1 spins, or 2p − 1) as RGBA pixels, one per value; clamped, NaN → neutral. */
export function paintSpins(values: ArrayLike<number>, pixels: Uint8ClampedArray): void {
  for (let i = 0; i < values.length; i++) {
    const t = 3 * divergingIndex(values[i]!);
    pixels[4 * i] = SPIN_RAMP[t]!;
    pixels[4 * i + 1] = SPIN_RAMP[t + 1]!;
    pixels[4 * i + 2] = SPIN_RAMP[t + 2]!;
    pixels[4 * i + 3] = 255;
  }
}
