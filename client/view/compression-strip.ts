/**
 * The compression strip: a lattice sample (n(0) = L² spins), its code — the top layer's n(n)
 * units, sampled upwards h(l) ~ p(h(l) | h(l−1)) by the engine for this very frame — and the
 * mean-field reconstruction p(v = 1 | h(n)) back down the stack (network.ts `reconstruct`),
 * with how many spins the reconstruction gets right. All three in the lattice view's colours
 * (spin-ramp.ts): spin up and p = 1 orange, spin down and p = 0 blue, p = ½ white. Redrawn at most once a second (a
 * reconstruction is ≈ 0.7 M multiply-adds at 1600-400-100-25), always with the latest frame.
 */
import { asBytes, unpackLattice } from '../../shared/protocol/lattice-codec.js';
import type { FramePayload } from '../../shared/protocol/engine-events.js';
import { reconstruct, type DecodedNetwork } from '../model/network.js';
import { compareReconstruction, signedProbabilities } from '../model/reconstruction-stats.js';
import type { SessionState } from '../state/session-state.js';
import { fixed } from '../ui/format.js';
import { paintSpins } from './spin-ramp.js';
import './plots.css';

/** Least time between two redraws, ms. */
const REDRAW_INTERVAL_MS = 1000;

/** One square picture with a caption, or a message in its place. */
class Panel {
  readonly figure: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly message: HTMLDivElement;
  private readonly caption: HTMLElement;
  private image: ImageData | null = null;

  constructor(parent: HTMLElement, label: string) {
    this.figure = document.createElement('figure');
    this.figure.className = 'rg-strip-panel';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('2D canvas is not available');
    this.context = context;
    this.message = document.createElement('div');
    this.message.className = 'rg-strip-wait';
    this.caption = document.createElement('figcaption');
    this.figure.append(this.canvas, this.message, this.caption);
    parent.append(this.figure);
  }

  /** Paints side × side values in [−1, 1] (spins, or 2p − 1) in the lattice view's spin colours. */
  paint(values: ArrayLike<number>, side: number, caption: string): void {
    if (!this.image || this.image.width !== side) {
      this.canvas.width = side;
      this.canvas.height = side;
      this.image = this.context.createImageData(side, side);
    }
    paintSpins(values, this.image.data);
    this.context.putImageData(this.image, 0, 0);
    this.canvas.hidden = false;
    this.message.hidden = true;
    this.caption.textContent = caption;
  }

  wait(message: string, caption: string): void {
    this.canvas.hidden = true;
    this.message.hidden = false;
    this.message.textContent = message;
    this.caption.textContent = caption;
  }
}

export class CompressionStrip {
  private readonly root: HTMLElement;
  private readonly sample: Panel;
  private readonly code: Panel;
  private readonly reconstruction: Panel;
  private readonly stats: HTMLParagraphElement;
  private readonly unsubscribe: (() => void)[];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastDraw = Number.NEGATIVE_INFINITY;
  /** What the last redraw showed, to skip identical ones (a paused engine repeats its frame). */
  private shown: { tick: number; sweeps: number; network: DecodedNetwork | null } | null = null;
  private spins = new Int8Array(0);
  private signed = new Float32Array(0);

  constructor(
    container: HTMLElement,
    private readonly state: SessionState,
  ) {
    this.root = document.createElement('figure');
    this.root.className = 'rg-strip';
    const panels = document.createElement('div');
    panels.className = 'rg-strip-panels';
    this.sample = new Panel(panels, 'Lattice sample');
    this.code = new Panel(panels, 'Top-layer code of the sample');
    this.reconstruction = new Panel(panels, 'Reconstruction of the sample from its code');
    this.stats = document.createElement('p');
    this.stats.className = 'rg-strip-stats';
    this.stats.setAttribute('aria-live', 'off');
    this.root.append(panels, this.stats);
    container.append(this.root);
    const schedule = (): void => this.schedule();
    const reload = (): void => {
      this.shown = null;
      this.schedule();
    };
    this.unsubscribe = [state.on('frame', schedule), state.on('network', reload), state.on('load', reload)];
    this.draw();
  }

  dispose(): void {
    for (const stop of this.unsubscribe) stop();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.root.remove();
  }

  /** At most one redraw per REDRAW_INTERVAL_MS, and always one after the latest event (trailing). */
  private schedule(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastDraw + REDRAW_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draw();
    }, wait);
  }

  private draw(): void {
    this.lastDraw = performance.now();
    const frame = this.state.frame;
    const L = this.state.L;
    const network = this.state.network;
    if (!frame || L === 0) {
      this.sample.wait('waiting for the first frame…', 'Sample');
      this.code.wait('', 'Code');
      this.reconstruction.wait('', 'Reconstruction');
      this.stats.textContent = '';
      this.shown = null;
      return;
    }
    const s = this.shown;
    // a paused engine sends the same state in new payloads: nothing to redraw
    if (s && s.tick === frame.tick && s.sweeps === frame.sweeps && s.network === network) return;
    this.shown = { tick: frame.tick, sweeps: frame.sweeps, network };

    const N = L * L;
    if (this.spins.length !== N) this.spins = new Int8Array(N);
    unpackLattice(asBytes(frame.lattice), N, this.spins);
    this.sample.paint(this.spins, L, `Sample: ${L}×${L} spins at tick ${frame.tick}, T = ${fixed(frame.temperature, 3)}`);

    const top = frame.layers[frame.layers.length - 1];
    if (!top) {
      this.code.wait('this session has no hidden layers', 'Code');
      this.reconstruction.wait('', 'Reconstruction');
      this.stats.textContent = '';
      return;
    }
    const l = frame.layers.length;
    const code = unpackLattice(asBytes(top.states), top.units);
    this.code.paint(code, top.side, `Code: h(${l}), ${top.units} units on ${top.side}×${top.side}, sampled up the stack from this sample`);
    this.drawReconstruction(frame, network, code, l);
  }

  private drawReconstruction(frame: FramePayload, network: DecodedNetwork | null, code: Int8Array, l: number): void {
    const caption = `Reconstruction: p(v = 1 | h(${l})) (blue 0, white ½, orange 1), mean-field down the stack`;
    if (!network) {
      this.reconstruction.wait('waiting for the first weight snapshot…', caption);
      this.stats.textContent = 'Sign agreement and magnetizations appear with the weights.';
      return;
    }
    const topLayer = network.layers[network.layers.length - 1];
    if (network.L !== this.state.L || network.layers.length !== l || topLayer?.hidden !== code.length) {
      this.reconstruction.wait('these weights belong to another stack: waiting for the next snapshot…', caption);
      this.stats.textContent = '';
      return;
    }
    const p = reconstruct(network, code);
    if (this.signed.length !== p.length) this.signed = new Float32Array(p.length);
    signedProbabilities(p, this.signed);
    this.reconstruction.paint(this.signed, network.L, `${caption}, weights of tick ${network.tick}`);
    const { agreement, sampleMagnetization, reconstructionMagnetization } = compareReconstruction(this.spins, p);
    this.stats.textContent =
      `Signs right: ${fixed(100 * agreement, 1)} % of ${p.length} spins (50 % by chance, a site reads as up where p > ½). ` +
      `m = (1/N)Σs: sample ${signedFixed(sampleMagnetization)}, reconstruction (1/N)Σ(2p − 1) ${signedFixed(reconstructionMagnetization)}. ` +
      `Frame at tick ${frame.tick}.`;
  }
}

function signedFixed(value: number): string {
  return (value > 0 ? '+' : '') + fixed(value, 3);
}
