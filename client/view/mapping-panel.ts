/**
 * "The exact mapping for a small live model": a form (system, K, hidden spins, training steps,
 * random start) that asks GET /api/mapping for the exact figures of Mehta & Schwab's mapping on a
 * small periodic Ising system, and a table of them before and after exact training: the Eq. 21
 * and Eq. 22 residuals, ΔF, KL(P‖p_λ) and ln Tr_h e^T (min, max, spread), each with a sentence
 * for a student. The paper's point: an exact RG has Tr_h e^T = 1 for every v; KL = 0 needs only
 * that Tr_h e^T be the same for every v, and KL measures how far it is from that.
 *
 * Keyboard: native labelled controls in a form (Enter or the button computes); the result is
 * announced through a status line, errors through an alert line. Pure helpers (mappingQuery,
 * formatFigure) have no DOM.
 */
import type { MappingFiguresJson, MappingReport } from '../../shared/rg/exact-mapping.js';
import { AlertLine, h, uniqueId } from '../ui/dom.js';
import './mapping-panel.css';

/** Systems offered (≤ 12 spins, the route's bound). */
export const MAPPING_SYSTEMS: readonly { value: string; label: string }[] = [
  { value: 'ring:6', label: 'ring of 6 spins' },
  { value: 'ring:8', label: 'ring of 8 spins' },
  { value: 'ring:10', label: 'ring of 10 spins' },
  { value: 'ring:12', label: 'ring of 12 spins' },
  { value: 'lattice:2x2', label: '2 × 2 lattice' },
  { value: 'lattice:2x3', label: '2 × 3 lattice' },
  { value: 'lattice:3x3', label: '3 × 3 lattice' },
  { value: 'lattice:3x4', label: '3 × 4 lattice' },
];

export interface MappingFormValues {
  system: string;
  K: string;
  hidden: string;
  steps: string;
  seed: string;
}

export const MAPPING_FORM_DEFAULTS: MappingFormValues = { system: 'ring:10', K: '0.4', hidden: '5', steps: '200', seed: '1' };

type Field = keyof MappingFormValues;
export type MappingQueryResult = { ok: true; query: string } | { ok: false; errors: Partial<Record<Field, string>> };

const BOUNDS: Record<'hidden' | 'steps' | 'seed', [number, number]> = { hidden: [1, 8], steps: [0, 2000], seed: [0, 2 ** 32 - 1] };

/** Checks the form (the server checks again, and bounds the total work) and builds the query string. */
export function mappingQuery(form: MappingFormValues): MappingQueryResult {
  const errors: Partial<Record<Field, string>> = {};
  if (!MAPPING_SYSTEMS.some((s) => s.value === form.system)) errors.system = 'choose one of the systems listed';
  const K = Number(form.K.trim().replace('\u2212', '-'));
  if (form.K.trim() === '' || !Number.isFinite(K) || Math.abs(K) > 5) errors.K = 'K must be a number between −5 and 5';
  const ints: Partial<Record<'hidden' | 'steps' | 'seed', number>> = {};
  for (const field of ['hidden', 'steps', 'seed'] as const) {
    const text = form[field].trim();
    const n = Number(text);
    const [min, max] = BOUNDS[field];
    if (!/^\d+$/.test(text) || n < min || n > max) errors[field] = `a whole number from ${min} to ${max}`;
    else ints[field] = n;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const params = new URLSearchParams({ system: form.system, K: String(K), hidden: String(ints.hidden), steps: String(ints.steps), seed: String(ints.seed) });
  return { ok: true, query: params.toString() };
}

const MINUS = '\u2212';
const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/**
 * A figure for the table: 'residual' as "3.6 × 10⁻¹⁵" (or "0"), 'value' with four decimals (or in
 * powers of ten when tiny or huge), a typographic minus either way.
 */
export function formatFigure(x: number, kind: 'residual' | 'value'): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (kind === 'residual' || a < 1e-3 || a >= 1e5) {
    const [mantissa, exponent] = x.toExponential(1).split('e');
    const power = [...String(Number(exponent))].map((c) => SUPERSCRIPT[c] ?? c).join('');
    return `${mantissa!.replace('-', MINUS)} × 10${power}`;
  }
  const text = x.toFixed(4);
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}

