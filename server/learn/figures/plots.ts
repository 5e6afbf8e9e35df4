/**
 * The two line plots of `rgflow reproduce`, as SVG strings (shared/plot/svg.ts):
 * Fig. 3D, receptive-field size against layer, and Fig. 2C, the 1D decimation flow J(n).
 */
import { decimationFlow } from '../../../shared/physics/exact/index.js';
import { fieldRadius } from '../../../shared/learn/receptive-field.js';
import { linePlot, OKABE_ITO } from '../../../shared/plot/svg.js';
import { blockReference } from '../reproduce-metrics.js';

/** Per layer (1-based order): a size measure's mean and spread over units, lattice spacings. */
export interface LayerSize {
  radius: { mean: number; spread: number };
  halfMaxRadius: { mean: number; spread: number };
}

/**
 * Fig. 3D: the |r|-weighted RMS radius and the half-maximum radius √(A/π) per layer, each with
 * the same measure of a uniform 2ˡ×2ˡ block (Kadanoff's blocking) dashed in the same colour, and
 * the RMS radius of a field spread uniformly over the whole lattice (no locality at all).
 */
export function fieldSizePlot(layers: readonly LayerSize[], L: number): string {
  const x = layers.map((_, l) => l + 1);
  const blocks = x.map((l) => blockReference(2 ** l, L));
  const [blue, vermillion] = OKABE_ITO;
  return linePlot({
    title: 'Receptive-field size against layer (Fig. 3D)',
    width: 700,
    xLabel: 'layer l',
    yLabel: 'radius (lattice spacings)',
    xTicks: x,
    legend: 'below',
    series: [
      { label: 'RMS radius, |r|-weighted (bars: spread over units)', colour: blue, points: layers.map((s, l) => ({ x: l + 1, y: s.radius.mean, yErr: s.radius.spread })) },
      { label: 'reference: uniform 2ˡ×2ˡ block, RMS radius', colour: blue, dashed: true, points: blocks.map((b, l) => ({ x: l + 1, y: b.radius })) },
      { label: 'half-maximum radius √(A/π) (bars: spread over units)', colour: vermillion, points: layers.map((s, l) => ({ x: l + 1, y: s.halfMaxRadius.mean, yErr: s.halfMaxRadius.spread })) },
      { label: 'reference: uniform 2ˡ×2ˡ block, half-maximum radius', colour: vermillion, dashed: true, points: blocks.map((b, l) => ({ x: l + 1, y: b.half_max_radius })) },
      {
        label: `reference: uniform over the whole ${L}×${L} lattice, RMS radius`,
        colour: '#777777',
        dashed: true,
        markers: false,
        points: x.map((l) => ({ x: l, y: fieldRadius(new Float32Array(L * L).fill(1), L) })),
      },
    ],
    caption: 'RMS radius = √(Σ|r|d²/Σ|r|) about the |r|-weighted centre, d periodic; A = number of sites with |r| ≥ ½ max|r|',
  });
}

/** Fig. 2C: the decimation flow tanh J(n+1) = tanh² J(n) (Eq. 24) from several J(0). */
export function couplingFlowPlot(starts: readonly number[] = [3, 2, 1.5, 1, 0.5], steps = 6): string {
  return linePlot({
    title: '1D Ising decimation: J(n) flows to J = 0 (Fig. 2C)',
    xLabel: 'RG step n (layer of the decimation network)',
    yLabel: 'coupling J(n) = βJ after n steps',
    xTicks: Array.from({ length: steps + 1 }, (_, n) => n),
    series: starts.map((J0) => ({ label: `J(0) = ${J0}`, points: Array.from(decimationFlow(J0, steps), (J, n) => ({ x: n, y: J })) })),
    caption: 'exact recursion tanh J(n+1) = tanh² J(n) (Eq. 24); every finite J flows to the J = 0 fixed point',
  });
}
