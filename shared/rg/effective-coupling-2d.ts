/**
 * The effective nearest-neighbour coupling K_eff(l) of each layer of a trained RBM stack on 2D
 * Ising data, with the layer's units placed on the coarse lattice by their receptive fields.
 *
 * An RBM's hidden units have no order of their own (any permutation of them is the same
 * machine), so "neighbouring units" must come from somewhere outside the index. Here it is the
 * receptive field r(l) = W(1)⋯W(l) (shared/learn/receptive-field.ts): unit j of a layer with
 * n = side² units sits where its field is concentrated, and the units are assigned one-to-one
 * to the sites of the coarse side × side periodic lattice of spacing a = L/side laid over the
 * L × L torus. Then, per sample,
 *
 *   c = (1/2n) Σ_sites σ_u s_u (σ_right s_right + σ_down s_down)   (u = the unit at a site),
 *
 * and K_eff solves c(K) = c̄ for the exact energy of the periodic side × side lattice
 * (Kaufman; coupling-inversion.ts), K_eff ± err from c̄ ± δc.
 *
 * Choices, and why:
 *  - Centre: the circular mean on the torus of the field's strong part, |r| above half its
 *    maximum — the rule of the page's 3D view (client/model/network.ts unitCentres), so the
 *    estimator places a unit where the page draws it. The whole-field centroid
 *    (receptive-field.ts fieldCentre of |r|) would pull every centre toward the middle through
 *    the faint background of an L1-trained field.
 *  - Coarse lattice offset: sites at (o_x + aX, o_y + aY), o the per-axis circular mean of the
 *    centres modulo a, so the grid sits where the centres cluster rather than at an arbitrary
 *    origin (a whole-lattice shift changes no correlation; it only changes which unit goes
 *    where). With centres on the lattice sites themselves (an identity layer) o = 0; with 2×2
 *    block centres o = ½.
 *  - Assignment: the optimal one (Hungarian algorithm, O(n³): 6 ms for n = 400 centres near
 *    their sites, ≈ 0.1 s for 400 random ones, in plain TypeScript), minimizing Σ_j d_j² with
 *    d_j the minimum-image distance between unit j's centre and its site. Sorting into rows by y and then columns by x breaks when rows are
 *    ragged or wrap round the torus; a greedy nearest-site assignment leaves the last units far
 *    from their sites. The optimum is unique (and exact) whenever the centres lie on the sites.
 *    The mean and largest displacement are reported: a displacement approaching a/2 means the
 *    fields do not tile the lattice and the placement is as much a convention as the index was.
 *  - Orientation: the Ising symmetry makes a unit that fires for "spins down" as good as one
 *    that fires for "spins up", and the RBM learns both. Each unit's ±1 state (2h − 1) is
 *    multiplied by σ_j = sign of its strong part's summed field, so every unit reads "up" for
 *    up-spins under its field (σ ≡ 1 for positive fields). Without it a layer of mixed-sign
 *    units shows c ≈ 0 whatever the physics.
 *  - Units whose field is zero (no centre) take whatever sites are left; they are counted.
 *  - States: the layer's units sampled, h(l) ~ p(h(l) | h(l−1)) with h(0) the data, layer by
 *    layer (as the live engine's frames are), not thresholded probabilities.
 *  - Error: per-sample correlations, δc = max(naive, binning plateau) (couplingFromSeries), so
 *    consecutive samples of one chain are handled; samples from sampleIsing (spacing ≥ 2τ_int)
 *    are nearly independent and the two agree.
 *
 * Limits. K_eff is the nearest-neighbour coupling that reproduces the measured c on the coarse
 * lattice — a one-number projection of the layer's (in general long-ranged, multi-spin)
 * effective Hamiltonian, not the renormalized coupling of an exact RG. It also depends on the
 * unit convention (2h − 1, sampled) and, for hidden layers, on how well the fields tile the
 * lattice (see the displacement). For the lattice itself (layer 0) K_eff = K within its error.
 *
 * Pure functions over typed arrays; no I/O.
 */
