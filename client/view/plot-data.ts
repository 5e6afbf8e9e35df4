/**
 * The plotted histories as uPlot's aligned columns: one x column (seconds since the first
 * point) and one column per series, `null` where there is no value (before burn-in, before the
 * first minibatch, a layer that did not exist yet) so that uPlot draws a gap, never a zero.
 * A measured value m ± δ becomes three columns (m, m + δ, m − δ): the line and the two edges
 * of its error band. Pure functions over the history; no DOM, no uPlot.
 */
import type { HistoryPoint } from '../state/session-state.js';
import { CRITICAL_COUPLING } from '../../shared/physics/ising.js';
import { decimalsForError, fixed } from '../ui/format.js';

/** One series' values, aligned with the x column; null is a gap. */
export type Column = (number | null)[];

/** A measured series and the edges of its ±1σ band (null wherever the mean or the error is missing). */
export interface BandColumns {
  mean: Column;
  hi: Column;
  lo: Column;
}

/** A value ± error as the payloads carry it. */
export interface Measured {
  mean: number | null;
  err: number | null;
}

const finite = (value: number | null | undefined): number | null =>
  value !== null && value !== undefined && Number.isFinite(value) ? value : null;

/** x: seconds since the history's first point. */
export function timeColumn(history: readonly HistoryPoint[]): number[] {
  const t0 = history[0]?.t ?? 0;
  return history.map((point) => point.t - t0);
}

/** Columns of a measured series: the mean, and mean ± err where both are known. */
export function bandColumns(values: readonly (Measured | null | undefined)[]): BandColumns {
  const mean: Column = [];
  const hi: Column = [];
  const lo: Column = [];
  for (const value of values) {
    const m = finite(value?.mean);
    const e = finite(value?.err);
    mean.push(m);
    hi.push(m !== null && e !== null ? m + Math.abs(e) : null);
    lo.push(m !== null && e !== null ? m - Math.abs(e) : null);
  }
  return { mean, hi, lo };
}

/** Columns of chart (a), in series order: [x, e, e+δ, e−δ, e_exact, |m|, |m|+δ, |m|−δ, m₀]. */
export function energyMagnetizationColumns(history: readonly HistoryPoint[]): Column[] {
  const e = bandColumns(history.map((p) => p.metrics.energy));
  const m = bandColumns(history.map((p) => p.metrics.absMagnetization));
  return [
    timeColumn(history),
    e.mean,
    e.hi,
    e.lo,
    history.map((p) => finite(p.metrics.energy.exact)),
    m.mean,
    m.hi,
    m.lo,
    history.map((p) => finite(p.metrics.absMagnetization.exactInfinite)),
  ];
}

/** Hidden layers n seen anywhere in the history (training[] and couplingTrajectory[] name layers 1…n and 0…n). */
export function layerCount(history: readonly HistoryPoint[]): number {
  let n = 0;
  for (const { metrics } of history) {
    for (const t of metrics.training) n = Math.max(n, t.layer);
    for (const c of metrics.couplingTrajectory) n = Math.max(n, c.layer);
  }
  return n;
}

/**
 * Columns of chart (b): [x, layer 1, …, layer n] reconstruction errors; with `logScale`,
 * values ≤ 0 (which a log axis cannot show) are gaps too.
 */
export function trainingColumns(history: readonly HistoryPoint[], layers: number, logScale = true): Column[] {
  const columns: Column[] = [timeColumn(history)];
  for (let l = 1; l <= layers; l++) {
    columns.push(
      history.map((p) => {
        const value = finite(p.metrics.training.find((t) => t.layer === l)?.reconstructionError);
        return value !== null && logScale && value <= 0 ? null : value;
      }),
    );
  }
  return columns;
}

/**
 * Columns of chart (c): [x, K_c, K, then for each layer l = 0…n: K_eff, K_eff + δ, K_eff − δ].
 * K_c = ln(1+√2)/2 (Onsager) is constant; K is the session's coupling at each point.
 */
export function couplingColumns(history: readonly HistoryPoint[], layers: number): Column[] {
  const columns: Column[] = [timeColumn(history), history.map(() => CRITICAL_COUPLING), history.map((p) => finite(p.metrics.coupling))];
  for (let l = 0; l <= layers; l++) {
    const band = bandColumns(
      history.map((p) => {
        const c = p.metrics.couplingTrajectory.find((entry) => entry.layer === l);
        return c ? { mean: c.kEff, err: c.err } : null;
      }),
    );
    columns.push(band.mean, band.hi, band.lo);
  }
  return columns;
}

