/**
 * The measurement table: energy per site and |m| as mean ± error beside their exact values,
 * and a line about the run (sweeps since the last change, τ_int, simulation rate). An estimate
 * whose error bar is still a lower bound (run short compared with τ_int) is shown greyed.
 */
import { CRITICAL_COUPLING } from '../../shared/physics/ising.js';
import type { FramePayload, RunningEstimate } from '../../shared/protocol/events.js';
import { fixed, formatEstimate } from './format.js';

const UNCONVERGED_HINT = 'error bar not converged yet: the run is still short compared with the autocorrelation time';

/** Writes an estimate into `cell`, greyed with a hint while its error is a lower bound; returns whether it is. */
function showEstimate(cell: HTMLElement, estimate: RunningEstimate | null): boolean {
  cell.textContent = formatEstimate(estimate);
  const unconverged = estimate !== null && !estimate.converged;
  cell.classList.toggle('unconverged', unconverged);
  cell.title = unconverged ? UNCONVERGED_HINT : '';
  return unconverged;
}

/** "0 (T ≥ T_c)" with a real subscript. */
function aboveCritical(cell: HTMLElement): void {
  const sub = document.createElement('sub');
  sub.textContent = 'c';
  cell.replaceChildren('0  (T ≥ T', sub, ')');
}

export interface ReadoutElements {
  energyMeasured: HTMLElement;
  energyExact: HTMLElement;
  energyExactLabel: HTMLElement;
  magnetizationMeasured: HTMLElement;
  magnetizationExact: HTMLElement;
  runInfo: HTMLElement;
  /** Footnote explaining greyed estimates; shown only while there is one. */
  unconvergedNote: HTMLElement;
}

export class Readouts {
  constructor(private readonly elements: ReadoutElements) {}

  /** Shows the estimates and references of one frame of an L×L lattice. */
  show(frame: FramePayload, L: number): void {
    const e = this.elements;
    const energyUnconverged = showEstimate(e.energyMeasured, frame.energyPerSite);
    e.energyExact.textContent = fixed(frame.exact.energyPerSite, 4);
    e.energyExactLabel.textContent = `Kaufman, ${L}×${L} periodic`;
    const magnetizationUnconverged = showEstimate(e.magnetizationMeasured, frame.absMagnetization);
    e.unconvergedNote.hidden = !(energyUnconverged || magnetizationUnconverged);
    if (frame.coupling > CRITICAL_COUPLING) e.magnetizationExact.textContent = fixed(frame.exact.spontaneousMagnetization, 4);
    else aboveCritical(e.magnetizationExact);
    const tau = frame.energyPerSite ? `, τ_int(e) ≈ ${frame.energyPerSite.tauInt.toFixed(1)} sweeps` : '';
    e.runInfo.textContent =
      `${frame.sweepsSinceChange.toLocaleString('en')} sweeps since the last change${tau}; ` +
      `${Math.round(frame.sweepsPerSecond).toLocaleString('en')} sweeps/s`;
  }
}