import type { ComputeBackend } from '../learn/backend.js';
import { createJsBackend } from '../learn/backends/js.js';
import { fieldCentre, receptiveFields } from '../learn/receptive-field.js';
import type { RbmStack } from '../learn/stack.js';
import { Rng } from '../physics/rng.js';
import { couplingFromSeries, nearestNeighbourCorrelation, type SeriesCoupling } from './coupling-inversion.js';

/** Where each unit's field is concentrated, and which way it points. */
export interface UnitCentres {
  /** Lattice spacings in [0, L); NaN for a unit whose field is zero. */
  x: Float64Array;
  y: Float64Array;
  /** σ_j = sign of Σ r over the strong part (+1 when zero). */
  orientation: Int8Array;
}

/**
 * The centre of each unit's strong part (|r| above half the column's maximum |r|): its
 * circular mean position on the L×L torus, as client/model/network.ts unitCentres computes it,
 * and its orientation.
 * @param fields (L·L) × units, row-major (entry i·units + j couples spin i to unit j), as receptiveFields returns
 */
export function strongPartCentres(fields: ArrayLike<number>, units: number, L: number): UnitCentres {
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`units must be a positive integer, got ${units}`);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`L must be a positive integer, got ${L}`);
  const sites = L * L;
  if (fields.length !== sites * units) throw new RangeError(`fields must hold ${sites}×${units} values, got ${fields.length}`);
  const x = new Float64Array(units);
  const y = new Float64Array(units);
  const orientation = new Int8Array(units);
  const strong = new Float64Array(sites);
  for (let j = 0; j < units; j++) {
    let max = 0;
    for (let i = 0; i < sites; i++) max = Math.max(max, Math.abs(fields[i * units + j]));
    let signed = 0;
    for (let i = 0; i < sites; i++) {
      const r = fields[i * units + j];
      const excess = Math.abs(r) - max / 2;
      strong[i] = excess > 0 ? excess : 0;
      if (excess > 0) signed += r;
    }
    const c = fieldCentre(strong, L);
    x[j] = c.x;
    y[j] = c.y;
    orientation[j] = signed < 0 ? -1 : 1;
  }
  return { x, y, orientation };
}

/** The units of one layer on the coarse side × side periodic lattice. */
export interface CoarsePlacement {
  side: number;
  /** Linear size of the visible lattice whose coordinates the centres use. */
  L: number;
  /** Coarse lattice spacing a = L / side (visible lattice spacings). */
  spacing: number;
  /** Site (X, Y) sits at (offsetX + aX, offsetY + aY) on the L × L torus. */
  offsetX: number;
  offsetY: number;
  /** unitAtSite[Y·side + X]: the unit placed at coarse site (X, Y). */
  unitAtSite: Int32Array;
  /** siteOfUnit[j]: the coarse site of unit j. */
  siteOfUnit: Int32Array;
  /** σ_j per unit (all +1 when orientation was not used). */
  orientation: Int8Array;
  /** Mean and largest minimum-image distance between a unit's centre and its site (visible spacings; units with a centre). */
  meanDisplacement: number;
  maxDisplacement: number;
  /** Units without a centre (zero field), placed on leftover sites. */
  unplaced: number;
  /** The 2n bonds: pairA[b], pairB[b] are the units at the two ends, pairSign[b] = σ_A σ_B. */
  pairA: Int32Array;
  pairB: Int32Array;
  pairSign: Int8Array;
}

/** Signed minimum-image separation on a ring of length L, in (−L/2, L/2]. */
function wrap(d: number, L: number): number {
  d %= L;
  if (d > L / 2) d -= L;
  else if (d <= -L / 2) d += L;
  return d;
}

/** Per-axis circular mean of the finite values modulo `period`, in [0, period); 0 when none. */
function circularOffset(values: Float64Array, period: number): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const t = (2 * Math.PI * v) / period;
    s += Math.sin(t);
    c += Math.cos(t);
  }
  if (s === 0 && c === 0) return 0;
  let o = (Math.atan2(s, c) * period) / (2 * Math.PI);
  if (o < 0) o += period;
  // Snap round-off (e.g. 1e-16 or period − 1e-16) to the exact lattice offset.
  if (Math.abs(o - Math.round(o * 2) / 2) < 1e-9) o = Math.round(o * 2) / 2;
  return o >= period ? o - period : o;
}

