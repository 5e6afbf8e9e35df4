/** Sign agreement and magnetizations of a reconstruction against its sample. */
import { describe, expect, it } from 'vitest';
import { compareReconstruction, signedProbabilities } from '../../client/model/reconstruction-stats.js';

describe('compareReconstruction', () => {
  it('counts sites where p > ½ matches an up spin (p = ½ counts half) and gives both magnetizations', () => {
    const spins = Int8Array.from([1, 1, -1, -1]);
    const p = Float32Array.from([0.9, 0.5, 0.2, 0.75]);
    const result = compareReconstruction(spins, p);
    expect(result.sites).toBe(4);
    expect(result.agreement).toBeCloseTo((1 + 0.5 + 1 + 0) / 4, 12);
    expect(result.sampleMagnetization).toBe(0);
    expect(result.reconstructionMagnetization).toBeCloseTo((0.8 + 0 - 0.6 + 0.5) / 4, 6);
  });

  it('scores ½ for a reconstruction that knows nothing and 1 for a perfect one', () => {
    const spins = Int8Array.from({ length: 100 }, (_, i) => (i % 3 ? 1 : -1));
    expect(compareReconstruction(spins, new Float32Array(100).fill(0.5)).agreement).toBe(0.5);
    const perfect = Float32Array.from(spins, (s) => (s > 0 ? 1 : 0));
    const result = compareReconstruction(spins, perfect);
    expect(result.agreement).toBe(1);
    expect(result.reconstructionMagnetization).toBeCloseTo(result.sampleMagnetization, 12);
  });

  it('refuses mismatched lengths', () => {
    expect(() => compareReconstruction(new Int8Array(3), new Float32Array(4))).toThrow(RangeError);
  });
});

describe('signedProbabilities', () => {
  it('maps p to 2p − 1', () => {
    expect(Array.from(signedProbabilities([0, 0.5, 1, 0.25]))).toEqual([-1, 0, 1, -0.5]);
  });
});
