/**
 * Multi-spin coded checkerboard Metropolis for the 2D Ising model: 32 spins per Int32 word,
 * updated together with bitwise logic (Jacobs & Rebbi 1981; Bhanot, Duke & Salvador 1986).
 *
 * Layout. L even, H = L/2. Colour c of row y holds the sites x = 2k + ((c+y) & 1), k = 0..H−1.
 * The rows are cut into a strips of R = L/a rows and k into b groups of Wk = H/b; bit i·b + j
 * of word (c, r, w) (index (c·R + r)·Wk + w) holds the site of colour c in row y = i·R + r at
 * k = j·Wk + w; bit 1 ⇔ s = +1. So a word carries nb = a·b ≤ 32 spins from a different strips
 * and groups, and neighbours sit at the same bit of adjacent words: rows y±1 at the same k
 * (words r±1; across a strip edge the word at the other edge, rotated by b bits), row y at k
 * and at k−1 (if (c+y) even) or k+1 (if odd) (words w±1; across a group edge the word at the
 * other edge with every group rotated by one bit). With R odd, strips alternate in parity, so
 * both k−1 and k+1 words are loaded and merged per bit. Choice of a, b: `packedLayout`.
 * (a = 1 is the plain interleaved half-row layout.) L = 40: 50 words of 32 bits.
 *
 * Update. XOR with the 4 neighbour words gives 4 "antiparallel" bits; a bitwise adder turns
 * them into masks for n = number of antiparallel neighbours. Σ_j s_j = s_i (4 − 2n), so
 * ΔS = 2 s_i (K Σ_j s_j + H) = 4K(2 − n) + 2H s_i, and the flip is accepted with
 * p = min(1, e^{−ΔS}) (for H = 0, K > 0: always for n ≥ 2, e^{−4K} for n = 1, e^{−8K} for n = 0).
 *
 * Exact acceptance. Every spin gets one uniform U, compared with p lazily from the most
 * significant binary digit for all 32 spins at once: round j draws one random word R whose
 * bit b is digit j of the U of spin b. With d = digit j of p, an undecided spin with R-bit ≠ d
 * is decided (accepted iff d = 1, R-bit = 0); the others stay undecided. Rounds stop when no
 * spin with p < 1 in the word is undecided (≈ log2(#such spins) + 2 rounds), or after 64 rounds
 * (U equals p to 64 bits: reject). p is used to 64 binary digits, absolute error < 2^−64 —
 * i.e. every double p ≥ 2^−11 exactly. All classes of a word share the same R words: round j
 * builds one mask holding, per bit, digit j of that spin's own p (fast path, H = 0 and K > 0:
 * the n = 0 and n = 1 thresholds; general path: the 10 classes spin value × n).
 * Throughput (one core, K = 0.408): ≈ 8·10⁸ flips/s at L = 40, ≈ 10⁹ at L = 1024, about 10×
 * the byte sampler; the general path (H ≠ 0 or K < 0) ≈ 3·10⁸.
 */
import type { IsingSampler, SamplerSnapshot } from './ising.js';
import { Rng } from './rng.js';
import { validateLatticeSize, validateSpins } from './lattice.js';

/**
 * Packed layout of an L×L lattice: bit i·b + j of word (c, r, w) is the colour-c site in row
 * y = i·R + r at k = j·Wk + w, for strip i < a, group j < b; nb = a·b ≤ 32 bits per word.
 */
export interface PackedLayout {
  /** Row strips a (a divides L). */
  strips: number;
  /** Rows per strip R = L/a. */
  rowsPerStrip: number;
  /** k-groups b (b divides H = L/2). */
  groups: number;
  /** Words per group row Wk = H/b. */
  wordsPerGroupRow: number;
  /** Bits used per word nb = a·b. */
  bitsPerWord: number;
}

/**
 * The layout used for size L: the largest a·b ≤ 32 with a | L and b | L/2; among equals,
 * even R first (then all bits of a word share one checkerboard parity), then larger b.
 * L = 40: a = 8 strips of 5 rows × b = 4 groups, 32 bits; L = 1024: a = 1, b = 32.
 */
