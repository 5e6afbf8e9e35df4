/**
 * The four live plots, each beside its exact result:
 *   (a) energy per site e ± δe with Kaufman's exact finite-L value, |m| ± δ with Onsager's m₀;
 *   (b) each RBM's reconstruction error (log scale) as it trains;
 *   (c) the effective coupling K_eff ± δ of each layer (0 = the lattice) with K and K_c;
 *   (d) the exact 1D decimation flow tanh K′ = tanh² K (Eq. 24) as a cobweb from the current K.
 * Redrawn from state.history once per metrics event (≈ 1 Hz) and on 'load' (a new snapshot or a replay).
 */
import uPlot from 'uplot';
import { CRITICAL_COUPLING } from '../../shared/physics/ising.js';
import type { MetricsPayload } from '../../shared/protocol/engine-events.js';
import { cobwebThrough, decimationCurve, type Polyline } from '../model/cobweb.js';
import type { SessionState } from '../state/session-state.js';
import { fixed } from '../ui/format.js';
import { ChartPanel, type ChartOptions } from './chart-panel.js';
import {
  couplingColumns,
  decadesOnly,
  energyMagnetizationColumns,
  isolatedIndices,
  layerCount,
  linearTickLabels,
  logTickLabels,
  takeCeilingHits,
  trainingColumns,
  withError,
  type CeilingHit,
  type Column,
} from './plot-data.js';

/** Okabe–Ito colours (distinguishable with every common colour-vision deficiency); yellow left out, too pale on white. */
const INK = '#000000';
const BLUE = '#0072B2';
const VERMILLION = '#D55E00';
const GREY = '#777777';
/** Layer l ≥ 1 gets LAYER_COLOURS[(l − 1) mod 6]; the lattice (layer 0) is black. */
const LAYER_COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#CC79A7', '#0072B2', '#D55E00'];
const layerColour = (l: number): string => (l === 0 ? INK : LAYER_COLOURS[(l - 1) % LAYER_COLOURS.length]!);

