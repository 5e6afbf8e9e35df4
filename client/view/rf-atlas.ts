/**
 * The receptive-field atlas (the paper's Fig. 3B/3C): for the layer chosen in a <select>, every
 * unit's effective receptive field r(l) = W(1)⋯W(l) (Appendix B) as a small L×L heatmap, all of
 * them on one canvas (atlas-paint.ts), redrawn with one putImageData per weight snapshot.
 * The canvas fills the width with crisp pixels where it is at least twice the image, else it
 * shows the image 1:1, or scales it down smoothly where the width is smaller.
 */
import type { DecodedNetwork } from '../model/network.js';
import type { SessionState } from '../state/session-state.js';
import { atlasGeometry, paintAtlas, type AtlasGeometry } from './atlas-paint.js';
import { divergingCss } from './colormap.js';
import './plots.css';

let instances = 0;

export class ReceptiveFieldAtlas {
  private readonly figure: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly waiting: HTMLDivElement;
  private readonly caption: HTMLElement;
  private readonly observer: ResizeObserver;
  private readonly unsubscribe: (() => void)[];
  private image: ImageData | null = null;
  private geometry: AtlasGeometry | null = null;
  private column = new Float32Array(0);
  /** 1-based layer shown; 0 until the first network (then the top layer: the coarsest block spins). */
  private layer = 0;
  private layerCount = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly state: SessionState,
  ) {
    const id = `rg-atlas-layer-${++instances}`;
    this.figure = document.createElement('figure');
    this.figure.className = 'rg-atlas';

    const controls = document.createElement('div');
    controls.className = 'rg-atlas-controls';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = 'Layer';
    this.select = document.createElement('select');
    this.select.id = id;
    this.select.append(new Option('—', ''));
    this.select.disabled = true;
    this.select.addEventListener('change', () => {
      this.layer = Number(this.select.value);
      this.draw();
    });
    controls.append(label, this.select, colourKey());

    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.hidden = true;
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('2D canvas is not available');
    this.context = context;
    this.waiting = document.createElement('div');
    this.waiting.className = 'rg-atlas-waiting';
    this.waiting.textContent = 'waiting for the first weight snapshot…';
    this.caption = document.createElement('figcaption');
    this.figure.append(controls, this.waiting, this.canvas, this.caption);
    container.append(this.figure);

    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(container);
    this.unsubscribe = [state.on('network', () => this.draw()), state.on('load', () => this.draw())];
    this.draw();
  }

  dispose(): void {
    for (const stop of this.unsubscribe) stop();
    this.observer.disconnect();
    this.figure.remove();
  }

  private draw(): void {
    const network = this.state.network;
    if (!network || network.layers.length === 0) {
      this.showWaiting(true);
      return;
    }
    this.syncLayers(network);
    const l = this.layer;
    const units = network.layers[l - 1]!.hidden;
    const geometry = this.geometryFor(units, network.L);
    const max = paintAtlas(network.fields[l - 1]!, geometry, this.image!.data, this.column);
    this.context.putImageData(this.image!, 0, 0);
    this.showWaiting(false);
    const product = Array.from({ length: l }, (_, k) => `W(${k + 1})`).join('');
    const fieldName = l === 1 ? 'r(1) = W(1)' : `r(${l}) = ${product}`;
    const empty = max === 0 ? ' This snapshot carries no field for this layer.' : '';
    this.caption.textContent =
      `Layer ${l}: the receptive fields ${fieldName} of its ${units} units, each a ${network.L}×${network.L} map over the lattice ` +
      `(unit j at row ⌊j/${geometry.columns}⌋, column j mod ${geometry.columns}), each coloured on its own scale ±max|r|; ` +
      `weight snapshot at tick ${network.tick}.${empty}`;
    this.canvas.setAttribute('aria-label', `Receptive fields of the ${units} units of layer ${l}`);
  }

  /** The <select> lists layers 1…n of the current network; the choice survives snapshots while it exists. */
  private syncLayers(network: DecodedNetwork): void {
    const n = network.layers.length;
    if (n !== this.layerCount) {
      this.layerCount = n;
      this.select.replaceChildren(
        ...network.layers.map((layer, index) => new Option(`layer ${index + 1} (${layer.hidden} units)`, String(index + 1))),
      );
      this.select.disabled = false;
    }
    if (this.layer < 1 || this.layer > n) this.layer = n;
    this.select.value = String(this.layer);
  }

  private geometryFor(units: number, L: number): AtlasGeometry {
    const g = this.geometry;
    if (g && g.units === units && g.L === L && this.image) return g;
    const geometry = atlasGeometry(units, L, 1);
    this.geometry = geometry;
    this.canvas.width = geometry.width;
    this.canvas.height = geometry.height;
    this.image = this.context.createImageData(geometry.width, geometry.height);
    this.column = new Float32Array(L * L);
    this.fit();
    return geometry;
  }

  private showWaiting(waiting: boolean): void {
    this.waiting.hidden = !waiting;
    this.canvas.hidden = waiting;
    this.select.disabled = waiting;
    if (waiting) this.caption.textContent = 'Each unit’s field over the lattice appears with the first weight snapshot.';
  }

  /**
   * CSS size. Zoom z = available device pixels / image pixels: z ≥ 2 fills the width with
   * whole-pixel blocks (nearest neighbour; a 1-px gap becomes 2 or 3 device pixels);
   * 1 ≤ z < 2 shows the image 1:1 (stretching by less than 2 would double some rows only);
   * z < 1 fills the width, scaled down smoothly.
   */
  private fit(): void {
    const g = this.geometry;
    if (!g) return;
    // at most 80 % of the window's height, so the square grid never overflows the screen
    const available = Math.min(this.container.clientWidth, (window.innerHeight * 0.8 * g.width) / g.height);
    if (!(available > 0)) return;
    const ratio = window.devicePixelRatio || 1;
    const zoom = (available * ratio) / g.width;
    const cssWidth = zoom >= 2 || zoom < 1 ? available : g.width / ratio;
    this.canvas.style.width = `${cssWidth}px`;
    this.canvas.style.height = `${(cssWidth * g.height) / g.width}px`;
    this.canvas.classList.toggle('rg-crisp', zoom >= 1);
  }
}

/** A small colour bar: −max|r| (blue) … 0 (white) … +max|r| (brown), from the map itself. */
function colourKey(): HTMLElement {
  const key = document.createElement('span');
  key.className = 'rg-colour-key';
  const ramp = document.createElement('span');
  ramp.className = 'rg-ramp';
  const stops = Array.from({ length: 9 }, (_, i) => divergingCss(-1 + i / 4));
  ramp.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  key.append('−max|r|', ramp, '+max|r|');
  return key;
}
