/**
 * The rolling buffer keeps the last `capacity` configurations bit-packed, overwrites the oldest,
 * decodes rows to the {0,1} visible units exactly, and survives snapshot → restore.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../shared/physics/rng.js';
import { RollingBuffer } from '../../../server/engine/rolling-buffer.js';

/** A lattice of N sites whose spins spell out `id` (every site distinct for different ids). */
function configuration(id: number, N: number): Int8Array {
  return Int8Array.from({ length: N }, (_, i) => ((id * 7919 + i * i * 31) % 5 < 2 ? 1 : -1));
}

describe('RollingBuffer', () => {
  it('holds the last capacity configurations and draws rows that decode to one of them exactly', () => {
    const N = 37; // not a multiple of 8
    const buffer = new RollingBuffer(4, N);
    for (let id = 0; id < 7; id++) buffer.push(configuration(id, N));
    expect(buffer.size).toBe(4);
    const kept = [3, 4, 5, 6].map((id) => Array.from(configuration(id, N), (s) => (s > 0 ? 1 : 0)).join(''));
    const rows = new Float32Array(50 * N);
    buffer.sample(new Rng(1), 50, rows);
    const seen = new Set<string>();
    for (let r = 0; r < 50; r++) {
      const row = Array.from(rows.subarray(r * N, (r + 1) * N)).join('');
      expect(kept).toContain(row);
      seen.add(row);
    }
    expect(seen.size).toBe(4);
  });

  it('restores from a snapshot and then draws the same rows', () => {
    const buffer = new RollingBuffer(10, 16);
    for (let id = 0; id < 13; id++) buffer.push(configuration(id, 16));
    const copy = RollingBuffer.fromSnapshot(buffer.snapshot());
    buffer.push(configuration(99, 16));
    copy.push(configuration(99, 16));
    const [a, b] = [new Float32Array(160), new Float32Array(160)];
    buffer.sample(new Rng(4), 10, a);
    copy.sample(new Rng(4), 10, b);
    expect(b).toEqual(a);
    expect(() => RollingBuffer.fromSnapshot({ ...buffer.snapshot(), filled: 11 })).toThrow(RangeError);
  });
});
