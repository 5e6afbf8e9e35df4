/**
 * A tiny SVG line/point plot (pure: returns a string, no DOM): linear axes with "nice" ticks,
 * axis labels, a title, a legend, lines, markers and vertical error bars. Enough for the
 * paper's Fig. 2C (J(n) against n) and Fig. 3D (receptive-field size against layer).
 *
 * Every marker carries a <title> "label: x, y ± err" (a tooltip in browsers, and a way for
 * tests to find the plotted values). Default colours: the Okabe–Ito palette (colour-blind safe).
 */

export interface PlotPoint {
  x: number;
  y: number;
  /** Half-length of a vertical error bar, in y units (omit or 0: none). */
  yErr?: number;
}

export interface PlotSeries {
  label: string;
  points: readonly PlotPoint[];
  /** CSS colour; default: the next Okabe–Ito colour. */
  colour?: string;
  /** Join the points with a line (default true). */
  line?: boolean;
  /** Draw a marker at every point (default true). */
  markers?: boolean;
  dashed?: boolean;
}

export interface PlotSpec {
  /** Pixels; defaults 640 × 420. */
  width?: number;
  height?: number;
  title?: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  /** Axis ranges; default: the data (with error bars) padded to nice ticks. */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  /** Explicit x ticks (e.g. the integer layers 1, 2, 3). */
  xTicks?: readonly number[];
  /** A line of small print under the plot (a caption: source, units, what the bars mean). */
  caption?: string;
  /** Legend position: a corner inside the axes, or 'below' the x-axis label (one entry per row). */
  legend?: 'top-right' | 'top-left' | 'bottom-left' | 'bottom-right' | 'below';
}

export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

