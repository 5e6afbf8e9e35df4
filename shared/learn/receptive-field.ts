/**
 * Effective receptive fields of a stack (the paper's Appendix B) and how local they are.
 *
 *   r(1) = W(1),   r(l) = r(l−1) · W(l)        (n(0) × n(l), column j = unit j of layer l)
 *
 * Column j of r(l) says how strongly hidden unit j of layer l couples, through the layers
 * below, to each visible spin. On an L×L periodic visible lattice (spin index y·L + x) the
 * metrics below describe one column as a |r|-weighted cloud on the torus. Distances and
 * coordinates are in lattice spacings; x, y run over [0, L).
 */
import type { ComputeBackend } from './backend.js';
import type { RbmStack } from './stack.js';

/**
 * r(layer) for layer 1..L of the stack: a new Float32Array n(0) × n(layer), row-major
 * (entry i·n(layer) + j couples visible spin i to unit j). Products run on `backend` when
 * given, else in plain loops with float64 accumulation.
 */
export function receptiveFields(stack: RbmStack, layer: number, backend?: ComputeBackend): Float32Array {
  const L = stack.layers.length;
  if (!Number.isInteger(layer) || layer < 1 || layer > L) throw new RangeError(`layer must be an integer in [1, ${L}], got ${layer}`);
  const n0 = stack.layers[0].visible;
  let r = stack.layers[0].weights.slice();
  for (let l = 1; l < layer; l++) {
    const { visible: k, hidden: n, weights: w } = stack.layers[l];
    const next = new Float32Array(n0 * n);
    if (backend) backend.gemm(false, false, n0, n, k, 1, r, w, 0, next);
    else {
      const acc = new Float64Array(n);
      for (let i = 0; i < n0; i++) {
        acc.fill(0);
        for (let p = 0; p < k; p++) {
          const rip = r[i * k + p];
          if (rip === 0) continue;
          for (let j = 0; j < n; j++) acc[j] += rip * w[p * n + j];
        }
        next.set(acc, i * n);
      }
    }
    r = next;
  }
  return r;
}

/** Column `unit` of a visible × units field matrix: the receptive field of one unit, length visible. */
export function fieldOfUnit(fields: Float32Array, units: number, unit: number, out?: Float32Array): Float32Array {
  if (!Number.isInteger(unit) || unit < 0 || unit >= units) throw new RangeError(`unit must be an integer in [0, ${units}), got ${unit}`);
  const visible = Math.floor(fields.length / units);
  const f = out ?? new Float32Array(visible);
  for (let i = 0; i < visible; i++) f[i] = fields[i * units + unit];
  return f;
}

function checkField(field: ArrayLike<number>, L: number): void {
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`lattice size L must be a positive integer, got ${L}`);
  if (field.length !== L * L) throw new RangeError(`a field on an ${L}×${L} lattice has ${L * L} entries, got ${field.length}`);
}

/** Signed minimum-image separation a − b on a ring of L sites, in (−L/2, L/2]. */
function wrap(d: number, L: number): number {
  d %= L;
  if (d > L / 2) d -= L;
  else if (d <= -L / 2) d += L;
  return d;
}

/** A point on the L×L torus, lattice spacings, each coordinate in [0, L). */
export interface FieldCentre {
  x: number;
  y: number;
}

/**
 * The |r|-weighted circular mean position of a field on the torus, per axis:
 * x̄ = (L/2π)·atan2(Σ|r| sin(2πx/L), Σ|r| cos(2πx/L)) mod L, likewise ȳ.
 * NaN coordinates when the field is zero everywhere; arbitrary (but finite) when the weight
 * is spread evenly round an axis (no preferred position).
 */
export function fieldCentre(field: ArrayLike<number>, L: number): FieldCentre {
  checkField(field, L);
  const k = (2 * Math.PI) / L;
  const sin = Float64Array.from({ length: L }, (_, t) => Math.sin(k * t));
  const cos = Float64Array.from({ length: L }, (_, t) => Math.cos(k * t));
  let sx = 0;
  let cx = 0;
  let sy = 0;
  let cy = 0;
  let total = 0;
  for (let y = 0; y < L; y++) {
    let row = 0;
    for (let x = 0; x < L; x++) {
      const a = Math.abs(field[y * L + x]);
      row += a;
      sx += a * sin[x];
      cx += a * cos[x];
    }
    total += row;
    sy += row * sin[y];
    cy += row * cos[y];
  }
  if (!(total > 0)) return { x: NaN, y: NaN };
  const toSite = (s: number, c: number) => {
    const t = Math.atan2(s, c) / k;
    return t < 0 ? t + L : t >= L ? t - L : t;
  };
  return { x: toSite(sx, cx), y: toSite(sy, cy) };
}

/** Calls visit(|r|, d²) for every site, d the minimum-image distance to the field's centre. */
function eachDistance(field: ArrayLike<number>, L: number, visit: (weight: number, d2: number) => void): void {
  const c = fieldCentre(field, L);
  for (let y = 0; y < L; y++) {
    const dy = wrap(y - c.y, L);
    for (let x = 0; x < L; x++) {
      const dx = wrap(x - c.x, L);
      visit(Math.abs(field[y * L + x]), dx * dx + dy * dy);
    }
  }
}

/**
 * Radius of gyration R = sqrt(Σ|r|·d² / Σ|r|) about fieldCentre, d the periodic
 * minimum-image distance (lattice spacings). 0 for a single site; sqrt(4/3) for a uniform 3×3
 * block. NaN for an all-zero field.
 */
export function fieldRadius(field: ArrayLike<number>, L: number): number {
  let num = 0;
  let den = 0;
  eachDistance(field, L, (w, d2) => {
    num += w * d2;
    den += w;
  });
  return Math.sqrt(num / den);
}

/**
 * Share of the field's weight Σ|r| lying within `radius` lattice spacings (inclusive) of
 * fieldCentre on the torus, in [0, 1]. NaN for an all-zero field.
 */
export function fractionWithin(field: ArrayLike<number>, L: number, radius = 3): number {
  if (!(radius >= 0)) throw new RangeError(`radius must be ≥ 0, got ${radius}`);
  const r2 = radius * radius * (1 + 1e-12) + 1e-12;
  let inside = 0;
  let total = 0;
  eachDistance(field, L, (w, d2) => {
    total += w;
    if (d2 <= r2) inside += w;
  });
  return inside / total;
}

/** fieldCentre, fieldRadius and fractionWithin for every column of a visible × units field matrix. */
export interface FieldMetrics {
  centreX: Float64Array;
  centreY: Float64Array;
  radius: Float64Array;
  fractionWithin: Float64Array;
}

/** The metrics of every unit's field; `fields` is (L·L) × units row-major, as receptiveFields returns. */
export function fieldMetrics(fields: Float32Array, units: number, L: number, radius = 3): FieldMetrics {
  if (fields.length !== L * L * units) throw new RangeError(`fields must hold ${L}·${L}×${units} values, got ${fields.length}`);
  const m: FieldMetrics = {
    centreX: new Float64Array(units),
    centreY: new Float64Array(units),
    radius: new Float64Array(units),
    fractionWithin: new Float64Array(units),
  };
  const f = new Float32Array(L * L);
  for (let j = 0; j < units; j++) {
    fieldOfUnit(fields, units, j, f);
    const c = fieldCentre(f, L);
    m.centreX[j] = c.x;
    m.centreY[j] = c.y;
    m.radius[j] = fieldRadius(f, L);
    m.fractionWithin[j] = fractionWithin(f, L, radius);
  }
  return m;
}
