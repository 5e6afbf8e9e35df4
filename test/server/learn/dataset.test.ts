/**
 * Loading a samples .npy for training: the held-out rule (the last ⌊holdout·samples⌋ rows, at
 * least one), conversion to float32 from every dtype, and a DatasetError naming the file and
 * the defect for every bad input (missing, unreadable, not .npy, wrong rank, wrong N,
 * non-binary values with their index, too few rows, bad holdout).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy, NPY_DTYPES, type NpyArray, type NpyDtype, type TypedArray } from '../../../shared/data/npy.js';
import { DatasetError, heldOutCount, loadTrainingData, toTrainingData } from '../../../server/learn/dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'rgflow-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CTOR: Record<NpyDtype, new (values: number[]) => TypedArray> = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
};

let n = 0;
function file(array: NpyArray): string {
  const path = join(dir, `d${n++}.npy`);
  writeFileSync(path, encodeNpy(array));
  return path;
}
/** samples × N of 0/1, value at (r, i) = (r + i) mod 2 unless `set` overrides. */
function binary(samples: number, N: number, dtype: NpyDtype = '|u1', set: Record<number, number> = {}): NpyArray {
  const values = Array.from({ length: samples * N }, (_, k) => set[k] ?? (Math.floor(k / N) + (k % N)) % 2);
  return { dtype, shape: [samples, N], data: new CTOR[dtype](values) };
}

describe('loadTrainingData', () => {
  it('holds out the last 10% by default and converts uint8 to float32 in file order', async () => {
    const data = await loadTrainingData(file(binary(20, 16)), { visible: 16 });
    expect(data).toMatchObject({ samples: 20, N: 16, L: 4, dtype: '|u1', trainRows: 18, heldOutRows: 2 });
    expect(data.train).toBeInstanceOf(Float32Array);
    expect(data.train.length).toBe(18 * 16);
    expect(data.heldOut.length).toBe(2 * 16);
    expect(Array.from(data.train.subarray(16, 20))).toEqual([1, 0, 1, 0]);
    expect(data.heldOut[0]).toBe((18 + 0) % 2);
  });

  it.each(NPY_DTYPES.map((d) => [d]))('accepts 0/1 stored as %s', async (dtype) => {
    const data = await loadTrainingData(file(binary(4, 9, dtype)), { holdout: 0.25 });
    expect(data).toMatchObject({ trainRows: 3, heldOutRows: 1, L: 3, dtype });
    expect(Array.from(data.train.subarray(0, 3))).toEqual([0, 1, 0]);
  });

  it('applies the held-out rule: ⌊holdout·samples⌋ rows, at least one when holdout > 0, none at 0', () => {
    expect(heldOutCount(20000, 0.1)).toBe(2000);
    expect(heldOutCount(2000, 0.1)).toBe(200);
    expect(heldOutCount(5, 0.1)).toBe(1);
    expect(heldOutCount(5, 0)).toBe(0);
    expect(heldOutCount(7, 0.5)).toBe(3);
    const data = toTrainingData(binary(3, 6), 'x', { holdout: 0 });
    expect(data).toMatchObject({ trainRows: 3, heldOutRows: 0, L: null });
    expect(data.heldOut.length).toBe(0);
  });

  const bad: [string, () => string, { visible?: number; holdout?: number }, RegExp][] = [
    ['a missing file', () => join(dir, 'nope.npy'), {}, /nope.npy: no such file/],
    ['a directory', () => {
      const d = join(dir, `sub${n++}`);
      mkdirSync(d);
      return d;
    }, {}, /not a regular file/],
    ['a file that is not .npy', () => {
      const p = join(dir, `text${n++}.npy`);
      writeFileSync(p, 'samples,1,0,1\n');
      return p;
    }, {}, /bad magic string/],
    ['a truncated .npy', () => {
      const p = join(dir, `cut${n++}.npy`);
      writeFileSync(p, encodeNpy(binary(10, 16)).subarray(0, 200));
      return p;
    }, {}, /truncated/],
    ['a 1-D array', () => file({ dtype: '|u1', shape: [16], data: new Uint8Array(16) }), {}, /2-D array.*shape \(16\)/],
    ['a 3-D array', () => file({ dtype: '|u1', shape: [2, 4, 4], data: new Uint8Array(32) }), {}, /2-D array.*shape \(2, 4, 4\)/],
    ['an empty array', () => file({ dtype: '|u1', shape: [0, 16], data: new Uint8Array(0) }), {}, /empty/],
    ['N not equal to the first layer', () => file(binary(5, 16)), { visible: 25 }, /rows have 16 sites but the first layer has 25 units/],
    ['a 2 in uint8 data', () => file(binary(5, 16, '|u1', { 37: 2 })), {}, /value 2 at sample 2, site 5 \(flat index 37\) is not 0 or 1/],
    ['±1 spins', () => file(binary(5, 16, '|i1', { 3: -1 })), {}, /value -1 at sample 0, site 3.*convert ±1 spins/],
    ['0.5 in float data', () => file(binary(5, 16, '<f4', { 70: 0.5 })), {}, /value 0.5 at sample 4, site 6/],
    ['NaN in float data', () => file(binary(5, 16, '<f8', { 1: NaN })), {}, /value NaN at sample 0, site 1/],
    ['one sample with a holdout', () => file(binary(1, 16)), {}, /leave none for training/],
    ['a holdout above 0.5', () => file(binary(5, 16)), { holdout: 0.6 }, /holdout must be in \[0, 0.5\]/],
    ['a negative holdout', () => file(binary(5, 16)), { holdout: -0.1 }, /holdout must be in/],
  ];
  it.each(bad)('rejects %s with a DatasetError naming the defect', async (_name, make, options, message) => {
    const load = loadTrainingData(make(), options);
    await expect(load).rejects.toBeInstanceOf(DatasetError);
    await expect(load).rejects.toThrow(message);
  });

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  it.skipIf(isRoot)('rejects an unreadable file (skipped as root, who reads anything)', async () => {
    const p = file(binary(4, 16));
    chmodSync(p, 0o000);
    await expect(loadTrainingData(p)).rejects.toThrow(/cannot read \(EACCES\)/);
  });
});
