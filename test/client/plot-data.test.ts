/**
 * History → uPlot columns: x relative to the first point, missing values as null (gaps, never
 * zeros), m ± δ as three aligned columns, layers found by their `layer` field.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../client/state/session-state.js';
import {
  bandColumns,
  decimalsOf,
  decadesOnly,
  isDecade,
  isolatedIndices,
  linearTickLabels,
  logTickLabels,
  couplingColumns,
  energyMagnetizationColumns,
  layerCount,
  takeCeilingHits,
  timeColumn,
  trainingColumns,
  withError,
} from '../../client/view/plot-data.js';
import { CRITICAL_COUPLING } from '../../shared/physics/ising.js';
import type { MetricsPayload } from '../../shared/protocol/engine-events.js';

function metrics(over: Partial<MetricsPayload> = {}): MetricsPayload {
  return {
    tick: 0,
    sweeps: 0,
    minibatches: 0,
    epochEquivalent: 0,
    coupling: 0.4,
    temperature: 2.5,
    paused: false,
    energy: { mean: null, err: null, samples: 0, exact: -1.1 },
    absMagnetization: { mean: null, err: null, samples: 0, exactInfinite: 0 },
    training: [],
    couplingTrajectory: [],
    exactFlow1d: [0.4],
    rates: { sweepsPerSecond: 0, minibatchesPerSecond: 0, ticksPerSecond: 0 },
    divergences: 0,
    ...over,
  };
}

const point = (t: number, over: Partial<MetricsPayload> = {}): HistoryPoint => ({ t, metrics: metrics(over) });

describe('timeColumn', () => {
  it('counts seconds from the first point', () => {
    expect(timeColumn([point(100.5), point(101.5), point(103)])).toEqual([0, 1, 2.5]);
    expect(timeColumn([])).toEqual([]);
  });
});

describe('bandColumns', () => {
  it('gives mean, mean + err, mean − err, and gaps where the mean or the error is missing', () => {
    const band = bandColumns([{ mean: 1, err: 0.25 }, { mean: null, err: null }, { mean: 2, err: null }, null, { mean: Number.NaN, err: 1 }]);
    expect(band.mean).toEqual([1, null, 2, null, null]);
    expect(band.hi).toEqual([1.25, null, null, null, null]);
    expect(band.lo).toEqual([0.75, null, null, null, null]);
  });
});

describe('energyMagnetizationColumns', () => {
  it('aligns measured e and |m| (null before burn-in) with their exact values', () => {
    const history = [
      point(10),
      point(11, {
        energy: { mean: -1.5, err: 0.01, samples: 100, exact: -1.49 },
        absMagnetization: { mean: 0.8, err: 0.02, samples: 100, exactInfinite: 0.81 },
      }),
    ];
    const [x, e, eHi, eLo, eExact, m, mHi, mLo, m0] = energyMagnetizationColumns(history);
    expect(x).toEqual([0, 1]);
    expect(e).toEqual([null, -1.5]);
    expect(eHi![1]).toBeCloseTo(-1.49, 12);
    expect(eLo![1]).toBeCloseTo(-1.51, 12);
    expect(eHi![0]).toBeNull();
    expect(eExact).toEqual([-1.1, -1.49]);
    expect(m).toEqual([null, 0.8]);
    expect(mHi![1]).toBeCloseTo(0.82, 12);
    expect(mLo![1]).toBeCloseTo(0.78, 12);
    expect(m0).toEqual([0, 0.81]);
  });
});

describe('training and coupling columns', () => {
  const history = [
    point(0, { couplingTrajectory: [{ layer: 0, kEff: 0.41, err: 0.01, correlation: 0.5, frames: 3 }] }),
    point(1, {
      coupling: 0.45,
      training: [
        { layer: 2, reconstructionError: 0.05, weightNorm: 3 },
        { layer: 1, reconstructionError: 0.2, weightNorm: 5 },
      ],
      couplingTrajectory: [
        { layer: 0, kEff: 0.44, err: 0.02, correlation: 0.6, frames: 30 },
        { layer: 1, kEff: null, err: null, correlation: null, frames: 1 },
        { layer: 2, kEff: 0.1, err: null, correlation: 0.05, frames: 30 },
      ],
    }),
    point(2, { training: [{ layer: 1, reconstructionError: 0, weightNorm: 5 }, { layer: 2, reconstructionError: null, weightNorm: 3 }] }),
  ];

  it('finds the number of hidden layers from the layer fields', () => {
    expect(layerCount(history)).toBe(2);
    expect(layerCount([])).toBe(0);
  });

  it('puts each layer’s reconstruction error in its own column, gaps for missing or (log scale) non-positive values', () => {
    expect(trainingColumns(history, 2)).toEqual([
      [0, 1, 2],
      [null, 0.2, null],
      [null, 0.05, null],
    ]);
    expect(trainingColumns(history, 2, false)[1]).toEqual([null, 0.2, 0]);
  });

  it('gives K_c, K and each layer’s K_eff ± err', () => {
    const columns = couplingColumns(history, 2);
    expect(columns.length).toBe(3 + 3 * 3);
    expect(columns[1]).toEqual([CRITICAL_COUPLING, CRITICAL_COUPLING, CRITICAL_COUPLING]);
    expect(columns[2]).toEqual([0.4, 0.45, 0.4]);
    const [k0, k0hi, k0lo] = columns.slice(3, 6);
    expect(k0).toEqual([0.41, 0.44, null]);
    expect(k0hi![0]).toBeCloseTo(0.42, 12);
    expect(k0lo![1]).toBeCloseTo(0.42, 12);
    expect(columns[6]).toEqual([null, null, null]); // layer 1: no K_eff yet
    expect(columns[9]).toEqual([null, 0.1, null]); // layer 2: a value without an error has no band
    expect(columns[10]).toEqual([null, null, null]);
  });
});

describe('takeCeilingHits', () => {
  it('turns K_eff at the ceiling (a bound) into gaps and reports where, per layer', () => {
    const history = [
      point(0, { couplingTrajectory: [{ layer: 0, kEff: 0.4, err: 0.01, correlation: 0.5, frames: 9 }, { layer: 1, kEff: 4, err: 0, correlation: 1, frames: 9 }] }),
      point(1, { couplingTrajectory: [{ layer: 0, kEff: 0.41, err: 0.01, correlation: 0.5, frames: 9 }, { layer: 1, kEff: -4, err: 0, correlation: -1, frames: 9 }] }),
      point(2, { couplingTrajectory: [{ layer: 0, kEff: 0.42, err: 0.01, correlation: 0.5, frames: 9 }, { layer: 1, kEff: 3.2, err: 0.1, correlation: 0.99, frames: 9 }] }),
    ];
    const columns = couplingColumns(history, 1);
    const hits = takeCeilingHits(columns, 1, 4);
    expect(hits).toEqual([[], [{ index: 0, sign: 1 }, { index: 1, sign: -1 }]]);
    expect(columns[3]).toEqual([0.4, 0.41, 0.42]);
    expect(columns[6]).toEqual([null, null, 3.2]);
    expect(columns[7]![0]).toBeNull();
    expect(columns[8]![1]).toBeNull();
    expect(columns[7]![2]).toBeCloseTo(3.3, 12);
  });
});

describe('withError', () => {
  it('rounds the error to two significant figures and the mean to match', () => {
    expect(withError(-1.745432, 0.001234)).toBe('\u22121.7454 ± 0.0012');
    expect(withError(0.5, null)).toBe('0.5000');
    expect(withError(null, 0.1)).toBe('—');
  });
});

describe('tick labels', () => {
  it('uses the decimals of the tick spacing, so neighbouring labels differ', () => {
    expect(decimalsOf(0.0005)).toBe(4);
    expect(decimalsOf(0.25)).toBe(2);
    expect(decimalsOf(0.1)).toBe(1);
    expect(decimalsOf(5)).toBe(0);
    expect(decimalsOf(0)).toBe(0);
    expect(linearTickLabels([-1.1515, -1.151, -1.1505, null], 0.0005)).toEqual(['\u22121.1515', '\u22121.1510', '\u22121.1505', '']);
    expect(logTickLabels([0.01, 0.02, 0.5, 1, 20, 0.001, null])).toEqual(['0.01', '0.02', '0.5', '1', '20', '0.001', '']);
    expect(logTickLabels([1e-4, 5e-6, 1e-9, 2e5])).toEqual(['10⁻⁴', '5×10⁻⁶', '10⁻⁹', '2×10⁵']);
  });

  it('keeps only the decades of a log axis that spans three or more', () => {
    expect(isDecade(1e-7)).toBe(true);
    expect(isDecade(0.02)).toBe(false);
    expect(decadesOnly([0.001, 0.002, 0.005, 0.01, 0.02, 0.1])).toEqual([0.001, null, null, 0.01, null, 0.1]);
    expect(decadesOnly([0.01, 0.02, 0.05, 0.1])).toEqual([0.01, 0.02, 0.05, 0.1]);
  });
});

describe('isolatedIndices', () => {
  it('finds values between gaps, which a line alone would not draw', () => {
    expect(isolatedIndices([1, null, 2, null, 3, 4, null, 5])).toEqual([0, 2, 7]);
    expect(isolatedIndices([1, 2, null])).toBeNull();
    expect(isolatedIndices([])).toBeNull();
    expect(isolatedIndices([null, 7, undefined])).toEqual([1]);
  });
});