/** Escapes text for XML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** About `count` round tick values (1, 2, 5 × 10ⁿ steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`ticks need a finite range, got [${min}, ${max}]`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= max + step * (1 - 1e-9); t += step) ticks.push(Number((Math.round(t / step) * step).toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Compact tick label: up to 4 significant digits, no trailing zeros. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

const f2 = (v: number) => String(Math.round(v * 100) / 100);

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Renders `spec` as a standalone SVG document. Non-finite points are skipped. */
export function linePlot(spec: PlotSpec): string {
  const width = spec.width ?? 640;
  const below = spec.legend === 'below' ? LEGEND_ROW * spec.series.length + 8 : 0;
  const height = (spec.height ?? 420) + below;
  const margin = { left: 72, right: 24, top: spec.title ? 40 : 20, bottom: (spec.caption ? 76 : 56) + below };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = spec.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));

  const xTicks = spec.xTicks ? [...spec.xTicks] : niceTicks(...(spec.xDomain ?? extent(points.map((p) => p.x))));
  const xDomain = spec.xDomain ?? (spec.xTicks ? padded(extent([...xTicks, ...points.map((p) => p.x)])) : [xTicks[0], xTicks[xTicks.length - 1]]);
  const yData = points.flatMap((p) => [p.y - (p.yErr ?? 0), p.y + (p.yErr ?? 0)]);
  const yTicks = niceTicks(...(spec.yDomain ?? extent(yData)));
  const yDomain = spec.yDomain ?? [yTicks[0], yTicks[yTicks.length - 1]];
  const sx = (x: number) => margin.left + ((x - xDomain[0]) / (xDomain[1] - xDomain[0] || 1)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - yDomain[0]) / (yDomain[1] - yDomain[0] || 1)) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  if (spec.title) out.push(`<text x="${f2(width / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);

  out.push('<g class="axes" stroke="#000000" stroke-width="1">');
  out.push(`<line x1="${margin.left}" y1="${f2(margin.top + plotH)}" x2="${f2(margin.left + plotW)}" y2="${f2(margin.top + plotH)}"/>`);
  out.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${f2(margin.top + plotH)}"/>`);
  out.push('</g>');
  out.push('<g class="ticks" font-size="12">');
  for (const t of xTicks.filter((t) => t >= xDomain[0] - 1e-12 && t <= xDomain[1] + 1e-12)) {
    const x = f2(sx(t));
    out.push(`<line x1="${x}" y1="${f2(margin.top + plotH)}" x2="${x}" y2="${f2(margin.top + plotH + 5)}" stroke="#000000"/>`);
    out.push(`<text x="${x}" y="${f2(margin.top + plotH + 19)}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  }
  for (const t of yTicks.filter((t) => t >= yDomain[0] - 1e-12 && t <= yDomain[1] + 1e-12)) {
    const y = f2(sy(t));
    out.push(`<line x1="${margin.left - 5}" y1="${y}" x2="${margin.left}" y2="${y}" stroke="#000000"/>`);
    out.push(`<line x1="${margin.left}" y1="${y}" x2="${f2(margin.left + plotW)}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTick(t))}</text>`);
  }
  out.push('</g>');
  out.push(`<text x="${f2(margin.left + plotW / 2)}" y="${f2(margin.top + plotH + 40)}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${f2(margin.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);

  spec.series.forEach((series, index) => {
    const colour = series.colour ?? OKABE_ITO[index % OKABE_ITO.length];
    const pts = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    out.push(`<g class="series" data-label="${escapeXml(series.label)}" stroke="${colour}" fill="${colour}">`);
    if (series.line !== false && pts.length > 1) {
      const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${f2(sx(p.x))},${f2(sy(p.y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const p of pts) {
      const err = p.yErr !== undefined && Number.isFinite(p.yErr) && p.yErr > 0 ? p.yErr : 0;
      if (err > 0) {
        const x = f2(sx(p.x));
        const [top, bottom] = [f2(sy(p.y + err)), f2(sy(p.y - err))];
        out.push(`<path d="M${x},${top} L${x},${bottom} M${f2(sx(p.x) - 4)},${top} L${f2(sx(p.x) + 4)},${top} M${f2(sx(p.x) - 4)},${bottom} L${f2(sx(p.x) + 4)},${bottom}" fill="none" stroke-width="1.5"/>`);
      }
      const tip = `${series.label}: ${formatTick(p.x)}, ${Number(p.y.toPrecision(6))}${err > 0 ? ` ± ${Number(err.toPrecision(3))}` : ''}`;
      const r = series.markers === false ? 0 : 4;
      out.push(`<circle cx="${f2(sx(p.x))}" cy="${f2(sy(p.y))}" r="${r}"><title>${escapeXml(tip)}</title></circle>`);
    }
    out.push('</g>');
  });

  out.push(legend(spec, margin, plotW, plotH));
  if (spec.caption) out.push(`<text x="${margin.left}" y="${height - 10}" font-size="11" fill="#444444">${escapeXml(spec.caption)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function padded([lo, hi]: [number, number]): [number, number] {
  const pad = (hi - lo || 1) * 0.08;
  return [lo - pad, hi + pad];
}

const LEGEND_ROW = 18;

function legend(spec: PlotSpec, margin: { left: number; top: number }, plotW: number, plotH: number): string {
  if (spec.series.length === 0) return '';
  const rowH = LEGEND_ROW;
  const boxW = 16 + 28 + 7.2 * Math.max(...spec.series.map((s) => s.label.length));
  const boxH = rowH * spec.series.length + 8;
  const where = spec.legend ?? 'top-right';
  const x0 = where.endsWith('right') ? margin.left + plotW - boxW - 8 : margin.left + 8;
  const y0 = where === 'below' ? margin.top + plotH + 48 : where.startsWith('top') ? margin.top + 8 : margin.top + plotH - boxH - 8;
  const rows = spec.series.map((s, i) => {
    const colour = s.colour ?? OKABE_ITO[i % OKABE_ITO.length];
    const y = y0 + 4 + rowH * i + rowH / 2;
    return (
      `<line x1="${f2(x0 + 8)}" y1="${f2(y)}" x2="${f2(x0 + 32)}" y2="${f2(y)}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
      `<circle cx="${f2(x0 + 20)}" cy="${f2(y)}" r="${s.markers === false ? 0 : 3.5}" fill="${colour}"/>` +
      `<text x="${f2(x0 + 40)}" y="${f2(y)}" dominant-baseline="middle">${escapeXml(s.label)}</text>`
    );
  });
  return `<g class="legend"><rect x="${f2(x0)}" y="${f2(y0)}" width="${f2(boxW)}" height="${f2(boxH)}" fill="#ffffff" fill-opacity="0.85" stroke="#999999"/>${rows.join('')}</g>`;
}