export function packedLayout(L: number): PackedLayout {
  validateLatticeSize(L, true);
  const H = L / 2;
  let best = { a: 1, b: 1, key: -1 };
  for (let b = 1; b <= Math.min(32, H); b++) {
    if (H % b !== 0) continue;
    for (let a = 1; a * b <= 32; a++) {
      if (L % a !== 0) continue;
      const key = a * b * 1e4 + ((L / a) % 2 === 0 ? 1e3 : 0) + b;
      if (key > best.key) best = { a, b, key };
    }
  }
  const { a, b } = best;
  return { strips: a, rowsPerStrip: L / a, groups: b, wordsPerGroupRow: H / b, bitsPerWord: a * b };
}

/**
 * Digit masks of a probability p ∈ [0, 1): entry j is −1 if binary digit j+1 of p
 * (weight 2^−(j+1)) is 1, else 0; 64 entries (p truncated to 64 digits).
 */
export function probabilityDigits(p: number): Int32Array {
  if (!(p >= 0 && p < 1)) throw new RangeError(`probabilityDigits needs 0 ≤ p < 1, got ${p}`);
  const digits = new Int32Array(64);
  const scaled = p * 4294967296; // exact: scaling by a power of two
  const hi = Math.floor(scaled);
  const lo = Math.floor((scaled - hi) * 4294967296);
  for (let j = 0; j < 32; j++) {
    digits[j] = -(Math.floor(hi / 2 ** (31 - j)) % 2);
    digits[32 + j] = -(Math.floor(lo / 2 ** (31 - j)) % 2);
  }
  return digits;
}

/** Number of set bits of a 32-bit word. */
function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

export class MultiSpinMetropolisSampler implements IsingSampler {
  readonly algorithm = 'metropolis' as const;
  readonly L: number;
  coupling = 0;
  field = 0;
  sweeps = 0;
  spinUpdates = 0;
  readonly layout: PackedLayout;
  /** Packed spins, length 2·R·Wk, index (c·R + r)·Wk + w. */
  private readonly words: Int32Array;
  private readonly rng: Rng;
  /** Bits of a word that hold spins: the nb low bits. */
  private readonly mask: number;
  /** Lowest and highest bit of every k-group (bit i·b and i·b + b − 1). */
  private readonly groupLow: number;
  private readonly groupHigh: number;
  /** Bits whose row parity differs from strip 0's (the odd strips when R is odd, else none). */
  private readonly parityFlipped: number;
  /** Fast path (H = 0, K > 0): digit masks of e^{−8K} (n = 0), and their XOR with those of e^{−4K} (n = 1). */
  private fast = false;
  private digitsN0: Int32Array = new Int32Array(64);
  private digitsX: Int32Array = new Int32Array(64);
  /** General path: class = (s+1)/2·5 + n; `always` flags p ≥ 1; lazy classes with their digits. */
  private readonly always = new Int32Array(10);
  private lazyClasses = new Int32Array(0);
  private lazyDigits = new Int32Array(0);
  private readonly classMask = new Int32Array(10);

  /**
   * @param L        linear size, even, ≥ 2
   * @param coupling K = βJ
   * @param field    H = βh
   * @param seed     Rng seed (ignored when `rng` is given)
   */
  constructor(L: number, coupling: number, field = 0, seed = 1, rng?: Rng) {
    this.layout = packedLayout(L);
    this.L = L;
    const { groups: b, strips: a, bitsPerWord: nb } = this.layout;
    this.mask = nb === 32 ? -1 : (1 << nb) - 1;
    let low = 0;
    for (let i = 0; i < a; i++) low |= 1 << (i * b);
    this.groupLow = low;
    this.groupHigh = low << (b - 1);
    let flipped = 0;
    if (this.layout.rowsPerStrip % 2 === 1) for (let i = 1; i < a; i += 2) flipped |= ((1 << b) - 1) << (i * b);
    this.parityFlipped = flipped;
    this.words = new Int32Array(2 * this.layout.rowsPerStrip * this.layout.wordsPerGroupRow).fill(this.mask);
    this.rng = rng ?? new Rng(seed);
    this.setParameters(coupling, field);
  }

