/** The strip's colours: ±1 exactly the lattice view's spin colours, p = ½ the neutral. */
import { describe, expect, it } from 'vitest';
import { SPIN_DOWN, SPIN_UP } from '../../client/view/colormap.js';
import { paintSpins, SPIN_RAMP } from '../../client/view/spin-ramp.js';

describe('paintSpins', () => {
  it('paints +1 as SPIN_UP, −1 as SPIN_DOWN, 0 neutral, and clamps', () => {
    const pixels = new Uint8ClampedArray(4 * 5);
    paintSpins([1, -1, 0, 3, Number.NaN], pixels);
    expect(Array.from(pixels.subarray(0, 4))).toEqual([...SPIN_UP, 255]);
    expect(Array.from(pixels.subarray(4, 8))).toEqual([...SPIN_DOWN, 255]);
    expect(Array.from(pixels.subarray(12, 16))).toEqual([...SPIN_UP, 255]);
    const neutral = Array.from(pixels.subarray(8, 12));
    expect(Array.from(pixels.subarray(16, 20))).toEqual(neutral);
    expect(neutral[0]).toBeGreaterThan(200);
  });

  it('runs monotonically from one end to the other in each channel half', () => {
    for (let c = 0; c < 3; c++) {
      const lower = Array.from({ length: 128 }, (_, i) => SPIN_RAMP[3 * i + c]!);
      const rising = lower[127]! >= lower[0]!;
      for (let i = 1; i < lower.length; i++) expect(rising ? lower[i]! >= lower[i - 1]! : lower[i]! <= lower[i - 1]!).toBe(true);
    }
  });
});
