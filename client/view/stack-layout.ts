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

// --- unit squares and picking ---------------------------------------------------------------

/**
 * Hidden units at the same centre (duplicated features are common) would z-fight and tie in
 * picking: unit j is raised by (j mod 13)·STAGGER, far below what the eye sees, well above the
 * depth buffer's resolution, so one of them is on top and a click picks that one.
 */
export const STAGGER = 0.004;

/** How far unit `unit` of layer `layer` is raised above its layer (0 on the lattice). */
export function stagger(layer: number, unit: number): number {
  return layer > 0 ? (unit % 13) * STAGGER : 0;
}

/**
 * A unit's square: its four corners as (x, z) signs, counter-clockwise seen from above (so the
 * face's front looks up, +y), and the two triangles over them.
 */
export const SQUARE_CORNERS: readonly number[] = [-1, -1, -1, 1, 1, 1, 1, -1];
const SQUARE_TRIANGLES = [0, 1, 2, 0, 2, 3];

/** Triangle indices of `count` squares of four vertices each (Uint32 past 65 536 vertices). */
export function squareIndices(count: number): Uint16Array | Uint32Array {
  const out = 4 * count > 65536 ? new Uint32Array(6 * count) : new Uint16Array(6 * count);
  for (let j = 0; j < count; j++) for (let k = 0; k < 6; k++) out[6 * j + k] = 4 * j + SQUARE_TRIANGLES[k]!;
  return out;
}

/** Each vertex's corner signs (±1, ±1), for `count` squares: where in its square a fragment lies. */
export function squareCorners(count: number): Float32Array {
  const out = new Float32Array(8 * count);
  for (let j = 0; j < count; j++) out.set(SQUARE_CORNERS, 8 * j);
  return out;
}

/** Each vertex's unit as (column, row) = (j mod side, ⌊j/side⌋): its texel in the layer's state texture. */
export function squareCells(side: number): Float32Array {
  const out = new Float32Array(8 * side * side);
  for (let j = 0; j < side * side; j++) {
    for (let k = 0; k < 4; k++) {
      out[8 * j + 2 * k] = j % side;
      out[8 * j + 2 * k + 1] = Math.floor(j / side);
    }
  }
  return out;
}

/**
 * Vertex positions of a layer's squares, relative to the layer's height: unit j's four corners
 * at (x ± halfWidth, lift + stagger(layer, j), z ± halfWidth), its centre (x, z) from `centres`.
 * Writes 12 numbers per unit into `out` and returns it.
 */
export function squareVertices(
  centres: Float32Array,
  units: number,
  layer: number,
  halfWidth: number,
  lift: number,
  out: Float32Array = new Float32Array(12 * units),
): Float32Array {
  for (let j = 0; j < units; j++) {
    const x = centres[2 * j]!;
    const z = centres[2 * j + 1]!;
    const y = lift + stagger(layer, j);
    for (let k = 0; k < 4; k++) {
      const o = 12 * j + 3 * k;
      out[o] = x + SQUARE_CORNERS[2 * k]! * halfWidth;
      out[o + 1] = y;
      out[o + 2] = z + SQUARE_CORNERS[2 * k + 1]! * halfWidth;
    }
  }
  return out;
}

/** A ray: origin + t·direction, t ≥ 0 (three's Ray fits). */
export interface RayLike {
  origin: { x: number; y: number; z: number };
  direction: { x: number; y: number; z: number };
}

/** Where along `ray` it crosses height y (t > 0), else Infinity. */
function crossing(ray: RayLike, y: number): number {
  const dy = ray.direction.y;
  if (dy === 0) return Infinity;
  const t = (y - ray.origin.y) / dy;
  return t > 0 ? t : Infinity;
}

/**
 * The nearest of a layer's squares that `ray` passes through (the squares as squareVertices
 * places them, the layer at height y): the unit and the distance along the ray, or null.
 * Edges count as inside.
 */
export function raySquares(
  ray: RayLike,
  centres: Float32Array,
  units: number,
  layer: number,
  y: number,
  halfWidth: number,
): { unit: number; t: number } | null {
  let best: { unit: number; t: number } | null = null;
  for (let j = 0; j < units; j++) {
    const t = crossing(ray, y + stagger(layer, j));
    if (!(t < (best?.t ?? Infinity))) continue;
    const x = ray.origin.x + t * ray.direction.x;
    const z = ray.origin.z + t * ray.direction.z;
    if (Math.abs(x - centres[2 * j]!) <= halfWidth && Math.abs(z - centres[2 * j + 1]!) <= halfWidth) best = { unit: j, t };
  }
  return best;
}

/**
 * Distance along `ray` to the lattice's L×L sites, each a square `fill` of its cell centred in
 * it, on the plane of side `size` at height y; Infinity through a gap between sites, beyond the
 * plane or parallel to it.
 */
export function rayLattice(ray: RayLike, L: number, y: number, fill: number, size = PLANE_SIZE): number {
  const t = crossing(ray, y);
  if (t === Infinity) return t;
  for (const c of [ray.origin.x + t * ray.direction.x, ray.origin.z + t * ray.direction.z]) {
    const site = (c / size + 0.5) * L;
    if (!(site >= 0 && site <= L)) return Infinity;
    if (Math.abs(site - Math.floor(site) - 0.5) > fill / 2) return Infinity;
  }
  return t;
}
