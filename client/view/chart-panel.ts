/**
 * One labelled uPlot chart: a <figure> holding the chart and a <figcaption> (a title and a line
 * of latest values), sized to the figure's width by a ResizeObserver. The chart is rebuilt by
 * `build` (when its series change) and fed by `setData`; nothing redraws unless asked.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './plots.css';

/** Chart options without the size, which the panel decides. */
export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export interface PanelSize {
  /** Height / width of the chart area (legend excluded). */
  aspect: number;
  minHeight: number;
  maxHeight: number;
}

const DEFAULT_SIZE: PanelSize = { aspect: 0.5, minHeight: 180, maxHeight: 380 };

export class ChartPanel {
  readonly figure: HTMLElement;
  private readonly host: HTMLDivElement;
  private readonly note: HTMLSpanElement;
  private readonly observer: ResizeObserver;
  private chart: uPlot | null = null;
  private width = 0;

  constructor(
    parent: HTMLElement,
    title: string,
    private readonly size: PanelSize = DEFAULT_SIZE,
  ) {
    this.figure = document.createElement('figure');
    this.figure.className = 'rg-chart';
    this.host = document.createElement('div');
    this.host.className = 'rg-chart-host';
    const caption = document.createElement('figcaption');
    const heading = document.createElement('strong');
    heading.textContent = title;
    this.note = document.createElement('span');
    this.note.className = 'rg-chart-note';
    caption.append(heading, ' ', this.note);
    this.figure.append(this.host, caption);
    parent.append(this.figure);
    this.width = this.measure();
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.figure);
  }

  /** (Re)creates the chart with these options and data. */
  build(options: ChartOptions, data: uPlot.AlignedData): void {
    this.chart?.destroy();
    this.width = this.measure();
    this.chart = new uPlot({ ...options, ...this.dimensions() }, data, this.host);
  }

  /** Replaces the data and redraws once (scales re-fit to the data). */
  setData(data: uPlot.AlignedData): void {
    this.chart?.setData(data);
  }

  /** Redraws without new data (e.g. after a draw hook's input changed). */
  redraw(): void {
    this.chart?.redraw(false, true);
  }

  /** The caption's line after the title. */
  setNote(text: string): void {
    if (this.note.textContent !== text) this.note.textContent = text;
  }

  dispose(): void {
    this.observer.disconnect();
    this.chart?.destroy();
    this.chart = null;
    this.figure.remove();
  }

  private measure(): number {
    return Math.max(200, Math.floor(this.figure.clientWidth || this.figure.parentElement?.clientWidth || 480));
  }

  private dimensions(): { width: number; height: number } {
    const { aspect, minHeight, maxHeight } = this.size;
    return { width: this.width, height: Math.round(Math.min(maxHeight, Math.max(minHeight, this.width * aspect))) };
  }

  /** Only a change of width resizes: the height follows the width, so this cannot loop. */
  private resize(): void {
    const width = this.measure();
    if (width === this.width) return;
    this.width = width;
    this.chart?.setSize(this.dimensions());
  }
}
