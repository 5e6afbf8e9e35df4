/**
 * Geometry of the 3D stack, as pure functions over typed arrays (no three.js, no DOM):
 * which layers there are, where each unit sits on its plane, and how high each plane is.
 *
 * Every plane is a square of side PLANE_SIZE scene units centred on the vertical axis, in x
 * (lattice column) and z (lattice row, growing toward the viewer, like the 2D canvas's y). The
 * lattice's site (x, y) sits at the centre of cell (x, y) of an L×L grid over the plane, so a
 * layer of side s has its unit j in grid placement exactly above the L/s × L/s block of sites it
 * would cover, and a receptive-field centre (lattice spacings) lands above the site it names.
 * The plane is the torus's fundamental domain: coordinates wrap into [−PLANE_SIZE/2, PLANE_SIZE/2).
 */

/** Side of every plane, scene units (independent of L, so shared camera poses mean the same everywhere). */
export const PLANE_SIZE = 10;

/** Gap between neighbouring planes at spacing 0 and at spacing 1, scene units. */
export const GAP_MIN = 0.4;
export const GAP_MAX = 4.5;

/** The planes to draw: the L×L lattice and the side of each hidden layer, bottom first. */
export interface StackShape {
  L: number;
  /** Hidden layers 1…n: side of each square layer (n(l) = side²). */
  sides: number[];
}

/** A receptive-field centre on the L×L torus, lattice spacings (NaN: no centre). */
export interface Centre {
  x: number;
  y: number;
}

/**
 * The shape to draw from what is known: L from the settings (or the network), the hidden sides
 * from the latest frame (what the colours come from), else from the settings' unit counts.
 * Null while L is unknown.
 */
export function shapeOf(
  settings: { L: number; layers: readonly number[] } | null,
  frame: { layers: readonly { side: number; units: number }[] } | null,
  networkL = 0,
): StackShape | null {
  const L = settings?.L ?? networkL;
  if (!(L > 0)) return null;
  const sides = frame ? frame.layers.map((layer) => layer.side) : (settings?.layers ?? []).map((units) => Math.round(Math.sqrt(units)));
  return { L, sides };
}

/** True when two shapes draw the same planes. */
export function sameShape(a: StackShape | null, b: StackShape | null): boolean {
  if (!a || !b) return a === b;
  return a.L === b.L && a.sides.length === b.sides.length && a.sides.every((side, l) => side === b.sides[l]);
}

/** `value` wrapped into [−period/2, period/2). */
export function wrapCentred(value: number, period: number): number {
  return value - period * Math.floor(value / period + 0.5);
}

/** Plane coordinate of lattice coordinate `c` (site c's centre; any real c, wrapped on the torus). */
export function latticeToPlane(c: number, L: number, size = PLANE_SIZE): number {
  return wrapCentred(((c + 0.5) / L - 0.5) * size, size);
}

/**
 * Grid placement of a side × side layer: unit j (row ⌊j/side⌋, column j mod side) at its cell's
 * centre. Writes (x, z) pairs into `out` (length ≥ 2·side²) and returns it.
 */
export function gridPositions(side: number, size = PLANE_SIZE, out: Float32Array = new Float32Array(2 * side * side)): Float32Array {
  const cell = size / side;
  for (let j = 0; j < side * side; j++) {
    out[2 * j] = ((j % side) + 0.5) * cell - size / 2;
    out[2 * j + 1] = (Math.floor(j / side) + 0.5) * cell - size / 2;
  }
  return out;
}

/**
 * Receptive-field placement: unit j at its centre `centres[j]` (lattice spacings on the L×L
 * torus); a unit without a centre (NaN, or beyond `centres`) keeps its grid position.
 */
export function centrePositions(
  centres: readonly Centre[],
  L: number,
  side: number,
  size = PLANE_SIZE,
  out: Float32Array = new Float32Array(2 * side * side),
): Float32Array {
  gridPositions(side, size, out);
  for (let j = 0; j < side * side; j++) {
    const centre = centres[j];
    if (!centre || !Number.isFinite(centre.x) || !Number.isFinite(centre.y)) continue;
    out[2 * j] = latticeToPlane(centre.x, L, size);
    out[2 * j + 1] = latticeToPlane(centre.y, L, size);
  }
  return out;
}

/** Gap between neighbouring planes for a spacing control in [0, 1] (clamped). */
export function layerGap(spacing: number): number {
  const s = Math.min(1, Math.max(0, Number.isFinite(spacing) ? spacing : 0));
  return GAP_MIN + s * (GAP_MAX - GAP_MIN);
}

/**
 * Height (scene y) of planes 0…count−1 (0 = the lattice), evenly `layerGap(spacing)` apart and
 * centred on y = 0, so the orbit target stays in the middle of the stack as it opens.
 */
export function layerHeights(count: number, spacing: number, out: Float32Array = new Float32Array(count)): Float32Array {
  const gap = layerGap(spacing);
  for (let l = 0; l < count; l++) out[l] = (l - (count - 1) / 2) * gap;
  return out;
}

/** Smooth ease-in-out of t ∈ [0, 1] (clamped): 3t² − 2t³. */
export function ease(t: number): number {
  const u = Math.min(1, Math.max(0, t));
  return u * u * (3 - 2 * u);
}

/**
 * From `from` to `to` on a ring of `period` (the plane seen as a torus): along the shorter way
 * round, wrapped back into [−period/2, period/2). t = 0 gives `from`, t = 1 gives `to` (wrapped).
 */
export function lerpTorus(from: number, to: number, t: number, period = PLANE_SIZE): number {
  return wrapCentred(from + wrapCentred(to - from, period) * t, period);
}

/**
 * Interpolates position arrays of (x, z) pairs on the torus into `out`: out = lerpTorus(from,
 * to, t) entry by entry (no allocation).
 */
export function lerpPositions(from: Float32Array, to: Float32Array, t: number, out: Float32Array, period = PLANE_SIZE): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = lerpTorus(from[i]!, to[i]!, t, period);
  return out;
}
