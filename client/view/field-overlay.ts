/**
 * The selected unit's receptive field r(l) (its column of the n(0) × n(l) field matrix) as a
 * diverging heatmap on an L×L canvas laid over the 2D lattice, one pixel per site, scaled by
 * the field's own max |r| (so its shape shows, whatever the layer's overall scale). Hidden
 * (`canvas.hidden`) while nothing is selected or no weights are known; redrawn on new weights.
 */
import { fieldOf } from '../model/network.js';
import type { SessionState } from '../state/session-state.js';
import type { UnitSelection } from './stack-view.js';
import { paintDiverging } from './colormap.js';

export class FieldOverlay {
  private readonly context: CanvasRenderingContext2D;
  private selection: UnitSelection | null = null;
  private image: ImageData | null = null;
  private field = new Float32Array(0);

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly state: SessionState,
  ) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('2D canvas is not available');
    this.context = context;
    canvas.hidden = true;
    state.on('network', () => this.draw());
    state.on('load', () => this.draw());
  }

  /** Shows the receptive field of `selection` (null: hides the overlay). */
  show(selection: UnitSelection | null): void {
    this.selection = selection ? { layer: selection.layer, unit: selection.unit } : null;
    this.draw();
  }

  private draw(): void {
    const network = this.state.network;
    const selection = this.selection;
    const fields = selection && network ? network.fields[selection.layer - 1] : undefined;
    const units = selection && network ? network.layers[selection.layer - 1]?.hidden : undefined;
    const L = network?.L ?? 0;
    if (!selection || !fields || !units || !(selection.unit >= 0 && selection.unit < units) || fields.length !== L * L * units) {
      this.hide();
      return;
    }
    if (this.canvas.width !== L || this.canvas.height !== L || !this.image) {
      this.canvas.width = L;
      this.canvas.height = L;
      this.image = this.context.createImageData(L, L);
      this.field = new Float32Array(L * L);
    }
    fieldOf(fields, units, selection.unit, this.field);
    let max = 0;
    for (const value of this.field) max = Math.max(max, Math.abs(value));
    paintDiverging(this.field, max, this.image.data);
    this.context.putImageData(this.image, 0, 0);
    this.canvas.hidden = false;
  }

  private hide(): void {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.canvas.hidden = true;
  }
}
