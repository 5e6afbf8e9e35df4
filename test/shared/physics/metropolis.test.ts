/**
 * The multi-spin coded Metropolis sampler against oracles: an independent per-spin scalar
 * reference of the same lazy exact acceptance rule (same random words, same order), the
 * lattice.ts observables, and the layout's own invariants.
 */
import { describe, expect, it } from 'vitest';
import { MultiSpinMetropolisSampler, packedLayout, probabilityDigits } from '../../../shared/physics/metropolis.js';
import { bondSumOf, magnetizationOf } from '../../../shared/physics/lattice.js';
import { Rng } from '../../../shared/physics/rng.js';

function randomSpins(L: number, rng: Rng, upFraction = 0.5): Int8Array {
  const s = new Int8Array(L * L);
  for (let i = 0; i < s.length; i++) s[i] = rng.nextFloat() < upFraction ? 1 : -1;
  return s;
}

/** Number of sites where two configurations differ (toEqual on 10⁶ entries is slow). */
function mismatches(a: Int8Array, b: Int8Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Binary digits 1..64 of p by exact doubling (independent of probabilityDigits). */
function digitsByDoubling(p: number): number[] {
  const d: number[] = [];
  let x = p;
  for (let j = 0; j < 64; j++) {
    x *= 2;
    const bit = x >= 1 ? 1 : 0;
    x -= bit;
    d.push(bit);
  }
  return d;
}

/**
 * One sweep by the documented rule, one spin at a time: words in index order (colour,
 * row in strip, word), bit (i, j) of word (c, r, w) is site y = i·R + r, x = 2(j·Wk + w) + ((c+y)&1).
 * Per word: spins with p < 1 get U digit by digit from bit `bit` of successive words of `rng`;
 * drawing stops when every such spin is decided (or after 64 words).
 */
function referenceSweep(spins: Int8Array, L: number, K: number, H: number, rng: Rng): void {
  const { strips: a, rowsPerStrip: R, groups: b, wordsPerGroupRow: Wk } = packedLayout(L);
  const at = (x: number, y: number) => spins[((y + L) % L) * L + ((x + L) % L)];
  for (let c = 0; c < 2; c++) {
    for (let r = 0; r < R; r++) {
      for (let w = 0; w < Wk; w++) {
        const sites: { index: number; bit: number; p: number; decided: boolean; accept: boolean }[] = [];
        for (let i = 0; i < a; i++) {
          for (let j = 0; j < b; j++) {
            const y = i * R + r;
            const x = 2 * (j * Wk + w) + ((c + y) & 1);
            const s = at(x, y);
            const sum = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1);
            const dS = 2 * s * (K * sum + H);
            const p = dS <= 0 ? 1 : Math.exp(-dS);
            sites.push({ index: y * L + x, bit: i * b + j, p, decided: p >= 1, accept: p >= 1 });
          }
        }
        const digits = sites.map((site) => digitsByDoubling(site.p));
        for (let round = 0; round < 64 && sites.some((site) => !site.decided); round++) {
          const word = rng.nextInt32();
          sites.forEach((site, n) => {
            if (site.decided) return;
            const u = (word >>> site.bit) & 1;
            const d = digits[n][round];
            if (u !== d) {
              site.decided = true;
              site.accept = d === 1;
            }
          });
        }
        for (const site of sites) if (site.accept) spins[site.index] = -spins[site.index];
      }
    }
  }
}

describe('packedLayout', () => {
  it('uses a·b ≤ 32 bits with a | L and b | L/2', () => {
    for (let L = 2; L <= 256; L += 2) {
      const { strips: a, rowsPerStrip: R, groups: b, wordsPerGroupRow: Wk, bitsPerWord } = packedLayout(L);
      expect(bitsPerWord).toBe(a * b);
      expect(bitsPerWord).toBeLessThanOrEqual(32);
      expect(R * a).toBe(L);
      expect(b * Wk).toBe(L / 2);
    }
  });

  it('packs the paper size L = 40 and L = 1024 into full 32-bit words', () => {
    expect(packedLayout(40)).toEqual({ strips: 8, rowsPerStrip: 5, groups: 4, wordsPerGroupRow: 5, bitsPerWord: 32 });
    expect(packedLayout(1024).bitsPerWord).toBe(32);
    expect(packedLayout(1024).strips).toBe(1);
  });

  it('rejects odd and too small lattices', () => {
    expect(() => new MultiSpinMetropolisSampler(5, 0.4)).toThrow(RangeError);
    expect(() => new MultiSpinMetropolisSampler(0, 0.4)).toThrow(RangeError);
  });
});

