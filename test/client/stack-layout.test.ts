/**
 * The 3D stack's geometry: grid and receptive-field placement line the layers up with the
 * lattice beneath, heights follow the spacing control, and moves go the short way round the torus.
 */
import { describe, expect, it } from 'vitest';
import {
  centrePositions,
  ease,
  GAP_MAX,
  GAP_MIN,
  gridPositions,
  latticeToPlane,
  layerGap,
  layerHeights,
  lerpPositions,
  lerpTorus,
  PLANE_SIZE,
  rayLattice,
  raySquares,
  sameShape,
  shapeOf,
  SQUARE_CORNERS,
  squareCells,
  squareCorners,
  squareIndices,
  squareVertices,
  STAGGER,
  stagger,
  wrapCentred,
  type RayLike,
} from '../../client/view/stack-layout.js';

const S = PLANE_SIZE;

describe('shapeOf', () => {
  it('takes L from the settings and the sides from the frame', () => {
    const frame = { layers: [{ side: 20, units: 400 }, { side: 10, units: 100 }, { side: 5, units: 25 }] };
    expect(shapeOf({ L: 40, layers: [1, 1] }, frame)).toEqual({ L: 40, sides: [20, 10, 5] });
  });

  it('falls back to the settings’ unit counts, then to the network’s L', () => {
    expect(shapeOf({ L: 40, layers: [400, 100, 25] }, null)).toEqual({ L: 40, sides: [20, 10, 5] });
    expect(shapeOf(null, null, 16)).toEqual({ L: 16, sides: [] });
    expect(shapeOf(null, null)).toBeNull();
  });

  it('compares shapes by value', () => {
    expect(sameShape({ L: 40, sides: [20, 10] }, { L: 40, sides: [20, 10] })).toBe(true);
    expect(sameShape({ L: 40, sides: [20, 10] }, { L: 40, sides: [20, 10, 5] })).toBe(false);
    expect(sameShape({ L: 40, sides: [20] }, { L: 32, sides: [20] })).toBe(false);
    expect(sameShape(null, null)).toBe(true);
    expect(sameShape(null, { L: 4, sides: [] })).toBe(false);
  });
});

describe('placement', () => {
  it('wraps into [−P/2, P/2)', () => {
    expect(wrapCentred(0, 10)).toBe(0);
    expect(wrapCentred(5, 10)).toBe(-5);
    expect(wrapCentred(-5, 10)).toBe(-5);
    expect(wrapCentred(12, 10)).toBeCloseTo(2, 12);
    expect(wrapCentred(-7, 10)).toBeCloseTo(3, 12);
  });

  it('puts lattice site x at the centre of its cell', () => {
    expect(latticeToPlane(0, 40)).toBeCloseTo(-S / 2 + S / 80, 12);
    expect(latticeToPlane(39, 40)).toBeCloseTo(S / 2 - S / 80, 12);
    expect(latticeToPlane(19.5, 40)).toBeCloseTo(0, 12);
    // Past the last site's cell the torus wraps to the first.
    expect(latticeToPlane(39.75, 40)).toBeCloseTo(-S / 2 + S / 160, 12);
    expect(latticeToPlane(40, 40)).toBeCloseTo(latticeToPlane(0, 40), 12);
  });

  it('places a grid by row ⌊j/side⌋ and column j mod side, centred on the plane', () => {
    const grid = gridPositions(4);
    expect(grid).toHaveLength(32);
    // Unit 0: top-left cell; unit 6: row 1, column 2; unit 15: bottom-right cell.
    expect([grid[0], grid[1]]).toEqual([-3.75, -3.75]);
    expect([grid[12], grid[13]]).toEqual([1.25, -1.25]);
    expect([grid[30], grid[31]]).toEqual([3.75, 3.75]);
  });

  it('lines a grid layer up with the block of sites beneath each unit', () => {
    // Unit (row r, column c) of a 20×20 layer over L = 40 covers sites 2c, 2c+1: its centre is
    // the block's centre, lattice coordinate 2c + 0.5.
    const grid = gridPositions(20);
    for (const [r, c] of [[0, 0], [3, 17], [19, 19]] as const) {
      const j = r * 20 + c;
      expect(grid[2 * j]).toBeCloseTo(latticeToPlane(2 * c + 0.5, 40), 5);
      expect(grid[2 * j + 1]).toBeCloseTo(latticeToPlane(2 * r + 0.5, 40), 5);
    }
  });

  it('puts units at their receptive-field centres, NaN and missing centres on the grid', () => {
    const centres = [{ x: 0, y: 0 }, { x: NaN, y: NaN }, { x: 20, y: 39.9 }];
    const out = centrePositions(centres, 40, 2);
    const grid = gridPositions(2);
    expect(out[0]).toBeCloseTo(latticeToPlane(0, 40), 6);
    expect(out[1]).toBeCloseTo(latticeToPlane(0, 40), 6);
    expect([out[2], out[3]]).toEqual([grid[2], grid[3]]);
    expect(out[4]).toBeCloseTo(latticeToPlane(20, 40), 6);
    expect(out[5]).toBeCloseTo(latticeToPlane(39.9, 40), 6);
    expect([out[6], out[7]]).toEqual([grid[6], grid[7]]);
    for (const v of out) expect(v >= -S / 2 && v < S / 2).toBe(true);
  });

  it('reuses the output array', () => {
    const out = new Float32Array(8);
    expect(gridPositions(2, S, out)).toBe(out);
    expect(centrePositions([], 40, 2, S, out)).toBe(out);
  });
});

