/**
 * Draws a bit-packed spin configuration on a canvas, one canvas pixel per site (CSS scales it
 * up with `image-rendering: pixelated`). Spin +1 is orange, −1 blue (view/colormap.ts).
 */
import { asBytes, unpackLattice } from '../../shared/protocol/lattice-codec.js';

import { SPIN_DOWN, SPIN_UP } from '../view/colormap.js';

/** RGBA of spin +1 and spin −1: the same colours as the 3D view's units. */
const UP = [...SPIN_UP, 255] as const;
const DOWN = [...SPIN_DOWN, 255] as const;

export class LatticeView {
  private L = 0;
  private image: ImageData | null = null;
  private spins = new Int8Array(0);
  private readonly context: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('2D canvas is not available');
    this.context = context;
  }

  /**
   * Draws one frame.
   * @param packed bit-packed spins (`packLattice`), as received
   * @param L      linear lattice size
   */
  draw(packed: ArrayBuffer | ArrayBufferView, L: number): void {
    const image = L === this.L && this.image ? this.image : this.resize(L);
    const spins = unpackLattice(asBytes(packed), L * L, this.spins);
    const pixels = image.data;
    for (let i = 0; i < spins.length; i++) {
      const colour = spins[i] > 0 ? UP : DOWN;
      const p = 4 * i;
      pixels[p] = colour[0];
      pixels[p + 1] = colour[1];
      pixels[p + 2] = colour[2];
      pixels[p + 3] = colour[3];
    }
    this.context.putImageData(image, 0, 0);
  }

  private resize(L: number): ImageData {
    this.L = L;
    this.canvas.width = L;
    this.canvas.height = L;
    this.spins = new Int8Array(L * L);
    this.image = this.context.createImageData(L, L);
    return this.image;
  }
}