/**
 * Text with TeX-like scripts as DOM: `x^{…}` and `x^ab` become <sup>, `x_{…}` and `x_ab` <sub>
 * (a bare script runs over letters and digits only); nested braces allowed. Plain text otherwise.
 */
export function mathNodes(text: string): (Node | string)[] {
  const out: (Node | string)[] = [];
  let plain = '';
  let k = 0;
  while (k < text.length) {
    const c = text[k]!;
    if ((c === '^' || c === '_') && k + 1 < text.length) {
      let body = '';
      let next = k + 1;
      if (text[next] === '{') {
        let depth = 1;
        next++;
        while (next < text.length && depth > 0) {
          if (text[next] === '{') depth++;
          else if (text[next] === '}') depth--;
          if (depth > 0) body += text[next];
          next++;
        }
      } else {
        while (next < text.length && /[\p{L}\p{N}]/u.test(text[next]!)) body += text[next++];
      }
      if (body !== '') {
        if (plain) out.push(plain);
        plain = '';
        out.push(h(c === '^' ? 'sup' : 'sub', {}, ...mathNodes(body)));
        k = next;
        continue;
      }
    }
    plain += c;
    k++;
  }
  if (plain) out.push(plain);
  return out;
}

interface Row {
  label: string;
  meaning: string;
  kind: 'residual' | 'value';
  get: (f: MappingFiguresJson) => number;
}

/** The table's rows, each with what it means for a student. */
export const MAPPING_ROWS: readonly Row[] = [
  {
    label: 'Eq. 21: max |H^RG[h] − H^RBM[h]|',
    meaning: 'Coarse-graining with T = −E + H gives exactly the hidden-spin Hamiltonian of the RBM. Only rounding error is left, for any weights.',
    kind: 'residual',
    get: (f) => f.eq21_residual,
  },
  {
    label: 'Eq. 22: max |ln Tr_h e^T − (H − H^RBM[v])|',
    meaning: 'Summing e^T over the hidden spins gives e^{H(v) − H^RBM(v)} for every configuration v: again exact, whatever the RBM has learned.',
    kind: 'residual',
    get: (f) => f.eq22_residual,
  },
  {
    label: 'ΔF = F^h − F^v',
    meaning: 'Kadanoff’s variational criterion. Tr_h e^T = 1 for every v forces ΔF = 0, but ΔF = 0 alone only says the average of Tr_h e^T over the data is 1. Training on KL does not aim at it.',
    kind: 'value',
    get: (f) => f.delta_f,
  },
  {
    label: 'KL(P ‖ p_λ)',
    meaning: 'How far the RBM’s distribution of v is from the Boltzmann distribution (nats). It is zero exactly when Tr_h e^T is the same for every v; training lowers it.',
    kind: 'value',
    get: (f) => f.kl,
  },
  {
    label: 'ln Tr_h e^T, smallest over v',
    meaning: 'An exact RG has Tr_h e^T = 1, so ln Tr_h e^T = 0 for every configuration.',
    kind: 'value',
    get: (f) => f.ln_trace.min,
  },
  {
    label: 'ln Tr_h e^T, largest over v',
    meaning: 'With the min, this brackets how far the transformation is from Tr_h e^T = 1.',
    kind: 'value',
    get: (f) => f.ln_trace.max,
  },
  {
    label: 'spread of ln Tr_h e^T (max − min)',
    meaning: 'Zero ⇔ KL = 0. Small KL is about half the squared spread under P: KL measures how far Tr_h e^T is from being constant.',
    kind: 'value',
    get: (f) => f.ln_trace.range,
  },
];

export interface MappingPanelOptions {
  /** The route (default '/api/mapping'). */
  endpoint?: string;
  /** Compute the defaults at once (default true). */
  autoload?: boolean;
}

export class MappingPanel {
  private readonly alert = new AlertLine('rg-mapping-alert');
  private readonly status = h('p', { class: 'rg-mapping-status', role: 'status', 'aria-live': 'polite' });
  private readonly form = h('form', { class: 'rg-mapping-form', novalidate: true });
  private readonly button = h('button', { type: 'submit', class: 'rg-mapping-button' }, 'Compute');
  private readonly inputs = {} as Record<Field, HTMLInputElement | HTMLSelectElement>;
  private readonly errors = {} as Record<Field, HTMLElement>;
  private readonly table = h('table', { class: 'rg-mapping-table' });
  private readonly summary = h('p', { class: 'rg-mapping-summary' });
  private readonly endpoint: string;
  private request: AbortController | null = null;