describe('layer heights', () => {
  it('maps the spacing control linearly onto the gap, clamped', () => {
    expect(layerGap(0)).toBe(GAP_MIN);
    expect(layerGap(1)).toBe(GAP_MAX);
    expect(layerGap(0.5)).toBeCloseTo((GAP_MIN + GAP_MAX) / 2, 12);
    expect(layerGap(-3)).toBe(GAP_MIN);
    expect(layerGap(7)).toBe(GAP_MAX);
    expect(layerGap(NaN)).toBe(GAP_MIN);
  });

  it('stacks the planes evenly, lattice lowest, centred on y = 0', () => {
    const heights = layerHeights(4, 1);
    expect(Array.from(heights)).toEqual([-1.5 * GAP_MAX, -0.5 * GAP_MAX, 0.5 * GAP_MAX, 1.5 * GAP_MAX].map((h) => Math.fround(h)));
    expect(Array.from(layerHeights(1, 0.3))).toEqual([0]);
    const a = layerHeights(4, 0.2);
    const b = layerHeights(4, 0.8);
    for (let l = 1; l < 4; l++) expect(b[l]! - b[l - 1]!).toBeGreaterThan(a[l]! - a[l - 1]!);
  });
});

describe('animation', () => {
  it('eases from 0 to 1 smoothly and clamps', () => {
    expect(ease(0)).toBe(0);
    expect(ease(1)).toBe(1);
    expect(ease(0.5)).toBe(0.5);
    expect(ease(-1)).toBe(0);
    expect(ease(2)).toBe(1);
    for (let t = 0; t < 1; t += 0.1) expect(ease(t + 0.1)).toBeGreaterThanOrEqual(ease(t));
  });

  it('moves the short way round the torus', () => {
    expect(lerpTorus(1, 3, 0.5, 10)).toBeCloseTo(2, 12);
    // From 4 to −4 is 2 to the right across the edge, not 8 to the left.
    expect(lerpTorus(4, -4, 0.25, 10)).toBeCloseTo(4.5, 12);
    expect(lerpTorus(4, -4, 0.75, 10)).toBeCloseTo(-4.5, 12);
    expect(lerpTorus(4, -4, 0, 10)).toBeCloseTo(4, 12);
    expect(lerpTorus(4, -4, 1, 10)).toBeCloseTo(-4, 12);
  });

  it('interpolates position arrays in place', () => {
    const from = Float32Array.of(0, 4.5);
    const to = Float32Array.of(2, -4.5);
    const out = new Float32Array(2);
    expect(lerpPositions(from, to, 0.5, out, 10)).toBe(out);
    expect(out[0]).toBeCloseTo(1, 6);
    expect(Math.abs(out[1]!)).toBeCloseTo(5, 6);
  });
});

describe('unit squares', () => {
  it('winds each square counter-clockwise seen from above, so its front faces up', () => {
    const index = squareIndices(1);
    const corner = (k: number): [number, number, number] => [SQUARE_CORNERS[2 * k]!, 0, SQUARE_CORNERS[2 * k + 1]!];
    for (let t = 0; t < 2; t++) {
      const [a, b, c] = [0, 1, 2].map((i) => corner(index[3 * t + i]!));
      const u = [b![0] - a![0], b![1] - a![1], b![2] - a![2]];
      const v = [c![0] - a![0], c![1] - a![1], c![2] - a![2]];
      // y of u × v: the normal points up.
      expect(u[2]! * v[0]! - u[0]! * v[2]!).toBeGreaterThan(0);
    }
  });

  it('indexes two triangles per square over its own four vertices', () => {
    const index = squareIndices(3);
    expect(index).toBeInstanceOf(Uint16Array);
    expect(index).toHaveLength(18);
    for (let j = 0; j < 3; j++) {
      const own = Array.from(index.subarray(6 * j, 6 * j + 6));
      expect(new Set(own)).toEqual(new Set([4 * j, 4 * j + 1, 4 * j + 2, 4 * j + 3]));
    }
    expect(squareIndices(16385)).toBeInstanceOf(Uint32Array); // past 65 536 vertices
  });

  it('gives each vertex its corner and its unit’s (column, row) texel', () => {
    const corners = squareCorners(2);
    expect(Array.from(corners)).toEqual([...SQUARE_CORNERS, ...SQUARE_CORNERS]);
    const cells = squareCells(3);
    expect(cells).toHaveLength(8 * 9);
    // Unit 5: row 1, column 2, the same at all four vertices.
    for (let k = 0; k < 4; k++) expect([cells[40 + 2 * k], cells[41 + 2 * k]]).toEqual([2, 1]);
  });

  it('places each square around its centre, raised by its stagger', () => {
    const centres = Float32Array.of(1, -2, 3, 4);
    const out = squareVertices(centres, 2, 1, 0.5, 0.1);
    expect(out).toHaveLength(24);
    for (let j = 0; j < 2; j++) {
      const xs = [0, 1, 2, 3].map((k) => out[12 * j + 3 * k]!);
      const ys = [0, 1, 2, 3].map((k) => out[12 * j + 3 * k + 1]!);
      const zs = [0, 1, 2, 3].map((k) => out[12 * j + 3 * k + 2]!);
      expect([Math.min(...xs), Math.max(...xs)]).toEqual([centres[2 * j]! - 0.5, centres[2 * j]! + 0.5]);
      expect([Math.min(...zs), Math.max(...zs)]).toEqual([centres[2 * j + 1]! - 0.5, centres[2 * j + 1]! + 0.5]);
      for (const y of ys) expect(y).toBeCloseTo(0.1 + stagger(1, j), 6);
    }
    // The lattice is not staggered; hidden units are, by (j mod 13)·STAGGER.
    expect(stagger(0, 7)).toBe(0);
    expect(stagger(2, 14)).toBeCloseTo(STAGGER, 12);
  });
});

