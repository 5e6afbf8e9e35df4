/**
 * Seeded pseudo-random numbers for every stochastic part of rgflow.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), 128-bit state, period 2^128 − 1,
 * all 32 output bits of high quality — the multi-spin Metropolis sampler uses each
 * output bit as an independent coin, so the low bits must be as good as the high ones.
 * Seeding goes through splitmix32 so that nearby seeds give unrelated streams.
 *
 * The state is four uint32 words; `state()` / `Rng.fromState()` make checkpoints exact.
 */

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

export class Rng {
  /** xoshiro128** state words (uint32 each). Public so hot loops can inline the generator. */
  s0: number;
  s1: number;
  s2: number;
  s3: number;

  /**
   * @param seed   any integer in [0, 2^53); the same seed always gives the same stream
   * @param stream independent sub-stream index (e.g. one per worker or per replica)
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream must be a non-negative safe integer, got ${stream}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let x = splitmix32(lo ^ splitmix32(hi ^ splitmix32(stream)));
    this.s0 = x = splitmix32(x);
    this.s1 = x = splitmix32(x);
    this.s2 = x = splitmix32(x);
    this.s3 = x = splitmix32(x);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Rebuild a generator from `state()`; continues the stream exactly. */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length !== 4) throw new RangeError('Rng state must have 4 words');
    const r = new Rng(0);
    r.s0 = state[0] >>> 0;
    r.s1 = state[1] >>> 0;
    r.s2 = state[2] >>> 0;
    r.s3 = state[3] >>> 0;
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) throw new RangeError('Rng state must not be all zero');
    return r;
  }

  /** The four state words, for checkpoints. */
  state(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /** Next uniformly distributed 32-bit integer, as an int32 (use `>>> 0` for uint32). */
  nextInt32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Next uniformly distributed integer in [0, 2^32). */
  nextUint32(): number {
    return this.nextInt32() >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextInt32() >>> 5; // 27 bits
    const lo = this.nextInt32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) without modulo bias (n ≤ 2^32). */
  nextBelow(n: number): number {
    if (!(n > 0 && n <= 4294967296)) throw new RangeError(`nextBelow: n out of range: ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal deviate (Box–Muller; one of the pair is discarded for simplicity). */
  nextGaussian(): number {
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
