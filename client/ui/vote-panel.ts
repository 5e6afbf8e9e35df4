/**
 * The temperature policy in words for everyone, and in `vote` mode the live histogram of the
 * standing proposals (equal bins over [min, max], CSS bars) with the applied median and T_c
 * marked, and the number of proposals. The figure is one image for screen readers, labelled
 * with a sentence that summarises it (it changes every 2 s, so it is not a live region).
 */
import './classroom.css';
import { CRITICAL_TEMPERATURE } from '../../shared/physics/ising.js';
import type { PolicyMode, VoteTally } from '../../shared/protocol/events.js';
import type { SessionState } from '../state/session-state.js';
import { h, uniqueId } from './dom.js';
import { axisTicks, histogramBars, histogramPosition, policySentence, policyTitle, proposalCount, voteSummary } from './vote-histogram.js';

export class VotePanel {
  private readonly mode = h('span', { class: 'rg-vote-mode' }, '—');
  private readonly sentence = h('p', { class: 'rg-policy-text' });
  private readonly figure = h('figure', { class: 'rg-histogram' });
  private readonly plot = h('div', { class: 'rg-hist-plot', role: 'img' });
  private readonly bars = h('div', { class: 'rg-hist-bars', 'aria-hidden': 'true' });
  private readonly axis = h('div', { class: 'rg-hist-axis', 'aria-hidden': 'true' });
  private readonly median = h('div', { class: 'rg-hist-mark rg-hist-median', 'aria-hidden': 'true' });
  private readonly medianLabel = h('span', { class: 'rg-hist-label' });
  private readonly tc = h('div', { class: 'rg-hist-mark rg-hist-tc', 'aria-hidden': 'true' });
  private readonly caption = h('figcaption', { class: 'rg-hist-caption' });
  /** The histogram range the bars and axis were built for ("min:max:bins"). */
  private builtFor = '';

  constructor(
    private readonly container: HTMLElement,
    private readonly state: SessionState,
  ) {
    container.classList.add('rg-panel', 'rg-vote');
    const titleId = uniqueId('vote-title');
    if (!container.hasAttribute('aria-label') && !container.hasAttribute('aria-labelledby')) container.setAttribute('aria-labelledby', titleId);
    this.median.append(this.medianLabel);
    const tcLabel = h('span', { class: 'rg-hist-label' }, 'T', h('sub', {}, 'c'), ` ≈ ${CRITICAL_TEMPERATURE.toFixed(2)}`);
    this.tc.append(tcLabel);
    this.plot.append(this.bars, this.tc, this.median);
    this.figure.append(this.plot, this.axis, this.caption);
    container.replaceChildren(h('h2', { class: 'rg-title', id: titleId }, 'Temperature policy: ', this.mode), this.sentence, this.figure);
    state.on('load', () => this.render());
    state.on('policy', () => this.render());
    state.on('vote', () => this.render());
    this.render();
  }

  private render(): void {
    const mode: PolicyMode | null = this.state.policy?.mode ?? this.state.vote?.mode ?? null;
    this.mode.textContent = mode ? policyTitle(mode) : '—';
    this.sentence.textContent = mode ? policySentence(mode) : '';
    const tally = this.state.vote;
    this.figure.hidden = mode !== 'vote' || tally === null;
    if (mode === 'vote' && tally) this.renderHistogram(tally);
  }

  private renderHistogram(tally: VoteTally): void {
    const { histogram } = tally;
    const key = `${histogram.min}:${histogram.max}:${histogram.counts.length}`;
    if (key !== this.builtFor) this.build(histogram);
    const bars = histogramBars(histogram);
    bars.forEach((bar, i) => {
      const element = this.bars.children[i] as HTMLElement | undefined;
      if (!element) return;
      element.style.height = `${(bar.height * 100).toFixed(2)}%`;
      element.classList.toggle('rg-empty', bar.count === 0);
      const label = element.firstElementChild as HTMLElement;
      label.textContent = bar.count > 0 ? String(bar.count) : '';
      element.title = `${bar.count} in [${bar.lo.toFixed(1)}, ${bar.hi.toFixed(1)})`;
    });
    this.tc.style.left = `${(histogramPosition(histogram, CRITICAL_TEMPERATURE) * 100).toFixed(2)}%`;
    this.median.hidden = tally.applied === null;
    if (tally.applied !== null) {
      const at = histogramPosition(histogram, tally.applied);
      this.median.style.left = `${(at * 100).toFixed(2)}%`;
      this.median.classList.toggle('rg-label-left', at > 0.75);
      this.medianLabel.textContent = `median ${tally.applied.toFixed(2)}`;
    }
    const n = tally.proposals.length;
    const applied = tally.applied === null ? '' : ` · median T = ${tally.applied.toFixed(2)}`;
    this.caption.textContent = `${proposalCount(n).replace(/^no/, 'No')} in the last ${tally.windowMs / 1000} s${applied}`;
    this.plot.setAttribute('aria-label', voteSummary(tally, CRITICAL_TEMPERATURE));
  }

  /** The bars and the axis for a histogram range. */
  private build(histogram: VoteTally['histogram']): void {
    this.builtFor = `${histogram.min}:${histogram.max}:${histogram.counts.length}`;
    this.bars.replaceChildren(
      ...histogramBars(histogram).map((bar) =>
        h('div', { class: 'rg-bar', style: `left:${(bar.left * 100).toFixed(3)}%;width:${(bar.width * 100).toFixed(3)}%` }, h('span', { class: 'rg-bar-count' })),
      ),
    );
    const span = histogram.max - histogram.min;
    const step = span > 20 ? 5 : span > 6 ? 1 : 0.5;
    this.axis.replaceChildren(
      ...axisTicks(histogram.min, histogram.max, step).map((t) => {
        const labelled = step !== 1 || t % 2 === 0 || t === histogram.min;
        const tick = h('span', { class: labelled ? 'rg-axis-tick' : 'rg-axis-tick rg-minor', style: `left:${(histogramPosition(histogram, t) * 100).toFixed(3)}%` });
        if (labelled) tick.textContent = String(t);
        return tick;
      }),
      h('span', { class: 'rg-axis-name' }, 'T'),
    );
  }
}