describe('probabilityDigits', () => {
  it('gives the first 64 binary digits of p (equal to exact doubling)', () => {
    for (const p of [0, 0.5, 0.25, Math.exp(-4 * 0.408), Math.exp(-8 * 0.408), 1 - 2 ** -53, 2 ** -40 * 3, 1e-30]) {
      expect(Array.from(probabilityDigits(p), (d) => (d === 0 ? 0 : 1))).toEqual(digitsByDoubling(p));
    }
    expect(() => probabilityDigits(1)).toThrow(RangeError);
  });
});

describe('MultiSpinMetropolisSampler packed configuration', () => {
  const sizes = [2, 4, 6, 8, 10, 12, 16, 24, 30, 40, 48, 64, 100, 1024];

  it.each(sizes)('writeSpins → readSpins round-trips at L = %i', (L) => {
    const rng = new Rng(11 + L);
    const sampler = new MultiSpinMetropolisSampler(L, 0.4);
    for (const up of [0.5, 0.9]) {
      const spins = randomSpins(L, rng, up);
      sampler.writeSpins(spins);
      const out = new Int8Array(L * L);
      sampler.readSpins(out);
      expect(mismatches(out, spins)).toBe(0);
    }
  });

  it.each(sizes)('bondSum and magnetizationSum equal lattice.ts at L = %i', (L) => {
    const rng = new Rng(29 + L);
    const sampler = new MultiSpinMetropolisSampler(L, 0.4);
    const all = new Int8Array(L * L).fill(1);
    expect(sampler.bondSum()).toBe(2 * L * L);
    expect(sampler.magnetizationSum()).toBe(L * L);
    for (const up of [0.5, 0.2, 0.97]) {
      const spins = randomSpins(L, rng, up);
      sampler.writeSpins(spins);
      expect(sampler.bondSum()).toBe(bondSumOf(spins, L));
      expect(sampler.magnetizationSum()).toBe(magnetizationOf(spins));
    }
    all.fill(-1);
    sampler.writeSpins(all);
    expect(sampler.bondSum()).toBe(2 * L * L);
    expect(sampler.magnetizationSum()).toBe(-L * L);
  });

  it('rejects spins that are not ±1 or of the wrong length', () => {
    const sampler = new MultiSpinMetropolisSampler(4, 0.4);
    expect(() => sampler.writeSpins(new Int8Array(16))).toThrow(RangeError);
    expect(() => sampler.writeSpins(new Int8Array(15).fill(1))).toThrow(RangeError);
  });
});

describe('MultiSpinMetropolisSampler sweep = per-spin scalar reference of the exact lazy acceptance', () => {
  const cases: [number, number, number][] = [];
  for (const L of [2, 4, 6, 10, 12, 20, 24, 30, 40, 64, 100]) for (const [K, H] of [[0.408, 0], [0.2, 0], [1.3, 0]]) cases.push([L, K, H]);
  for (const L of [4, 6, 12, 40, 64]) {
    for (const [K, H] of [[0.408, 0.1], [0.3, -0.25], [-0.3, 0], [-0.2, 0.15], [0, 0], [0, 0.4], [1e-18, 0]]) cases.push([L, K, H]);
  }

  it.each(cases)('L = %i, K = %f, H = %f: identical configurations and random streams', (L, K, H) => {
    const init = new Rng(1000 + L);
    for (const up of [0.5, 0.85]) {
      const spins = randomSpins(L, init, up);
      const sampler = new MultiSpinMetropolisSampler(L, K, H, 77 + L);
      sampler.writeSpins(spins);
      const reference = Rng.fromState(sampler.snapshot().rngState);
      const expected = spins.slice();
      const got = new Int8Array(L * L);
      for (let sweep = 0; sweep < 3; sweep++) {
        sampler.sweep(1);
        referenceSweep(expected, L, K, H, reference);
        sampler.readSpins(got);
        expect(mismatches(got, expected)).toBe(0);
        expect(sampler.snapshot().rngState).toEqual(reference.state());
      }
    }
  });

  it('counts sweeps and attempted updates, and rejects bad sweep counts', () => {
    const sampler = new MultiSpinMetropolisSampler(8, 0.4);
    sampler.sweep(3);
    expect(sampler.sweeps).toBe(3);
    expect(sampler.spinUpdates).toBe(3 * 64);
    expect(() => sampler.sweep(-1)).toThrow(RangeError);
    expect(() => sampler.sweep(1.5)).toThrow(RangeError);
  });

  it('keeps the configuration when the parameters change', () => {
    const sampler = new MultiSpinMetropolisSampler(10, 0.3, 0, 5);
    sampler.sweep(4);
    const before = sampler.snapshot().spins;
    sampler.setParameters(0.5, 0.1);
    expect(sampler.coupling).toBe(0.5);
    expect(sampler.field).toBe(0.1);
    expect(sampler.snapshot().spins).toEqual(before);
    expect(() => sampler.setParameters(Number.NaN)).toThrow(RangeError);
  });
});
