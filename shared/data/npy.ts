/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), C order, little-endian or byte-sized.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Layout: magic "\x93NUMPY", major and minor version bytes, header length (uint16 LE for 1.0,
 * uint32 LE for 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal
 * {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and a final
 * '\n' so the data starts at a multiple of 64 bytes; then the raw row-major data.
 * The header is parsed as a literal (no eval). Typed arrays use the platform byte order,
 * which is little-endian on every platform rgflow runs on (checked once at load).
 */

export const NPY_DTYPES = ['|u1', '|i1', '<u2', '<i2', '<u4', '<i4', '<f4', '<f8'] as const;
/** NumPy type descriptors we read and write. */
export type NpyDtype = (typeof NPY_DTYPES)[number];
export type TypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** An n-dimensional array: `data` holds product(shape) elements in C (row-major) order. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: TypedArray;
}

/** Thrown for any file that is not a well-formed, supported .npy file. */
export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
}

const CONSTRUCTORS = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
} as const;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ALIGN = 64;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('npy: big-endian platforms are not supported');
}

/** The dtype whose typed array class matches `data`, e.g. Float32Array → '<f4'. */
export function dtypeOf(data: TypedArray): NpyDtype {
  for (const d of NPY_DTYPES) if (data instanceof CONSTRUCTORS[d]) return d;
  throw new NpyFormatError('unsupported typed array');
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new NpyFormatError(`invalid dimension ${d} in shape (${shape.join(', ')})`);
    count *= d;
  }
  if (!Number.isSafeInteger(count)) throw new NpyFormatError(`shape (${shape.join(', ')}) is too large`);
  return count;
}

/**
 * The header bytes (magic, version, length, padded dict) of a .npy file holding an array of
 * this dtype and shape; the row-major data follows directly. Lets a writer stream large data
 * without concatenating it. Version 1.0 unless the header needs more than 65535 bytes.
 */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  if (!(dtype in CONSTRUCTORS)) throw new NpyFormatError(`unsupported dtype ${String(dtype)}`);
  elementCount(shape);
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const paddedTotal = (prefix: number) => Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const v1 = paddedTotal(10) - 10 <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const total = paddedTotal(prefix);
  const headerLength = total - prefix;
  const text = dict.padEnd(headerLength - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  return out;
}

/** Serialize an array to .npy bytes (C order). Throws NpyFormatError if data.length ≠ product(shape). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const { dtype, shape, data } = array;
  const header = npyHeader(dtype, shape);
  if (!(data instanceof CONSTRUCTORS[dtype])) throw new NpyFormatError(`data is not a ${CONSTRUCTORS[dtype].name} for dtype ${dtype}`);
  const count = elementCount(shape);
  if (data.length !== count) throw new NpyFormatError(`shape (${shape.join(', ')}) needs ${count} elements, data has ${data.length}`);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}

/** Parse .npy bytes into a freshly allocated typed array; throws NpyFormatError on any defect. */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyFormatError('not a .npy file (bad magic string)');
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) throw new NpyFormatError(`unsupported .npy format version ${major}.${minor}`);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new NpyFormatError('truncated .npy header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = prefix + headerLength;
  if (dataStart > bytes.length) throw new NpyFormatError(`truncated .npy header: needs ${dataStart} bytes, file has ${bytes.length}`);
  const raw = bytes.subarray(prefix, dataStart);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(raw);
  const { dtype, shape } = interpretHeader(parseLiteral(text));
  const count = elementCount(shape);
  const Ctor = CONSTRUCTORS[dtype];
  const byteLength = count * Ctor.BYTES_PER_ELEMENT;
  const available = bytes.length - dataStart;
  if (available < byteLength) throw new NpyFormatError(`truncated .npy data: shape (${shape.join(', ')}) of ${dtype} needs ${byteLength} bytes, file has ${available}`);
  if (available > byteLength) throw new NpyFormatError(`header/data mismatch: shape (${shape.join(', ')}) of ${dtype} needs ${byteLength} bytes, file has ${available}`);
  const copy = bytes.slice(dataStart, dataStart + byteLength);
  return { dtype, shape, data: new Ctor(copy.buffer, 0, count) };
}

type Literal = string | number | boolean | null | Literal[] | Map<string, Literal>;

function interpretHeader(value: Literal): { dtype: NpyDtype; shape: number[] } {
  if (!(value instanceof Map)) throw new NpyFormatError('.npy header is not a dict');
  const keys = [...value.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') throw new NpyFormatError(`.npy header must have exactly the keys descr, fortran_order, shape; got ${keys}`);
  const descr = value.get('descr');
  const fortran = value.get('fortran_order');
  const shape = value.get('shape');
  if (typeof descr !== 'string') throw new NpyFormatError('unsupported dtype: structured or non-string descr');
  const normalized = /^[<>=|]?[ui]1$/.test(descr) ? `|${descr.slice(-2)}` : descr;
  if (!(NPY_DTYPES as readonly string[]).includes(normalized)) {
    const reason = descr.startsWith('>') ? ' (big-endian data is not supported)' : '';
    throw new NpyFormatError(`unsupported dtype '${descr}'${reason}; supported: ${NPY_DTYPES.join(' ')}`);
  }
  if (fortran !== false) throw new NpyFormatError(fortran === true ? 'fortran_order True is not supported (C order only)' : 'fortran_order must be True or False');
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number')) throw new NpyFormatError('shape must be a tuple of integers');
  return { dtype: normalized as NpyDtype, shape: shape as number[] };
}

/** Parse the subset of Python literals a .npy header uses: dicts, tuples, lists, strings, ints, booleans, None. */
function parseLiteral(text: string): Literal {
  let pos = 0;
  const fail = (what: string): never => {
    throw new NpyFormatError(`malformed .npy header at character ${pos}: ${what} in ${JSON.stringify(text.trim())}`);
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const value = (): Literal => {
    skip();
    const ch = text[pos];
    if (ch === '{') return sequence('}', true) as Map<string, Literal>;
    if (ch === '(' || ch === '[') return sequence(ch === '(' ? ')' : ']', false) as Literal[];
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, pos + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(pos + 1, end);
      if (s.includes('\\')) fail('escapes in strings are not supported');
      pos = end + 1;
      return s;
    }
    const word = /^(True|False|None|[+-]?\d+L?)/.exec(text.slice(pos));
    if (!word) return fail('unexpected token');
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace('L', ''));
  };
  const sequence = (close: string, isDict: boolean): Map<string, Literal> | Literal[] => {
    pos++;
    const map = new Map<string, Literal>();
    const list: Literal[] = [];
    for (;;) {
      skip();
      if (text[pos] === close) break;
      if (isDict) {
        const key = value();
        if (typeof key !== 'string') fail('dict key is not a string');
        skip();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        if (map.has(key as string)) fail(`duplicate key '${key as string}'`);
        map.set(key as string, value());
      } else list.push(value());
      skip();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
    pos++;
    return isDict ? map : list;
  };
  const result = value();
  skip();
  if (pos !== text.length) fail('trailing characters');
  return result;
}