/** A value at the estimator's ceiling: where it was, and on which side. */
export interface CeilingHit {
  index: number;
  /** +1 for K_eff ≥ ceiling, −1 for K_eff ≤ −ceiling. */
  sign: 1 | -1;
}

/**
 * Takes the K_eff values at the estimator's ceiling (|K_eff| ≥ ceiling: a bound, not an
 * estimate) out of couplingColumns' output, in place: they and their band become gaps, and are
 * returned per layer 0…n to be drawn as bound markers instead.
 */
export function takeCeilingHits(columns: Column[], layers: number, ceiling: number): CeilingHit[][] {
  const hits: CeilingHit[][] = [];
  for (let l = 0; l <= layers; l++) {
    const [mean, hi, lo] = [columns[3 + 3 * l]!, columns[4 + 3 * l]!, columns[5 + 3 * l]!];
    const layerHits: CeilingHit[] = [];
    for (let i = 0; i < mean.length; i++) {
      const v = mean[i];
      if (v === null || v === undefined || Math.abs(v) < ceiling) continue;
      layerHits.push({ index: i, sign: v > 0 ? 1 : -1 });
      mean[i] = null;
      hi[i] = null;
      lo[i] = null;
    }
    hits.push(layerHits);
  }
  return hits;
}

/** "−1.4512 ± 0.0012" (error to two significant figures), the bare value without an error, "—" without a value. */
export function withError(mean: number | null | undefined, err: number | null | undefined, digitsWithoutError = 4): string {
  const m = finite(mean);
  if (m === null) return '—';
  const e = finite(err);
  if (e === null) return fixed(m, digitsWithoutError);
  const digits = decimalsForError(Math.abs(e));
  return `${fixed(m, digits)} ± ${fixed(Math.abs(e), digits)}`;
}

/** Fewest decimals (≤ 8) that write `step` exactly: 0.0005 → 4, 0.25 → 2, 5 → 0 (tick labels that never repeat). */
export function decimalsOf(step: number): number {
  const a = Math.abs(step);
  if (!(a > 0) || !Number.isFinite(a)) return 0;
  for (let d = 0; d < 8; d++) {
    const scaled = a * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 8;
}

/** Tick labels of a linear axis: every split with the decimals of the tick spacing, typographic minus. */
export function linearTickLabels(splits: readonly (number | null)[], step: number): string[] {
  const digits = decimalsOf(step);
  return splits.map((v) => (v === null ? '' : fixed(v, digits)));
}

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 10ⁿ with a superscript exponent (typographic minus). */
export function powerOfTen(n: number): string {
  const digits = String(Math.abs(n)).replace(/\d/g, (d) => SUPERSCRIPT_DIGITS[Number(d)]!);
  return `10${n < 0 ? '⁻' : ''}${digits}`;
}

/** Whether v is a power of ten (a decade of a log axis). */
export function isDecade(v: number): boolean {
  if (!(v > 0)) return false;
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-9;
}

/** Tick labels of a log axis: 0.01, 0.02, 0.5, 20 between 10⁻³ and 10⁴, else 10⁻⁵, 5×10⁻⁶ (never a bare "0"). */
export function logTickLabels(splits: readonly (number | null)[]): string[] {
  return splits.map((v) => {
    if (v === null || !(v > 0)) return '';
    if (v >= 1e-3 && v < 1e4) return fixed(v, decimalsOf(v));
    const n = Math.floor(Math.log10(v) + 1e-9);
    const mantissa = Math.round(v / 10 ** n);
    return mantissa === 1 ? powerOfTen(n) : `${mantissa}×${powerOfTen(n)}`;
  });
}

/** Grid and tick filter of a log axis spanning many decades: decades only (the 2…9 lines would fill the plot). */
export function decadesOnly(splits: readonly number[]): (number | null)[] {
  const decades = splits.filter(isDecade).length;
  return decades >= 3 ? splits.map((v) => (isDecade(v) ? v : null)) : splits.slice();
}

/**
 * Indices of values with no value on either side (a lone measurement between gaps), which a
 * line would not show; null when there are none.
 */
export function isolatedIndices(column: ArrayLike<number | null | undefined>): number[] | null {
  const present = (i: number): boolean => i >= 0 && i < column.length && column[i] !== null && column[i] !== undefined;
  const lone: number[] = [];
  for (let i = 0; i < column.length; i++) if (present(i) && !present(i - 1) && !present(i + 1)) lone.push(i);
  return lone.length > 0 ? lone : null;
}
