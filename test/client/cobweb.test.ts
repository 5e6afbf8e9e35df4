/**
 * The cobweb of the 1D decimation RG (Eq. 24, tanh K' = tanh² K) against the exact recursion:
 * the map itself, the corners of the path on the curve and on the diagonal, and the flow to K = 0.
 */
import { describe, expect, it } from 'vitest';
import { cobwebPath, cobwebThrough, decimate, decimationCurve, flow1d } from '../../client/model/cobweb.js';
import { decimationFlow } from '../../shared/physics/exact/chain1d.js';

describe('decimate', () => {
  it('obeys tanh K′ = tanh² K (K = 1: tanh K₁ = tanh² 1)', () => {
    expect(Math.tanh(decimate(1))).toBeCloseTo(Math.tanh(1) ** 2, 15);
    for (const K of [0.05, 0.2, 0.4406868, 0.7, 1.5, 2.5]) {
      expect(decimate(K)).toBeCloseTo(Math.atanh(Math.tanh(K) ** 2), 12);
      expect(decimate(K)).toBeCloseTo(0.5 * Math.log(Math.cosh(2 * K)), 12);
    }
  });

  it('keeps precision near the K = 0 fixed point, K′ = K² − 2K⁴/3 + …', () => {
    const K = 1e-4;
    expect(decimate(K) / (K * K - (2 / 3) * K ** 4)).toBeCloseTo(1, 12);
    expect(decimate(0)).toBe(0);
  });

  it('maps the antiferromagnet onto the ferromagnet (K′ ≥ 0)', () => {
    expect(decimate(-0.7)).toBe(decimate(0.7));
  });
});

describe('cobwebPath', () => {
  it('has 2n + 1 corners alternating between the diagonal and the curve', () => {
    const steps = 4;
    const { x, y } = cobwebPath(1, steps);
    expect(x.length).toBe(2 * steps + 1);
    expect(y.length).toBe(2 * steps + 1);
    expect([x[0], y[0]]).toEqual([1, 1]);
    for (let i = 0; i < x.length; i++) {
      if (i % 2 === 0) expect(y[i]).toBe(x[i]); // on the diagonal K′ = K
      else {
        // on the curve: tanh y = tanh² x
        expect(Math.tanh(y[i]!)).toBeCloseTo(Math.tanh(x[i]!) ** 2, 14);
        expect(x[i]).toBe(x[i - 1]); // reached by a vertical segment
        expect(y[i + 1]).toBe(y[i]); // left by a horizontal one
      }
    }
    expect(Math.tanh(x[2]!)).toBeCloseTo(Math.tanh(1) ** 2, 15);
  });

  it('goes through the same couplings as the engine’s exactFlow1d (decimationFlow)', () => {
    for (const K of [0.25, 0.4406868, 1]) {
      const mine = cobwebPath(K, 3);
      const theirs = cobwebThrough(decimationFlow(K, 3));
      expect(Array.from(mine.x)).toEqual(Array.from(theirs.x));
      expect(Array.from(mine.y)).toEqual(Array.from(theirs.y));
    }
  });

  it('flows to K = 0 from any finite K, monotonically', () => {
    // K = 3: linear descent by ≈ ½ ln 2 while K ≫ 1, then K′ ≈ K² (underflows to 0 after 17 steps)
    const flow = flow1d(3, 16);
    for (let l = 1; l < flow.length; l++) expect(flow[l]).toBeLessThan(flow[l - 1]!);
    expect(flow[12]).toBeLessThan(1e-8);
    expect(flow[16]! / flow[15]! ** 2).toBeCloseTo(1, 12);
    // far above 1 each step lowers K by about ½ ln 2
    expect(flow[0]! - flow[1]!).toBeCloseTo(0.5 * Math.LN2, 2);
  });

  it('handles the degenerate cases', () => {
    expect(cobwebThrough([]).x.length).toBe(0);
    expect(Array.from(cobwebPath(0.5, 0).x)).toEqual([0.5]);
    expect(() => flow1d(1, -1)).toThrow(RangeError);
  });
});

describe('decimationCurve', () => {
  it('samples K′(K) on an ascending grid, below the diagonal', () => {
    const { x, y } = decimationCurve(2, 101);
    expect(x[0]).toBe(0);
    expect(x[100]).toBe(2);
    for (let i = 1; i < x.length; i++) {
      expect(x[i]).toBeGreaterThan(x[i - 1]!);
      expect(y[i]).toBeLessThan(x[i]!);
      expect(y[i]).toBe(decimate(x[i]!));
    }
  });
});