describe('picking', () => {
  /** A ray from (x, 10, z) straight down, or from `origin` toward `target`. */
  const down = (x: number, z: number): RayLike => ({ origin: { x, y: 10, z }, direction: { x: 0, y: -1, z: 0 } });
  const toward = (origin: [number, number, number], target: [number, number, number]): RayLike => {
    const d = target.map((t, i) => t - origin[i]!);
    const n = Math.hypot(...d);
    return { origin: { x: origin[0], y: origin[1], z: origin[2] }, direction: { x: d[0]! / n, y: d[1]! / n, z: d[2]! / n } };
  };

  it('hits the square under the ray, edges included, and nothing between squares', () => {
    const grid = gridPositions(2); // centres at ±2.5
    expect(raySquares(down(2.5, -2.5), grid, 4, 1, 0, 1)?.unit).toBe(1);
    expect(raySquares(down(-1.5, 3.5), grid, 4, 1, 0, 1)?.unit).toBe(2);
    expect(raySquares(down(0, 0), grid, 4, 1, 0, 1)).toBeNull();
    const hit = raySquares(down(-2.5, -2.5), grid, 4, 1, 2, 1)!;
    expect(hit.unit).toBe(0);
    expect(hit.t).toBeCloseTo(8, 6);
  });

  it('picks the highest of squares at the same centre (the stagger decides), from above', () => {
    const centres = new Float32Array(2 * 13); // 13 units at the origin, unit j raised j·STAGGER
    expect(raySquares(down(0.1, 0.1), centres, 13, 1, 0, 0.5)?.unit).toBe(12);
  });

  it('misses what lies behind the ray or level with it', () => {
    const grid = gridPositions(2);
    expect(raySquares({ origin: { x: 2.5, y: -1, z: 2.5 }, direction: { x: 0, y: -1, z: 0 } }, grid, 4, 1, 0, 1)).toBeNull();
    expect(raySquares({ origin: { x: -9, y: 0.5, z: 2.5 }, direction: { x: 1, y: 0, z: 0 } }, grid, 4, 1, 0.5, 1)).toBeNull();
  });

  it('finds the square where a slanted ray crosses its height', () => {
    const grid = gridPositions(4); // unit 5 (row 1, column 1) centred at (−1.25, −1.25)
    const ray = toward([7, 10, 22], [-1.25, 1, -1.25]);
    const hit = raySquares(ray, grid, 16, 1, 1, 0.3)!;
    expect(hit.unit).toBe(5);
    expect(ray.origin.y + hit.t * ray.direction.y).toBeCloseTo(1 + stagger(1, 5), 6);
  });

  it('hits the lattice on a site, not in the gaps between sites or beyond the plane', () => {
    // L = 10 on a plane of 10: sites are unit cells, filled 0.9.
    expect(rayLattice(down(latticeToPlane(3, 10, 10), latticeToPlane(7, 10, 10)), 10, -1, 0.9, 10)).toBeCloseTo(11, 6);
    expect(rayLattice(down(latticeToPlane(3.44, 10, 10), 0.5), 10, -1, 0.9, 10)).toBeCloseTo(11, 6);
    expect(rayLattice(down(latticeToPlane(3.47, 10, 10), 0.5), 10, -1, 0.9, 10)).toBe(Infinity); // gap
    expect(rayLattice(down(0.5, 0), 10, -1, 0.9, 10)).toBe(Infinity); // the gap between sites 4 and 5
    expect(rayLattice(down(5.5, 0.5), 10, -1, 0.9, 10)).toBe(Infinity); // off the plane
    expect(rayLattice({ origin: { x: 0.5, y: -3, z: 0.5 }, direction: { x: 0, y: -1, z: 0 } }, 10, -1, 0.9, 10)).toBe(Infinity); // behind
  });
});