  /** Rebuild a sampler from `snapshot()`; it continues the exact same Markov chain. */
  static fromSnapshot(snapshot: SamplerSnapshot): MultiSpinMetropolisSampler {
    const { L, coupling, field, spins, rngState, sweeps } = snapshot;
    const s = new MultiSpinMetropolisSampler(L, coupling, field, 0, Rng.fromState(rngState));
    s.writeSpins(spins);
    s.sweeps = sweeps;
    s.spinUpdates = sweeps * L * L;
    return s;
  }

  setParameters(coupling: number, field = 0): void {
    if (!Number.isFinite(coupling) || !Number.isFinite(field)) throw new RangeError('coupling and field must be finite');
    this.coupling = coupling;
    this.field = field;
    const p = new Float64Array(10);
    for (let s = 0; s < 2; s++) {
      const spin = 2 * s - 1;
      for (let n = 0; n < 5; n++) {
        // Σ_j s_j = s_i (4 − 2n); the same expression as the byte sampler, hence the same double p.
        const dS = 2 * spin * (coupling * spin * (4 - 2 * n) + field);
        p[s * 5 + n] = dS <= 0 ? 1 : Math.exp(-dS);
      }
    }
    this.fast = field === 0 && coupling > 0 && p[1] < 1; // (e^{−4K} rounds to 1 for K ≲ 3·10⁻¹⁷)
    if (this.fast) {
      const digitsN1 = probabilityDigits(p[1]);
      this.digitsN0 = probabilityDigits(p[0]);
      this.digitsX = this.digitsN0.map((d, j) => d ^ digitsN1[j]);
    }
    const lazy: number[] = [];
    for (let c = 0; c < 10; c++) {
      this.always[c] = p[c] >= 1 ? 1 : 0;
      if (p[c] < 1) lazy.push(c);
    }
    this.lazyClasses = Int32Array.from(lazy);
    this.lazyDigits = new Int32Array(64 * lazy.length);
    lazy.forEach((c, i) => this.lazyDigits.set(probabilityDigits(p[c]), 64 * i));
  }

