import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, NPY_DTYPES, npyHeader, NpyFormatError, type NpyDtype, type TypedArray } from '../../../shared/data/npy.js';

const CTOR: Record<NpyDtype, new (n: number) => TypedArray> = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
};

function filled(dtype: NpyDtype, n: number): TypedArray {
  const a = new CTOR[dtype](n);
  for (let i = 0; i < n; i++) a[i] = dtype.includes('f') ? (i - 3) * 0.25 : dtype.includes('i') ? (i % 7) - 3 : i % 200;
  return a;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A v1.0 file with the given header dict text, padded per the spec, followed by `data`. */
function handMade(dict: string, data: number[] = [], version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, ...ascii('NUMPY'), version, 0]);
  new DataView(out.buffer)[version === 1 ? 'setUint16' : 'setUint32'](8, header.length, true);
  out.set(ascii(header), prefix);
  out.set(data, total);
  return out;
}

describe('npy encode/decode', () => {
  it.each(NPY_DTYPES)('round-trips %s for shapes (), (0,), (5,), (2, 3, 4), (0, 7)', (dtype) => {
    for (const shape of [[], [0], [5], [2, 3, 4], [0, 7]]) {
      const n = shape.reduce((a, d) => a * d, 1);
      const data = filled(dtype, n);
      const bytes = encodeNpy({ dtype, shape, data });
      const headerLength = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
      const back = decodeNpy(bytes);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual(shape);
      expect(back.data).toBeInstanceOf(CTOR[dtype]);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('decodes the bytes numpy writes for np.save(f, np.arange(6, dtype=np.uint8).reshape(2, 3))', () => {
    const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
    const bytes = handMade(dict, [0, 1, 2, 3, 4, 5]);
    expect(bytes.length).toBe(134);
    expect(Array.from(bytes.subarray(0, 10))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0, 118, 0]);
    const a = decodeNpy(bytes);
    expect(a).toMatchObject({ dtype: '|u1', shape: [2, 3] });
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('parses headers in any key order, with double quotes, no trailing comma, version 2.0, unaligned input', () => {
    const a = decodeNpy(handMade('{"shape": (3,), "fortran_order": False, "descr": "<i4"}', [1, 0, 0, 0, 2, 0, 0, 0, 255, 255, 255, 255], 2));
    expect(a).toMatchObject({ dtype: '<i4', shape: [3] });
    expect(Array.from(a.data)).toEqual([1, 2, -1]);
    const file = encodeNpy({ dtype: '<f8', shape: [2], data: Float64Array.of(1.5, -2) });
    const shifted = new Uint8Array(file.length + 3).subarray(3);
    shifted.set(file);
    expect(Array.from(decodeNpy(shifted).data)).toEqual([1.5, -2]);
  });

  it('writes a version 2.0 header when the dict exceeds 65535 bytes', () => {
    const shape = new Array(25_000).fill(1);
    const header = npyHeader('|u1', shape);
    expect(header[6]).toBe(2);
    expect(header.length % 64).toBe(0);
    const back = decodeNpy(encodeNpy({ dtype: '|u1', shape, data: Uint8Array.of(9) }));
    expect(back.shape).toEqual(shape);
  });

  const good = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  const malformed: [string, Uint8Array, RegExp][] = [
    ['bad magic', (() => { const b = handMade(good, [0, 1, 2, 3, 4, 5]); b[1] = 0x58; return b; })(), /magic/],
    ['too short to be a file', Uint8Array.of(0x93, 78, 85), /magic/],
    ['unknown version', (() => { const b = handMade(good, [0, 1, 2, 3, 4, 5]); b[6] = 9; return b; })(), /version/],
    ['header longer than the file', handMade(good).subarray(0, 40), /truncated .npy header/],
    ['truncated data', handMade(good, [0, 1, 2, 3]), /truncated .npy data/],
    ['extra data after the array', handMade(good, [0, 1, 2, 3, 4, 5, 6]), /mismatch/],
    ['fortran_order True', handMade("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", [0, 1, 2, 3, 4, 5]), /fortran_order/],
    ['big-endian', handMade("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]), /big-endian/],
    ['unsupported dtype', handMade("{'descr': '<c16', 'fortran_order': False, 'shape': (), }", new Array(16).fill(0)), /unsupported dtype/],
    ['structured dtype', handMade("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (), }", new Array(8).fill(0)), /structured/],
    ['missing key', handMade("{'descr': '|u1', 'shape': (2, 3), }", [0, 1, 2, 3, 4, 5]), /keys/],
    ['extra key', handMade("{'descr': '|u1', 'fortran_order': False, 'shape': (), 'x': 1}", [0]), /keys/],
    ['negative dimension', handMade("{'descr': '|u1', 'fortran_order': False, 'shape': (-1,), }"), /dimension/],
    ['non-integer shape', handMade("{'descr': '|u1', 'fortran_order': False, 'shape': ('a',), }"), /shape/],
    ['not a dict', handMade("[1, 2]"), /not a dict/],
    ['unbalanced braces', handMade("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3)"), /malformed/],
    ['code instead of a literal', handMade("{'descr': __import__('os'), 'fortran_order': False, 'shape': ()}"), /malformed/],
  ];
  it.each(malformed)('rejects %s with NpyFormatError', (_name, bytes, message) => {
    expect(() => decodeNpy(bytes)).toThrow(NpyFormatError);
    expect(() => decodeNpy(bytes)).toThrow(message);
  });

  it('refuses to encode data whose length or type does not match', () => {
    expect(() => encodeNpy({ dtype: '|u1', shape: [2, 2], data: new Uint8Array(3) })).toThrow(NpyFormatError);
    expect(() => encodeNpy({ dtype: '<f4', shape: [2], data: new Float64Array(2) })).toThrow(NpyFormatError);
  });
});

const hasNumpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasNumpy)('npy interoperability with real numpy (skipped without python3 + numpy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rgflow-npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('numpy loads our files and we load numpy files, for every dtype', () => {
    const script = [
      'import sys, json, numpy as np',
      'seen = []',
      'for ours, theirs in zip(sys.argv[1::2], sys.argv[2::2]):',
      '    a = np.load(ours)',
      '    np.save(theirs, a[::-1].copy())',
      '    seen.append({"dtype": a.dtype.str, "shape": list(a.shape), "values": a.ravel().tolist()})',
      'print(json.dumps(seen))',
    ].join('\n');
    const args: string[] = [];
    for (const dtype of NPY_DTYPES) {
      const ours = join(dir, `ours-${dtype.slice(1)}.npy`);
      writeFileSync(ours, encodeNpy({ dtype, shape: [3, 4], data: filled(dtype, 12) }));
      args.push(ours, join(dir, `theirs-${dtype.slice(1)}.npy`));
    }
    const seen = JSON.parse(execFileSync('python3', ['-c', script, ...args], { encoding: 'utf8' }));
    NPY_DTYPES.forEach((dtype, k) => {
      const data = filled(dtype, 12);
      expect(seen[k]).toEqual({ dtype, shape: [3, 4], values: Array.from(data) });
      const back = decodeNpy(new Uint8Array(readFileSync(args[2 * k + 1])));
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([3, 4]);
      const rowsReversed = [...data.subarray(8), ...data.subarray(4, 8), ...data.subarray(0, 4)];
      expect(Array.from(back.data)).toEqual(Array.from(rowsReversed));
    });
  });

  it('we load numpy 0-d and empty arrays', () => {
    const scalar = join(dir, 'scalar.npy');
    const file = join(dir, 'empty.npy');
    const script = 'import sys, numpy as np; np.save(sys.argv[1], np.array(3.5)); np.save(sys.argv[2], np.zeros((0, 3), dtype=np.float32))';
    execFileSync('python3', ['-c', script, scalar, file]);
    const s = decodeNpy(new Uint8Array(readFileSync(scalar)));
    expect(s).toMatchObject({ dtype: '<f8', shape: [] });
    expect(Array.from(s.data)).toEqual([3.5]);
    const empty = decodeNpy(new Uint8Array(readFileSync(file)));
    expect(empty).toMatchObject({ dtype: '<f4', shape: [0, 3] });
    expect(empty.data.length).toBe(0);
  });
});
