/**
 * The rolling training buffer: the last `capacity` lattice configurations, bit-packed
 * (⌈N/8⌉ bytes each, lattice-codec layout: 200 bytes at L = 40), oldest overwritten first.
 * Minibatches are rows drawn uniformly with replacement, decoded to {0,1} floats
 * (v = (s + 1)/2), the RBM's visible units.
 */
import type { Rng } from '../../shared/physics/rng.js';
import { packedLength } from '../../shared/protocol/lattice-codec.js';

export interface RollingBufferSnapshot {
  capacity: number;
  sites: number;
  /** Slot i at bytes [i·⌈sites/8⌉, (i+1)·⌈sites/8⌉). */
  data: Uint8Array;
  /** Slots filled, ≤ capacity. */
  filled: number;
  /** Slot the next configuration goes to. */
  next: number;
}

export class RollingBuffer {
  readonly capacity: number;
  readonly sites: number;
  private readonly stride: number;
  private readonly data: Uint8Array;
  private filled = 0;
  private next = 0;

  constructor(capacity: number, sites: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(sites) || sites < 1) throw new RangeError(`sites must be a positive integer, got ${sites}`);
    this.capacity = capacity;
    this.sites = sites;
    this.stride = packedLength(sites);
    this.data = new Uint8Array(capacity * this.stride);
  }

  /** Configurations held. */
  get size(): number {
    return this.filled;
  }

  /** Appends ±1 spins (length sites), overwriting the oldest configuration when full. */
  push(spins: Int8Array): void {
    const base = this.next * this.stride;
    this.data.fill(0, base, base + this.stride);
    for (let i = 0; i < this.sites; i++) if (spins[i] > 0) this.data[base + (i >>> 3)] |= 1 << (i & 7);
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  /**
   * Fills `out` (rows × sites, {0,1}) with `rows` configurations drawn uniformly with
   * replacement, rng.nextBelow(size) per row.
   */
  sample(rng: Rng, rows: number, out: Float32Array): void {
    if (this.filled === 0) throw new RangeError('the buffer is empty');
    const { sites, stride, data } = this;
    for (let r = 0; r < rows; r++) {
      const base = rng.nextBelow(this.filled) * stride;
      const row = r * sites;
      for (let i = 0; i < sites; i++) out[row + i] = (data[base + (i >>> 3)] >>> (i & 7)) & 1;
    }
  }

  snapshot(): RollingBufferSnapshot {
    return { capacity: this.capacity, sites: this.sites, data: this.data.slice(), filled: this.filled, next: this.next };
  }

  static fromSnapshot(s: RollingBufferSnapshot): RollingBuffer {
    const buffer = new RollingBuffer(s.capacity, s.sites);
    if (s.data.length !== buffer.data.length) throw new RangeError(`buffer data hold ${s.data.length} bytes, ${buffer.data.length} expected`);
    if (!Number.isInteger(s.filled) || s.filled < 0 || s.filled > s.capacity) throw new RangeError(`buffer fill ${s.filled} outside [0, ${s.capacity}]`);
    if (!Number.isInteger(s.next) || s.next < 0 || s.next >= s.capacity) throw new RangeError(`buffer position ${s.next} outside [0, ${s.capacity})`);
    buffer.data.set(s.data);
    buffer.filled = s.filled;
    buffer.next = s.next;
    return buffer;
  }
}