  sweep(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`sweep count must be a non-negative integer, got ${count}`);
    for (let t = 0; t < count; t++) {
      this.updateColour(0);
      this.updateColour(1);
      this.sweeps++;
      this.spinUpdates += this.L * this.L;
    }
  }

  /**
   * Metropolis update of every site of colour c, word by word in index order. The xoshiro128**
   * generator of `rng` is inlined on local state words (written back at the end).
   */
  private updateColour(c: number): void {
    const { words, mask, rng, digitsN0, digitsX, fast, groupLow, groupHigh, parityFlipped } = this;
    const { always, lazyClasses, lazyDigits, classMask } = this;
    const nLazy = lazyClasses.length;
    const { strips: a, rowsPerStrip: R, groups: b, wordsPerGroupRow: Wk, bitsPerWord: nb } = this.layout;
    const mixed = parityFlipped !== 0;
    const notLow = mask & ~groupLow;
    const notHigh = mask & ~groupHigh;
    const bm1 = b - 1;
    const rest = nb - b;
    const last = Wk - 1;
    let s0 = rng.s0 | 0, s1 = rng.s1 | 0, s2 = rng.s2 | 0, s3 = rng.s3 | 0;
    const ownBase = c * R;
    const otherBase = (1 - c) * R;
    for (let r = 0; r < R; r++) {
      const own = (ownBase + r) * Wk;
      const same = (otherBase + r) * Wk;
      const up = (otherBase + (r === 0 ? R - 1 : r - 1)) * Wk;
      const down = (otherBase + (r === R - 1 ? 0 : r + 1)) * Wk;
      const upWraps = a > 1 && r === 0;
      const downWraps = a > 1 && r === R - 1;
      const odd = (c + r) & 1;
      const prevBits = odd === 0 ? mask & ~parityFlipped : parityFlipped; // bits whose 4th neighbour is k − 1
      for (let w = 0; w < Wk; w++) {
        const s = words[own + w];
        let vu = words[up + w];
        if (upWraps) vu = ((vu << b) | (vu >>> rest)) & mask; // strip i−1 → i
        let vd = words[down + w];
        if (downWraps) vd = ((vd >>> b) | (vd << rest)) & mask; // strip i+1 → i
        let h: number;
        if (mixed) {
          const vp = words[same + (w === 0 ? last : w - 1)];
          const vn = words[same + (w === last ? 0 : w + 1)];
          const hp = w === 0 ? ((vp << 1) & notLow) | ((vp >>> bm1) & groupLow) : vp;
          const hn = w === last ? ((vn >>> 1) & notHigh) | ((vn << bm1) & groupHigh) : vn;
          h = (hp & prevBits) | (hn & ~prevBits);
        } else if (odd === 0) {
          if (w === 0) {
            const v = words[same + last]; // k − 1 in group j − 1, rotated within each group
            h = ((v << 1) & notLow) | ((v >>> bm1) & groupLow);
          } else h = words[same + w - 1];
        } else if (w === last) {
          const v = words[same]; // k + 1 in group j + 1
          h = ((v >>> 1) & notHigh) | ((v << bm1) & groupHigh);
        } else h = words[same + w + 1];
        const a1 = s ^ vu;
        const a2 = s ^ vd;
        const a3 = s ^ words[same + w];
        const a4 = s ^ h;
        const x1 = a1 ^ a2;
        const x2 = a3 ^ a4;
        const c1 = a1 & a2;
        const c2 = a3 & a4;
        const c3 = x1 & x2;
        let flip: number;
        if (fast) {
          flip = c1 | c2 | c3; // n ≥ 2: ΔS ≤ 0
          const n1 = (x1 ^ x2) & ~flip; // n = 1: p = e^{−4K}
          let u = n1 | (mask & ~(a1 | a2 | a3 | a4)); // undecided: n = 1, and n = 0 (p = e^{−8K})
          for (let j = 0; u !== 0 && j < 64; j++) {
            const m = Math.imul(s1, 5);
            const rnd = Math.imul((m << 7) | (m >>> 25), 9);
            const t9 = s1 << 9;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t9;
            s3 = (s3 << 11) | (s3 >>> 21);
            const d = digitsN0[j] ^ (n1 & digitsX[j]); // digit j of each spin's own p
            flip |= u & d & ~rnd;
            u &= ~(rnd ^ d);
          }
        } else {
          // Any K, H: n = 4·b2 + 2·b1 + b0; class (s+1)/2·5 + n has its own threshold.
          const b0 = x1 ^ x2;
          const b1 = c1 ^ c2 ^ c3;
          const b2 = c1 & c2;
          const downSpins = mask & ~s;
          const e0 = mask & ~(b0 | b1 | b2);
          const e1 = b0 & ~b1;
          const e2 = b1 & ~b0;
          const e3 = b0 & b1;
          classMask[0] = downSpins & e0;
          classMask[1] = downSpins & e1;
          classMask[2] = downSpins & e2;
          classMask[3] = downSpins & e3;
          classMask[4] = downSpins & b2;
          classMask[5] = s & e0;
          classMask[6] = s & e1;
          classMask[7] = s & e2;
          classMask[8] = s & e3;
          classMask[9] = s & b2;
          flip = 0;
          let u = 0;
          for (let k = 0; k < 10; k++) {
            if (always[k] !== 0) flip |= classMask[k];
            else u |= classMask[k];
          }
          for (let j = 0; u !== 0 && j < 64; j++) {
            const m = Math.imul(s1, 5);
            const rnd = Math.imul((m << 7) | (m >>> 25), 9);
            const t9 = s1 << 9;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t9;
            s3 = (s3 << 11) | (s3 >>> 21);
            let d = 0; // digit j of each spin's own p
            for (let i = 0; i < nLazy; i++) d |= classMask[lazyClasses[i]] & lazyDigits[64 * i + j];
            flip |= u & d & ~rnd;
            u &= ~(rnd ^ d);
          }
        }
        words[own + w] = s ^ flip;
      }
    }
    rng.s0 = s0 >>> 0;
    rng.s1 = s1 >>> 0;
    rng.s2 = s2 >>> 0;
    rng.s3 = s3 >>> 0;
  }

  /** Visit every site: f(wordIndex, bit, siteIndex y·L + x). */
  private forEachSite(f: (word: number, bit: number, site: number) => void): void {
    const { L } = this;
    const { strips: a, rowsPerStrip: R, groups: b, wordsPerGroupRow: Wk } = this.layout;
    for (let c = 0; c < 2; c++) {
      for (let r = 0; r < R; r++) {
        for (let w = 0; w < Wk; w++) {
          const word = (c * R + r) * Wk + w;
          for (let i = 0; i < a; i++) {
            const y = i * R + r;
            const row = y * L + ((c + y) & 1);
            for (let j = 0; j < b; j++) f(word, i * b + j, row + 2 * (j * Wk + w));
          }
        }
      }
    }
  }

  readSpins(out: Int8Array): void {
    const { L, words } = this;
    if (out.length !== L * L) throw new RangeError(`expected an output of length ${L * L}, got ${out.length}`);
    this.forEachSite((word, bit, site) => {
      out[site] = ((words[word] >>> bit) & 1) === 1 ? 1 : -1;
    });
  }

  writeSpins(spins: Int8Array): void {
    const { words } = this;
    validateSpins(spins, this.L);
    words.fill(0);
    this.forEachSite((word, bit, site) => {
      if (spins[site] === 1) words[word] |= 1 << bit;
    });
  }

  /** Σ_<ij> s_i s_j = 2N − 2·(antiparallel bonds); every bond has exactly one colour-0 end. */
  bondSum(): number {
    const { L, words, mask, groupLow, groupHigh, parityFlipped } = this;
    const { strips: a, rowsPerStrip: R, groups: b, wordsPerGroupRow: Wk, bitsPerWord: nb } = this.layout;
    let anti = 0;
    for (let r = 0; r < R; r++) {
      const own = r * Wk;
      const same = (R + r) * Wk;
      const up = (R + (r === 0 ? R - 1 : r - 1)) * Wk;
      const down = (R + (r === R - 1 ? 0 : r + 1)) * Wk;
      const prevBits = (r & 1) === 0 ? mask & ~parityFlipped : parityFlipped;
      for (let w = 0; w < Wk; w++) {
        const s = words[own + w];
        let vu = words[up + w];
        if (a > 1 && r === 0) vu = ((vu << b) | (vu >>> (nb - b))) & mask;
        let vd = words[down + w];
        if (a > 1 && r === R - 1) vd = ((vd >>> b) | (vd << (nb - b))) & mask;
        const vp = words[same + (w === 0 ? Wk - 1 : w - 1)];
        const vn = words[same + (w === Wk - 1 ? 0 : w + 1)];
        const hp = w === 0 ? ((vp << 1) & mask & ~groupLow) | ((vp >>> (b - 1)) & groupLow) : vp;
        const hn = w === Wk - 1 ? ((vn >>> 1) & ~groupHigh) | ((vn << (b - 1)) & groupHigh) : vn;
        const h = (hp & prevBits) | (hn & ~prevBits);
        anti += popcount(s ^ vu) + popcount(s ^ vd) + popcount(s ^ words[same + w]) + popcount(s ^ h);
      }
    }
    return 2 * L * L - 2 * anti;
  }

  /** Σ_i s_i = 2·(up spins) − N. */
  magnetizationSum(): number {
    const { words } = this;
    let up = 0;
    for (let i = 0; i < words.length; i++) up += popcount(words[i]);
    return 2 * up - this.L * this.L;
  }

  snapshot(): SamplerSnapshot {
    const spins = new Int8Array(this.L * this.L);
    this.readSpins(spins);
    return {
      algorithm: this.algorithm,
      L: this.L,
      coupling: this.coupling,
      field: this.field,
      spins,
      rngState: this.rng.state(),
      sweeps: this.sweeps,
    };
  }
}