  constructor(
    private readonly container: HTMLElement,
    options: MappingPanelOptions = {},
  ) {
    this.endpoint = options.endpoint ?? '/api/mapping';
    container.classList.add('rg-mapping');
    container.replaceChildren(this.build());
    if (options.autoload ?? true) void this.compute();
  }

  /** Reads the form, asks the server, shows the figures (a newer request replaces an older one). */
  async compute(): Promise<void> {
    const values = Object.fromEntries(Object.entries(this.inputs).map(([k, el]) => [k, el.value])) as unknown as MappingFormValues;
    const checked = mappingQuery(values);
    for (const field of Object.keys(this.inputs) as Field[]) {
      const message = checked.ok ? undefined : checked.errors[field];
      this.errors[field].textContent = message ?? '';
      if (message) this.inputs[field].setAttribute('aria-invalid', 'true');
      else this.inputs[field].removeAttribute('aria-invalid');
    }
    if (!checked.ok) {
      this.alert.show('Please correct the marked fields.');
      const first = (Object.keys(this.inputs) as Field[]).find((f) => checked.errors[f]);
      if (first) this.inputs[first].focus();
      return;
    }
    this.alert.clear();
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.button.disabled = true;
    this.table.setAttribute('aria-busy', 'true');
    this.status.textContent = 'Computing every configuration exactly…';
    try {
      const response = await fetch(`${this.endpoint}?${checked.query}`, { signal: request.signal });
      const body: unknown = await response.json();
      if (!response.ok) {
        const message = (body as { error?: { message?: string } }).error?.message ?? `HTTP ${response.status}`;
        throw new Error(message);
      }
      if (request !== this.request) return;
      this.show(body as MappingReport);
    } catch (error) {
      if (request.signal.aborted) return;
      this.status.textContent = '';
      this.alert.show(`Could not compute the mapping: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (request === this.request) {
        this.button.disabled = false;
        this.table.removeAttribute('aria-busy');
        this.request = null;
      }
    }
  }

  private build(): DocumentFragment {
    const titleId = uniqueId('mapping-title');
    if (!this.container.hasAttribute('aria-labelledby') && !this.container.hasAttribute('aria-label')) this.container.setAttribute('aria-labelledby', titleId);
    const intro = h(
      'p',
      { class: 'rg-mapping-intro' },
      ...mathNodes(
        'Mehta & Schwab map Kadanoff’s variational RG onto an RBM by choosing the RG operator T(v, h) = −E(v, h) + H(v). ' +
          'For a system this small, every configuration can be summed exactly: the identities of the mapping hold to rounding error for any RBM, ' +
          'while an exact RG (Tr_h e^T = 1 for every v) needs the RBM to reproduce the data perfectly (KL = 0) and its free energy to match (ΔF = 0).',
      ),
    );

    const fields = h('div', { class: 'rg-mapping-fields' });
    const select = h('select', {}) as HTMLSelectElement;
    for (const s of MAPPING_SYSTEMS) select.append(h('option', { value: s.value }, s.label));
    select.value = MAPPING_FORM_DEFAULTS.system;
    this.addField(fields, 'system', 'Ising system (periodic)', select, 'The data: P(v) ∝ e^{−H(v)} over every configuration.');
    this.addField(fields, 'K', 'Coupling K = J/k_{B}T', this.numberInput('K', { min: -5, max: 5, step: 0.01 }), 'K_c ≈ 0.44 on the infinite square lattice.');
    this.addField(fields, 'hidden', 'Hidden spins', this.numberInput('hidden', { min: 1, max: 8, step: 1 }), '1 to 8.');
    this.addField(fields, 'steps', 'Training steps', this.numberInput('steps', { min: 0, max: 2000, step: 1 }), 'Exact gradient descent on KL; 0 shows the random start only.');
    this.addField(fields, 'seed', 'Random start (seed)', this.numberInput('seed', { min: 0, max: 2 ** 32 - 1, step: 1 }), 'Different seeds give different initial weights.');

    this.form.append(fields, h('div', { class: 'rg-mapping-actions' }, this.button));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.compute();
    });

    const captionId = uniqueId('mapping-caption');
    this.table.setAttribute('aria-describedby', captionId);
    this.renderTable(null);

    const footnote = h(
      'p',
      { class: 'rg-mapping-note', id: captionId },
      ...mathNodes(
        'Exactly, for every RBM: KL = −ΔF − ⟨ln Tr_h e^T⟩_P and e^{−ΔF} = ⟨Tr_h e^T⟩_P (averages over the data). ' +
          'So KL = 0 ⇔ Tr_h e^T is the same for every v (it then equals e^{−ΔF}), and an exact RG (Tr_h e^T ≡ 1) ⇔ KL = 0 and ΔF = 0. ' +
          'Units: nats, k_{B}T = 1; spins ±1.',
      ),
    );

    const fragment = document.createDocumentFragment();
    fragment.append(
      h('h3', { id: titleId, class: 'rg-mapping-title' }, 'The exact mapping for a small live model'),
      intro,
      this.form,
      this.alert.element,
      this.status,
      h('div', { class: 'rg-mapping-scroll' }, this.table),
      this.summary,
      footnote,
    );
    return fragment;
  }

  private numberInput(field: Field, attrs: { min: number; max: number; step: number }): HTMLInputElement {
    const input = h('input', { type: 'number', inputmode: field === 'K' ? 'decimal' : 'numeric', ...attrs }) as HTMLInputElement;
    input.value = MAPPING_FORM_DEFAULTS[field];
    return input;
  }

  private addField(parent: HTMLElement, field: Field, label: string, control: HTMLInputElement | HTMLSelectElement, hint: string): void {
    const id = uniqueId(`mapping-${field}`);
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    control.id = id;
    control.name = field;
    control.setAttribute('aria-describedby', `${hintId} ${errorId}`);
    const error = h('span', { class: 'rg-mapping-error', id: errorId });
    this.inputs[field] = control;
    this.errors[field] = error;
    parent.append(h('div', { class: 'rg-mapping-field' }, h('label', { for: id }, ...mathNodes(label)), control, h('span', { class: 'rg-mapping-hint', id: hintId }, ...mathNodes(hint)), error));
  }

  private renderTable(report: MappingReport | null): void {
    const head = h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'Quantity'), h('th', { scope: 'col' }, 'Before training'), h('th', { scope: 'col' }, 'After training'), h('th', { scope: 'col' }, 'What it means')),
    );
    const body = h('tbody', {});
    for (const row of MAPPING_ROWS) {
      const cell = (f: MappingFiguresJson | undefined): HTMLTableCellElement => h('td', { class: 'rg-mapping-number' }, f ? formatFigure(row.get(f), row.kind) : '—');
      body.append(h('tr', {}, h('th', { scope: 'row' }, ...mathNodes(row.label)), cell(report?.before), cell(report?.after), h('td', { class: 'rg-mapping-meaning' }, ...mathNodes(row.meaning))));
    }
    const caption = h('caption', {}, report ? `${report.system}, K = ${report.K}, ${report.hidden} hidden spins, ${report.steps} training steps (seed ${report.seed})` : 'No figures yet');
    this.table.replaceChildren(caption, head, body);
  }

  private show(report: MappingReport): void {
    this.renderTable(report);
    const exact = (f: MappingFiguresJson): string => (f.exact_rg ? 'an exact RG' : f.constant_trace ? 'constant trace (KL = 0) but not Tr_h e^T = 1' : 'not an exact RG');
    this.summary.replaceChildren(
      ...mathNodes(
        `F^v = −ln Z = ${formatFigure(report.free_energy_visible, 'value')}. ` +
          `KL went from ${formatFigure(report.before.kl, 'value')} to ${formatFigure(report.after.kl, 'value')} nats in ${report.steps} steps; ` +
          `before: ${exact(report.before)}, after: ${exact(report.after)}.`,
      ),
    );
    this.status.textContent = `Computed ${report.system} with ${report.hidden} hidden spins in ${report.seconds.toFixed(2)} s.`;
  }
}
