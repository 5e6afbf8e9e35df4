/**
 * Bit-packed lattice codec: the wire form of a ±1 spin configuration.
 *
 * Layout: site i (row-major, i = y·L + x) is bit (i mod 8) of byte ⌊i/8⌋, least significant
 * bit first; bit set ⇔ spin = +1. A lattice of N sites takes ⌈N/8⌉ bytes and the padding bits
 * of the last byte are zero. L = 40: 1600 spins → 200 bytes.
 */

/** Number of bytes that hold `sites` packed spins: ⌈sites/8⌉. */
export function packedLength(sites: number): number {
  return (sites + 7) >>> 3;
}

/**
 * Packs ±1 spins (row-major) into bits; any positive value counts as +1.
 * @param spins spin per site, length N
 * @returns ⌈N/8⌉ bytes, bit i set ⇔ spins[i] = +1
 */
export function packLattice(spins: Int8Array): Uint8Array {
  const packed = new Uint8Array(packedLength(spins.length));
  for (let i = 0; i < spins.length; i++) {
    if (spins[i] > 0) packed[i >>> 3] |= 1 << (i & 7);
  }
  return packed;
}

/**
 * Unpacks `sites` spins from their bit-packed form.
 * @param packed bytes from `packLattice` (at least ⌈sites/8⌉ of them)
 * @param sites  number of sites N = L·L
 * @param out    optional destination (length ≥ N), reused between frames to avoid allocation
 * @returns ±1 spins, row-major
 */
export function unpackLattice(packed: Uint8Array, sites: number, out: Int8Array = new Int8Array(sites)): Int8Array {
  if (!Number.isInteger(sites) || sites < 0) throw new RangeError(`sites must be a non-negative integer, got ${sites}`);
  if (packed.length < packedLength(sites)) {
    throw new RangeError(`packed lattice has ${packed.length} bytes, ${packedLength(sites)} needed for ${sites} sites`);
  }
  if (out.length < sites) throw new RangeError(`output holds ${out.length} sites, ${sites} needed`);
  for (let i = 0; i < sites; i++) out[i] = (packed[i >>> 3] >>> (i & 7)) & 1 ? 1 : -1;
  return out;
}

/**
 * Views a received binary attachment as bytes. Socket.IO hands binary payloads to a browser
 * as ArrayBuffer and to Node as Buffer (a Uint8Array); both come out as a Uint8Array view.
 */
export function asBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