/**
 * Optimal assignment (Hungarian algorithm, shortest augmenting paths with potentials; Kuhn
 * 1955, Munkres 1957, in the O(n³) form of Jonker & Volgenant): rows to columns of the n × n
 * row-major cost matrix minimizing the total cost. Returns columnOfRow.
 */
export function optimalAssignment(cost: Float64Array, n: number): Int32Array {
  if (cost.length !== n * n) throw new RangeError(`cost must hold ${n}×${n} values, got ${cost.length}`);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOfColumn = new Int32Array(n + 1); // 1-based rows, 0 = free
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    rowOfColumn[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOfColumn[j0];
      const base = (i0 - 1) * n - 1;
      const ui0 = u[i0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[base + j] - ui0 - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[rowOfColumn[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (rowOfColumn[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOfColumn[j0] = rowOfColumn[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const columnOfRow = new Int32Array(n);
  for (let j = 1; j <= n; j++) columnOfRow[rowOfColumn[j] - 1] = j - 1;
  return columnOfRow;
}

/** The integer side of a square layer of n units; RangeError when n is not a square ≥ 4. */
export function squareSide(n: number): number {
  const side = Math.round(Math.sqrt(n));
  if (!Number.isInteger(n) || side * side !== n || side < 2) throw new RangeError(`a coarse square lattice needs side² units with side ≥ 2, got ${n}`);
  return side;
}

/** The bonds of a side × side periodic grid whose site s holds unit unitAtSite[s]. */
function bondsOf(unitAtSite: Int32Array, side: number, orientation: Int8Array): Pick<CoarsePlacement, 'pairA' | 'pairB' | 'pairSign'> {
  const n = side * side;
  const pairA = new Int32Array(2 * n);
  const pairB = new Int32Array(2 * n);
  const pairSign = new Int8Array(2 * n);
  let b = 0;
  for (let Y = 0; Y < side; Y++) {
    for (let X = 0; X < side; X++) {
      const a = unitAtSite[Y * side + X];
      for (const other of [unitAtSite[Y * side + ((X + 1) % side)], unitAtSite[((Y + 1) % side) * side + X]]) {
        pairA[b] = a;
        pairB[b] = other;
        pairSign[b] = orientation[a] * orientation[other];
        b++;
      }
    }
  }
  return { pairA, pairB, pairSign };
}

/**
 * Places n = side² units, given their centres on the L × L torus, on the coarse side × side
 * lattice (see the file header): offset by the circular mean, optimal assignment minimizing
 * the summed squared displacement.
 * @param orientation σ_j per unit; omit for all +1
 */
export function placeUnits(centres: { x: ArrayLike<number>; y: ArrayLike<number> }, L: number, orientation?: Int8Array): CoarsePlacement {
  const n = centres.x.length;
  if (centres.y.length !== n) throw new RangeError(`centres: ${n} x but ${centres.y.length} y`);
  const side = squareSide(n);
  if (!(L > 0)) throw new RangeError(`L must be > 0, got ${L}`);
  const sigma = orientation ?? new Int8Array(n).fill(1);
  if (sigma.length !== n) throw new RangeError(`orientation must hold ${n} values, got ${sigma.length}`);
  const a = L / side;
  const cx = Float64Array.from(centres.x);
  const cy = Float64Array.from(centres.y);
  const offsetX = circularOffset(cx, a);
  const offsetY = circularOffset(cy, a);
  const cost = new Float64Array(n * n);
  let unplaced = 0;
  for (let j = 0; j < n; j++) {
    const ok = Number.isFinite(cx[j]) && Number.isFinite(cy[j]);
    if (!ok) unplaced++;
    for (let s = 0; s < n; s++) {
      if (!ok) continue; // cost 0: any leftover site
      const dx = wrap(cx[j] - (offsetX + a * (s % side)), L);
      const dy = wrap(cy[j] - (offsetY + a * Math.floor(s / side)), L);
      cost[j * n + s] = dx * dx + dy * dy;
    }
  }
  const siteOfUnit = optimalAssignment(cost, n);
  const unitAtSite = new Int32Array(n);
  let sum = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    unitAtSite[siteOfUnit[j]] = j;
    if (!(Number.isFinite(cx[j]) && Number.isFinite(cy[j]))) continue;
    const d = Math.sqrt(cost[j * n + siteOfUnit[j]]);
    sum += d;
    max = Math.max(max, d);
  }
  const placed = n - unplaced;
  return {
    side,
    L,
    spacing: a,
    offsetX,
    offsetY,
    unitAtSite,
    siteOfUnit,
    orientation: Int8Array.from(sigma),
    meanDisplacement: placed > 0 ? sum / placed : NaN,
    maxDisplacement: placed > 0 ? max : NaN,
    unplaced,
    ...bondsOf(unitAtSite, side, sigma),
  };
}

/**
 * The placement of a layer from its receptive fields ((L·L) × units, as receptiveFields
 * returns): strong-part centres, orientations (unless `orient` is false), placeUnits.
 */
export function placementFromFields(fields: ArrayLike<number>, units: number, L: number, options: { orient?: boolean } = {}): CoarsePlacement {
  const centres = strongPartCentres(fields, units, L);
  return placeUnits(centres, L, options.orient === false ? undefined : centres.orientation);
}

/** The lattice itself: unit y·L + x at site (x, y), all +1 (layer 0). */
export function identityPlacement(side: number): CoarsePlacement {
  const n = squareSide(side * side);
  const unitAtSite = Int32Array.from({ length: n }, (_, i) => i);
  const orientation = new Int8Array(n).fill(1);
  return {
    side,
    L: side,
    spacing: 1,
    offsetX: 0,
    offsetY: 0,
    unitAtSite,
    siteOfUnit: unitAtSite.slice(),
    orientation,
    meanDisplacement: 0,
    maxDisplacement: 0,
    unplaced: 0,
    ...bondsOf(unitAtSite, side, orientation),
  };
}

/**
 * c of one configuration of the layer's units under `placement`: (1/2n) Σ_bonds σσ' s s'.
 * O(n) per call — the per-frame cost once the placement is known.
 * @param states the units' states by unit index: ±1, or 0/1 when `binary`
 * @param offset index of unit 0 in `states` (rows of a batch)
 */
export function placedCorrelation(placement: CoarsePlacement, states: ArrayLike<number>, binary = false, offset = 0): number {
  const { pairA, pairB, pairSign } = placement;
  const n = placement.side * placement.side;
  if (states.length < offset + n) throw new RangeError(`the placement needs ${n} states, got ${states.length - offset}`);
  let sum = 0;
  if (binary) {
    for (let b = 0; b < pairA.length; b++) sum += pairSign[b] * (2 * states[offset + pairA[b]] - 1) * (2 * states[offset + pairB[b]] - 1);
  } else {
    for (let b = 0; b < pairA.length; b++) sum += pairSign[b] * states[offset + pairA[b]] * states[offset + pairB[b]];
  }
  return sum / pairA.length;
}

/** K_eff of one layer: the series estimate plus how the units were placed. */
export interface LayerCoupling2d extends SeriesCoupling {
  /** 0 = the lattice. */
  layer: number;
  units: number;
  side: number;
  meanDisplacement: number;
  maxDisplacement: number;
  /** Coarse spacing a = L/side in visible lattice spacings. */
  spacing: number;
  unplaced: number;
}

/**
 * K_eff ± err of a layer from `rows` configurations of its units (rows × n, row-major,
 * by unit index) under `placement`, the per-row correlations analysed as a series.
 */
export function layerCoupling(states: ArrayLike<number>, rows: number, placement: CoarsePlacement, options: { binary?: boolean; layer?: number } = {}): LayerCoupling2d {
  const n = placement.side * placement.side;
  if (!Number.isInteger(rows) || rows < 2) throw new RangeError(`rows must be an integer ≥ 2, got ${rows}`);
  if (states.length < rows * n) throw new RangeError(`${rows} rows of ${n} units need ${rows * n} states, got ${states.length}`);
  const series = new Float64Array(rows);
  for (let r = 0; r < rows; r++) series[r] = placedCorrelation(placement, states, options.binary ?? false, r * n);
  return {
    layer: options.layer ?? 0,
    units: n,
    side: placement.side,
    meanDisplacement: placement.meanDisplacement,
    maxDisplacement: placement.maxDisplacement,
    spacing: placement.spacing,
    unplaced: placement.unplaced,
    ...couplingFromSeries(series, placement.side),
  };
}

/** A layer whose unit count is not a square ≥ 4 has no coarse square lattice. */
export interface NonSquareLayer {
  layer: number;
  units: number;
  kEff: null;
  reason: string;
}

export interface StackCouplingOptions {
  /** Default: the js backend. */
  backend?: ComputeBackend;
  /** Draws the hidden states; default Rng(1, 0). */
  rng?: Rng;
  /** Orientation gauge σ_j (default true; see the file header). */
  orient?: boolean;
  /** Placements already computed (index l − 1 for layer l), e.g. cached by the caller. */
  placements?: (CoarsePlacement | null)[];
}

const TWO_TO_MINUS_32 = 2.3283064365386963e-10;
const CHUNK = 256;

/**
 * K_eff(l) ± err for l = 0 (the lattice, by index) … n (each hidden layer, RF-centre placed)
 * of a stack on `rows` visible configurations `data` (rows × L², 0/1, row-major), the
 * hidden states sampled layer by layer. Layers that are not square get a NonSquareLayer.
 */
export function stackCouplings(stack: RbmStack, data: ArrayLike<number>, rows: number, options: StackCouplingOptions = {}): (LayerCoupling2d | NonSquareLayer)[] {
  const backend = options.backend ?? createJsBackend();
  const rng = options.rng ?? new Rng(1, 0);
  const sizes = stack.sizes;
  const N = sizes[0];
  const L = squareSide(N);
  if (!Number.isInteger(rows) || rows < 2) throw new RangeError(`rows must be an integer ≥ 2, got ${rows}`);
  if (data.length < rows * N) throw new RangeError(`${rows} rows of ${N} spins need ${rows * N} values, got ${data.length}`);

  const placements: (CoarsePlacement | null)[] = stack.layers.map((rbm, l) => {
    const given = options.placements?.[l];
    if (given) return given;
    const n = rbm.hidden;
    const side = Math.round(Math.sqrt(n));
    if (side * side !== n || side < 2) return null;
    return placementFromFields(receptiveFields(stack, l + 1, backend), n, L, { orient: options.orient });
  });

  const series = sizes.map(() => new Float64Array(rows));
  const input = new Float32Array(CHUNK * N);
  const buffers = stack.layers.map((rbm) => new Float32Array(CHUNK * rbm.hidden));
  for (let start = 0; start < rows; start += CHUNK) {
    const m = Math.min(CHUNK, rows - start);
    for (let i = 0; i < m * N; i++) input[i] = data[start * N + i] > 0 ? 1 : 0;
    for (let r = 0; r < m; r++) series[0][start + r] = nearestNeighbourCorrelation(input.subarray(r * N, (r + 1) * N), L, true);
    let below = input;
    stack.layers.forEach((rbm, l) => {
      const h = buffers[l];
      rbm.hiddenProbabilities(backend, below, m, h);
      for (let i = 0; i < m * rbm.hidden; i++) h[i] = rng.nextUint32() * TWO_TO_MINUS_32 < h[i] ? 1 : 0;
      const placement = placements[l];
      if (placement) for (let r = 0; r < m; r++) series[l + 1][start + r] = placedCorrelation(placement, h, true, r * rbm.hidden);
      below = h;
    });
  }

  const out: (LayerCoupling2d | NonSquareLayer)[] = [
    { layer: 0, units: N, side: L, meanDisplacement: 0, maxDisplacement: 0, spacing: 1, unplaced: 0, ...couplingFromSeries(series[0], L) },
  ];
  stack.layers.forEach((rbm, l) => {
    const placement = placements[l];
    if (!placement) {
      out.push({ layer: l + 1, units: rbm.hidden, kEff: null, reason: `${rbm.hidden} units do not form a square lattice` });
      return;
    }
    out.push({
      layer: l + 1,
      units: rbm.hidden,
      side: placement.side,
      meanDisplacement: placement.meanDisplacement,
      maxDisplacement: placement.maxDisplacement,
      spacing: placement.spacing,
      unplaced: placement.unplaced,
      ...couplingFromSeries(series[l + 1], placement.side),
    });
  });
  return out;
}