function alpha(hex: string, a: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/**
 * The largest |K_eff| the engine reports (server/engine/effective-coupling.ts K_MAX: beyond it the
 * correlation c no longer resolves K); a value there is a bound, not an estimate.
 */
const K_EFF_CEILING = 4;

const DASH = [8, 5];
const NO_POINTS = { show: false };
/**
 * Measured series: uPlot shows the points while they are sparse (its default), and otherwise
 * still marks a lone measurement between gaps, which no line segment would show.
 */
const MEASURED_POINTS: uPlot.Series.Points = {
  filter: (u, seriesIdx, show) => (show ? null : isolatedIndices(u.data[seriesIdx]!)),
};
/** A step that holds each value until the next point (the exact values change only with K). */
const STEPPED = uPlot.paths.stepped!({ align: 1 });
/** Common options: no zoom by drag (the next second's data would undo it), a legend without hover values. */
const COMMON = {
  cursor: { drag: { x: false, y: false, setScale: false }, points: { show: false } },
  legend: { live: false },
} satisfies Partial<uPlot.Options>;

/** Tick labels with as many decimals as the spacing needs (uPlot's default stops at 3: e ticks 0.0005 apart repeated). */
const LINEAR_VALUES: uPlot.Axis.DynamicValues = (_u, splits, _axis, _space, step) => linearTickLabels(splits, step);
const LOG_VALUES: uPlot.Axis.DynamicValues = (_u, splits) => logTickLabels(splits);
const DECADES: uPlot.Axis.Filter = (_u, splits) => decadesOnly(splits);
/** Width of a vertical axis: its longest tick label (uPlot's 12 px canvas font, ≈ 7.5 px a character) plus the tick and a gap. */
const Y_SIZE: uPlot.Axis.Size = (_u, values) => {
  let longest = 3;
  for (const value of values ?? []) longest = Math.max(longest, String(value ?? '').length);
  return Math.ceil(longest * 7.5) + 18;
};

const timeAxis = (): uPlot.Axis => ({ label: 'time (s)', labelSize: 24, size: 36, values: LINEAR_VALUES });

/** Invisible upper and lower edges of an error band (legend rows hidden by the class). */
function bandEdges(label: string, scale: string): uPlot.Series[] {
  const edge = (which: string): uPlot.Series => ({
    label: `${label} ${which}`,
    scale,
    stroke: 'transparent',
    width: 1,
    points: NO_POINTS,
    class: 'rg-band-edge',
  });
  return [edge('+ δ'), edge('− δ')];
}

/** Series indices of a measured line, its band's upper and lower edges, and its colour. */
type ErrorBand = [mean: number, hi: number, lo: number, colour: string];

/**
 * Draw hook: a ±1σ error bar (with caps) on every lone measurement between gaps, where the band
 * between neighbouring points has nothing to fill.
 */
function loneErrorBars(bands: readonly ErrorBand[]): (u: uPlot) => void {
  return (u) => {
    const ctx = u.ctx;
    const px = uPlot.pxRatio;
    const xs = u.data[0];
    ctx.save();
    ctx.lineWidth = 1.5 * px;
    for (const [mean, hi, lo, colour] of bands) {
      const lone = isolatedIndices(u.data[mean]!);
      if (!lone) continue;
      const scale = u.series[mean]!.scale!;
      ctx.strokeStyle = colour;
      for (const i of lone) {
        const top = u.data[hi]![i];
        const bottom = u.data[lo]![i];
        if (top === null || top === undefined || bottom === null || bottom === undefined) continue;
        const x = u.valToPos(xs[i]!, 'x', true);
        const y0 = u.valToPos(top, scale, true);
        const y1 = u.valToPos(bottom, scale, true);
        const cap = 4 * px;
        ctx.beginPath();
        ctx.moveTo(x, y0);
        ctx.lineTo(x, y1);
        ctx.moveTo(x - cap, y0);
        ctx.lineTo(x + cap, y0);
        ctx.moveTo(x - cap, y1);
        ctx.lineTo(x + cap, y1);
        ctx.stroke();
      }
    }
    ctx.restore();
  };
}

/** A log range that also survives a chart with no positive value yet. */
function logRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null || !(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [1e-3, 1];
  return uPlot.rangeLog(min, max, 10, true);
}

export class Plots {
  private readonly energy: ChartPanel;
  private readonly training: ChartPanel;
  private readonly coupling: ChartPanel;
  private readonly flow: ChartPanel;
  private readonly unsubscribe: (() => void)[];
  /** Per layer 0…n, where K_eff sat at the estimator's ceiling (drawn as ▲ at the edge). */
  private ceilingHits: CeilingHit[][] = [];
  /** Hidden layers the training and coupling charts were built for. */
  private layers = -1;
  /** Lattice size the energy chart's label names. */
  private builtL = -1;
  /** The cobweb drawn by chart (d)'s draw hook, and the range of both its axes [0, kMax]. */
  private cobweb: Polyline = { x: new Float64Array(0), y: new Float64Array(0) };
  /** The flow drawn, joined (the initial '-' matches no flow, so the first refresh draws). */
  private cobwebKey = '-';
  private kMax = 1;

  constructor(
    private readonly container: HTMLElement,
    private readonly state: SessionState,
  ) {
    container.classList.add('rg-plots');
    this.energy = new ChartPanel(container, 'Energy and magnetization.');
    this.training = new ChartPanel(container, 'Training.');
    this.coupling = new ChartPanel(container, 'Coupling flow.');
    this.flow = new ChartPanel(container, '1D decimation flow.', { aspect: 0.75, minHeight: 200, maxHeight: 420 });
    this.buildFlow();
    this.refresh();
    this.unsubscribe = [state.on('metrics', () => this.refresh()), state.on('load', () => this.refresh())];
  }

  dispose(): void {
    for (const stop of this.unsubscribe) stop();
    this.energy.dispose();
    this.training.dispose();
    this.coupling.dispose();
    this.flow.dispose();
    this.container.classList.remove('rg-plots');
  }

  /**
   * Redraws every chart from state.history: on each metrics event (new data, one redraw per
   * chart) and on 'load' (a new snapshot, or the switch to or from a replay: the history was
   * replaced). The charts are rebuilt only when their series change (the number of layers, L).
   */
  private refresh(): void {
    const history = this.state.history;
    const layers = layerCount(history);
    const data = {
      energy: energyMagnetizationColumns(history) as uPlot.AlignedData,
      training: trainingColumns(history, layers) as uPlot.AlignedData,
      coupling: this.couplingData(history, layers),
    };
    if (layers !== this.layers || this.state.L !== this.builtL) {
      this.layers = layers;
      this.builtL = this.state.L;
      this.energy.build(this.energyOptions(), data.energy);
      this.training.build(this.trainingOptions(layers), data.training);
      this.coupling.build(this.couplingOptions(layers), data.coupling);
    } else {
      this.energy.setData(data.energy);
      this.training.setData(data.training);
      this.coupling.setData(data.coupling);
    }
    this.updateFlow(this.state.metrics);
    this.updateNotes(this.state.metrics);
  }

  /** Chart (c)'s columns, with K_eff at the estimator's ceiling taken out (drawn as bound markers). */
  private couplingData(history: SessionState['history'], layers: number): uPlot.AlignedData {
    const columns = couplingColumns(history, layers);
    this.ceilingHits = takeCeilingHits(columns, layers, K_EFF_CEILING);
    return columns as uPlot.AlignedData;
  }

  /**
   * Draw hook of chart (c): a triangle at the top (bottom) edge where K_eff ≥ K_EFF_CEILING
   * (≤ −K_EFF_CEILING) — a bound, kept off the axis so it does not squash the estimates.
   */
  private drawCeilingHits(u: uPlot): void {
    const px = uPlot.pxRatio;
    const ctx = u.ctx;
    const size = 5 * px;
    ctx.save();
    this.ceilingHits.forEach((hits, l) => {
      ctx.fillStyle = layerColour(l);
      for (const { index, sign } of hits) {
        const x = u.valToPos(u.data[0][index]!, 'x', true);
        const edge = sign > 0 ? u.bbox.top + size + px : u.bbox.top + u.bbox.height - size - px;
        ctx.beginPath();
        ctx.moveTo(x, edge - sign * size);
        ctx.lineTo(x - size, edge + sign * size * 0.8);
        ctx.lineTo(x + size, edge + sign * size * 0.8);
        ctx.closePath();
        ctx.fill();
      }
    });
    ctx.restore();
  }

  private energyOptions(): ChartOptions {
    const L = this.builtL > 0 ? `${this.builtL}×${this.builtL}` : 'finite L';
    return {
      ...COMMON,
      scales: { x: { time: false }, e: { auto: true }, m: { auto: false, range: [0, 1] } },
      series: [
        { label: 'time (s)' },
        { label: 'e measured', scale: 'e', stroke: BLUE, width: 2, points: MEASURED_POINTS },
        ...bandEdges('e', 'e'),
        { label: `e exact (Kaufman, ${L})`, scale: 'e', stroke: BLUE, width: 1.5, dash: DASH, paths: STEPPED, points: NO_POINTS },
        { label: '|m| measured', scale: 'm', stroke: VERMILLION, width: 2, points: MEASURED_POINTS },
        ...bandEdges('|m|', 'm'),
        { label: '|m| exact m₀ (Onsager, L = ∞)', scale: 'm', stroke: VERMILLION, width: 1.5, dash: DASH, paths: STEPPED, points: NO_POINTS },
      ],
      bands: [
        { series: [2, 3], fill: alpha(BLUE, 0.25) },
        { series: [6, 7], fill: alpha(VERMILLION, 0.25) },
      ],
      hooks: { draw: [loneErrorBars([[1, 2, 3, BLUE], [5, 6, 7, VERMILLION]])] },
      axes: [
        timeAxis(),
        { scale: 'e', label: 'energy per site e (J)', labelSize: 24, stroke: BLUE, size: Y_SIZE, values: LINEAR_VALUES },
        { scale: 'm', label: '|m|', labelSize: 24, side: 1, stroke: VERMILLION, grid: { show: false }, size: Y_SIZE, values: LINEAR_VALUES },
      ],
    };
  }

  private trainingOptions(layers: number): ChartOptions {
    const series: uPlot.Series[] = [{ label: 'time (s)' }];
    for (let l = 1; l <= layers; l++) series.push({ label: `layer ${l}`, stroke: layerColour(l), width: 2, points: MEASURED_POINTS });
    return {
      ...COMMON,
      scales: { x: { time: false }, y: { distr: 3, log: 10, range: logRange } },
      series,
      axes: [
        timeAxis(),
        {
          label: 'reconstruction error ⟨(v − v̂)²⟩',
          labelSize: 24,
          size: Y_SIZE,
          values: LOG_VALUES,
          grid: { filter: DECADES },
          ticks: { filter: DECADES },
        },
      ],
    };
  }

  private couplingOptions(layers: number): ChartOptions {
    const series: uPlot.Series[] = [
      { label: 'time (s)' },
      { label: `K_c = ½ ln(1+√2) = ${fixed(CRITICAL_COUPLING, 4)}`, stroke: GREY, width: 1.5, dash: [3, 4], points: NO_POINTS },
      { label: 'K (session)', stroke: INK, width: 1.5, dash: DASH, paths: STEPPED, points: NO_POINTS },
    ];
    const bands: uPlot.Band[] = [];
    const errorBars: ErrorBand[] = [];
    for (let l = 0; l <= layers; l++) {
      const colour = layerColour(l);
      series.push({ label: l === 0 ? 'lattice (layer 0)' : `layer ${l}`, stroke: colour, width: 2, points: MEASURED_POINTS }, ...bandEdges(`K_eff(${l})`, 'y'));
      const first = series.length - 2;
      bands.push({ series: [first, first + 1], fill: alpha(colour, 0.22) });
      errorBars.push([first - 1, first, first + 1, colour]);
    }
    return {
      ...COMMON,
      scales: { x: { time: false } },
      series,
      bands,
      hooks: { draw: [loneErrorBars(errorBars), (u) => this.drawCeilingHits(u)] },
      axes: [timeAxis(), { label: 'effective coupling K_eff', labelSize: 24, size: Y_SIZE, values: LINEAR_VALUES }],
    };
  }

  /** Chart (d): the curve and the diagonal as series over K; the cobweb is drawn by a hook over them. */
  private buildFlow(): void {
    const range = (): uPlot.Range.MinMax => [0, this.kMax];
    const options: ChartOptions = {
      ...COMMON,
      cursor: { show: false },
      // auto: the range function runs on every setData (it ignores the data: both axes [0, kMax])
      scales: { x: { time: false, auto: true, range }, y: { auto: true, range } },
      series: [
        { label: 'K' },
        { label: 'K′ = atanh(tanh² K)', stroke: BLUE, width: 2, points: NO_POINTS },
        { label: 'K′ = K', stroke: GREY, width: 1.5, dash: [4, 4], points: NO_POINTS },
        { label: 'cobweb from the session’s K (Eq. 24)', stroke: VERMILLION, width: 2, points: NO_POINTS },
      ],
      axes: [
        { label: 'coupling K', labelSize: 24, size: 36, values: LINEAR_VALUES },
        { label: 'decimated coupling K′', labelSize: 24, size: Y_SIZE, values: LINEAR_VALUES },
      ],
      hooks: { draw: [(u) => this.drawCobweb(u)] },
    };
    this.flow.build(options, this.flowColumns() as uPlot.AlignedData);
  }

  /** [K grid, K′(K), K (diagonal), nulls for the legend-only cobweb series]. */
  private flowColumns(): Column[] {
    const curve = decimationCurve(this.kMax, 121);
    const x = Array.from(curve.x);
    return [x, Array.from(curve.y), x.slice(), x.map(() => null)];
  }

  /** The cobweb of the latest exact flow (none before the first metrics); redrawn only when the flow changed. */
  private updateFlow(metrics: MetricsPayload | null): void {
    const flow = metrics?.exactFlow1d ?? [];
    const key = flow.join(',');
    if (key === this.cobwebKey) return;
    this.cobwebKey = key;
    this.cobweb = cobwebThrough(flow);
    const K0 = Math.abs(flow[0] ?? metrics?.coupling ?? 0);
    // both axes [0, kMax]: a little beyond K⁽⁰⁾, so the first riser is not on the edge
    const kMax = Math.max(0.5, Math.ceil(K0 * 1.25 * 10) / 10);
    if (kMax !== this.kMax) {
      this.kMax = kMax;
      this.flow.setData(this.flowColumns() as uPlot.AlignedData);
    } else this.flow.redraw();
  }

  /** Vertical to the curve, horizontal to the diagonal; a dot and K⁽ˡ⁾ at each coupling of the flow. */
  private drawCobweb(u: uPlot): void {
    const { x, y } = this.cobweb;
    if (x.length === 0) return;
    const ctx = u.ctx;
    const px = uPlot.pxRatio;
    const X = (v: number): number => u.valToPos(v, 'x', true);
    const Y = (v: number): number => u.valToPos(v, 'y', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.strokeStyle = VERMILLION;
    // K⁽⁰⁾ marked on the K axis by a thin riser up to the diagonal
    ctx.lineWidth = px;
    ctx.setLineDash([3 * px, 3 * px]);
    ctx.beginPath();
    ctx.moveTo(X(x[0]!), Y(0));
    ctx.lineTo(X(x[0]!), Y(y[0]!));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 2 * px;
    ctx.beginPath();
    ctx.moveTo(X(x[0]!), Y(y[0]!));
    for (let i = 1; i < x.length; i++) ctx.lineTo(X(x[i]!), Y(y[i]!));
    ctx.stroke();
    ctx.fillStyle = VERMILLION;
    ctx.font = `${Math.round(13 * px)}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    let lastLabel = Number.POSITIVE_INFINITY;
    for (let i = 0; i < x.length; i += 2) {
      const cx = X(x[i]!);
      const cy = Y(y[i]!);
      ctx.beginPath();
      ctx.arc(cx, cy, 3.5 * px, 0, 2 * Math.PI);
      ctx.fill();
      // label the diagonal corners K⁽ˡ⁾ while they are apart (the flow crowds them near K = 0)
      if (lastLabel - cx >= 22 * px) {
        const text = `K${superscript(i / 2)}`;
        // above-left of the corner (the empty side of the diagonal), kept inside the plot
        ctx.fillText(text, Math.max(u.bbox.left + ctx.measureText(text).width + 2 * px, cx - 5 * px), cy - 4 * px);
        lastLabel = cx;
      }
    }
    ctx.restore();
  }

  private updateNotes(metrics: MetricsPayload | null): void {
    if (!metrics) {
      for (const panel of [this.energy, this.training, this.coupling, this.flow]) panel.setNote('waiting for the first metrics…');
      return;
    }
    const e = metrics.energy;
    const m = metrics.absMagnetization;
    const burnIn = e.mean === null ? ' (burn-in: measuring after the last temperature change)' : '';
    this.energy.setNote(
      `e = ${withError(e.mean, e.err)} J (exact ${fixed(e.exact, 4)}), |m| = ${withError(m.mean, m.err)} (m₀ = ${fixed(m.exactInfinite, 4)})${burnIn}. Bands: ±1σ.`,
    );
    const curves = metrics.training.map((t) => `layer ${t.layer}: ${t.reconstructionError === null ? '—' : t.reconstructionError.toPrecision(3)}`);
    this.training.setNote(
      `${curves.join(', ') || 'no layers'} after ${metrics.minibatches} minibatches (${metrics.epochEquivalent.toFixed(1)} epochs); moving average over ≈ 50 minibatches.`,
    );
    const couplings = metrics.couplingTrajectory.map((c) =>
      c.kEff !== null && Math.abs(c.kEff) >= K_EFF_CEILING
        ? `K_eff(${c.layer}) ${c.kEff < 0 ? '≤ −' : '≥ '}${K_EFF_CEILING} (the estimator’s ceiling: neighbours fully correlated)`
        : `K_eff(${c.layer}) = ${withError(c.kEff, c.err, 3)}`,
    );
    const bound = this.ceilingHits.some((hits) => hits.length > 0) ? ` ▲ at the top (▼ at the bottom): |K_eff| at the ceiling ${K_EFF_CEILING}, a bound kept off the axis.` : '';
    this.coupling.setNote(`K = ${fixed(metrics.coupling, 4)}: ${couplings.join(', ')}. Hidden units are read on their index grid; bands ±1σ.${bound}`);
    const flow = metrics.exactFlow1d.map((K, l) => `K${superscript(l)} = ${fixed(K, 4)}`);
    this.flow.setNote(`The 1D chain, exactly: ${flow.join(' → ')}; every finite K flows to the K = 0 fixed point.`);
  }
}

const SUPERSCRIPTS = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** ⁽ˡ⁾ for the layer index l. */
function superscript(l: number): string {
  return `⁽${String(l).replace(/\d/g, (d) => SUPERSCRIPTS[Number(d)]!)}⁾`;
}
