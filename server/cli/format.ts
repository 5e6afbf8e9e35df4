/**
 * Human-readable renderings of the CLI's JSON summaries (used when --json is absent).
 */

interface EstimateLike {
  mean: number;
  err: number;
}

/** The fields of a `rgflow sample` summary that the text rendering shows. */
export interface SampleSummaryView {
  L: number;
  beta: number;
  algorithm: string;
  samples: number;
  energy_per_site: EstimateLike;
  abs_magnetization: EstimateLike;
  specific_heat: EstimateLike;
  tau_int_energy: number;
  sample_spacing: number;
  seconds: number;
  flips_per_second: number;
  independent_samples_per_second: number;
  exact: { energy_per_site: number; specific_heat: number } | null;
  out?: string;
}

/** "0.12345(67)"-style value ± error with sensible digits. */
export function formatEstimate(e: EstimateLike): string {
  if (!Number.isFinite(e.err) || e.err <= 0) return `${e.mean.toPrecision(6)}`;
  const digits = Math.max(0, 1 - Math.floor(Math.log10(e.err)));
  return `${e.mean.toFixed(digits)} ± ${e.err.toFixed(digits)}`;
}

export function formatSampleSummary(s: SampleSummaryView): string {
  const lines = [
    `2D Ising, L = ${s.L}, K = ${s.beta}, ${s.algorithm}: ${s.samples} samples, spacing ${s.sample_spacing} sweeps (τ_int(E) = ${s.tau_int_energy.toFixed(2)})`,
    `  energy per site   ${formatEstimate(s.energy_per_site)}${s.exact ? `   exact (Kaufman) ${s.exact.energy_per_site.toFixed(6)}` : ''}`,
    `  specific heat     ${formatEstimate(s.specific_heat)}${s.exact ? `   exact (Kaufman) ${s.exact.specific_heat.toFixed(6)}` : ''}`,
    `  |m|               ${formatEstimate(s.abs_magnetization)}`,
    `  ${s.seconds.toFixed(2)} s, ${(s.flips_per_second / 1e6).toFixed(1)}×10⁶ spin updates/s, ${s.independent_samples_per_second.toFixed(0)} independent samples/s`,
  ];
  if (s.out) lines.push(`  wrote ${s.out}`);
  return `${lines.join('\n')}\n`;
}

/** Renders any nested benchmark result as indented "key: value" lines. */
export function formatBench(result: unknown, indent = ''): string {
  if (result === null || typeof result !== 'object') return `${String(result)}\n`;
  let out = '';
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    if (value !== null && typeof value === 'object') out += `${indent}${key}:\n${formatBench(value, `${indent}  `)}`;
    else out += `${indent}${key}: ${typeof value === 'number' ? formatNumber(value) : String(value)}\n`;
  }
  return out;
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  if (Math.abs(x) >= 1e5) return x.toExponential(3);
  return x.toPrecision(4);
}
