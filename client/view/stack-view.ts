/**
 * The 3D view of the stack: the L×L lattice and the hidden layers as horizontal planes of
 * units, one InstancedMesh per plane (one draw call each), coloured by the latest frame's
 * states. Hidden units sit above their receptive-field centres (or on a plain grid); clicking
 * one selects it and draws its strongest connections to the layer below. Renders on demand:
 * a frame, a control or a resize asks for one rAF; only damping and animations keep the loop
 * going. Geometry lives in stack-layout.ts.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { asBytes, packedLength, unpackLattice } from '../../shared/protocol/lattice-codec.js';
import { strongestConnections, type DecodedNetwork } from '../model/network.js';
import type { SessionState } from '../state/session-state.js';
import { divergingRgb, SPIN_DOWN, SPIN_UP } from './colormap.js';
import {
  centrePositions,
  ease,
  gridPositions,
  layerHeights,
  lerpPositions,
  PLANE_SIZE,
  sameShape,
  shapeOf,
  type StackShape,
} from './stack-layout.js';
import './stack-view.css';

/** A hidden unit: layer 1…n (bottom first), unit index within the layer. */
export interface UnitSelection {
  layer: number;
  unit: number;
}

/** Camera position and orbit target, scene units (the same scene on every page). */
export interface CameraPose {
  position: [number, number, number];
  target: [number, number, number];
}

export interface StackViewOptions {
  /** A click selected a unit, or deselected (null). Not called by `select()`. */
  onSelect: (selection: UnitSelection | null) => void;
  /** The user moved the camera (orbit, zoom, pan, reset); at most once per rendered frame. Not called by `followCamera()`. */
  onCameraChange?: (pose: CameraPose) => void;
  /** Start in reduced detail (saves creating the WebGL context twice). */
  reducedDetail?: boolean;
}

/** Connections drawn for a selected unit. */
const CONNECTIONS = 40;
/** Placement changes take this long, ms. */
const MOVE_MS = 500;
/** Time constant of the smoothing toward a followed camera pose, s. */
const FOLLOW_TAU = 0.12;
/** Offsets (CSS px) at which screenPositionOf checks that a click picks the unit. */
const PICK_PROBES: readonly (readonly [number, number])[] = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]];
/** A pointer that moved further than this between down and up dragged, CSS px. */
const CLICK_SLOP = 5;
const BACKGROUND = 0x0f172a;
/** Colour of units before the first frame (sRGB 0–255). */
const NEUTRAL: [number, number, number] = [84, 94, 112];
/** Where on the diverging map the connection colours sit (light enough on the dark background). */
const SIGN_LEVEL = 0.35;
/** Edges of each plane (sRGB). */
const OUTLINE = 0x475569;
/** Slightly from the front-right and above; rows run away from the viewer as on the 2D lattice. */
const DEFAULT_POSE: CameraPose = { position: [7, 10, 22], target: [0, -0.5, 0] };
/** Vertical field of view, degrees, for aspect ratios ≥ WIDE; narrower views widen it to keep the stack's width in sight. */
const FOV = 40;
const WIDE = 1.25;
/** Footprint of a unit as a fraction of its grid cell, and its height (scene units), lattice then hidden. */
const LATTICE_FILL = 0.9;
const HIDDEN_FILL = 0.7;
const LATTICE_THICKNESS = 0.08;
const HIDDEN_THICKNESS = 0.22;
/**
 * Hidden units at the same centre (duplicated features are common) would z-fight and tie in
 * picking: unit j is raised by (j mod 13)·STAGGER, far below what the eye sees, well above the
 * depth buffer's resolution, so one of them is on top and a click picks that one.
 */
const STAGGER = 0.004;
const stagger = (layer: number, unit: number): number => (layer > 0 ? (unit % 13) * STAGGER : 0);

/** A plane's four edges as (x, z) end points, segment by segment. */
const EDGE_CORNERS = ((h) => [-h, -h, h, -h, h, -h, h, h, h, h, -h, h, -h, h, -h, -h])(PLANE_SIZE / 2);

/** One plane: its instanced mesh and the typed arrays behind it. */
interface Plane {
  layer: number;
  side: number;
  units: number;
  mesh: THREE.InstancedMesh;
  /** Half the unit's height, scene units. */
  halfThickness: number;
  /** Half its footprint's side, scene units. */
  halfWidth: number;
  /** Linear RGB per unit (the instanceColor array). */
  colours: Float32Array;
  /** Positions as (x, z) pairs: at the start of a move, its end, and now. */
  from: Float32Array;
  to: Float32Array;
  now: Float32Array;
  /** Unpacked ±1 states, reused every frame. */
  states: Int8Array;
}

/** sRGB 0–255 → linear RGB 0–1 (what instance and vertex colours hold). */
function linear(rgb: readonly number[]): [number, number, number] {
  const colour = new THREE.Color().setRGB(rgb[0]! / 255, rgb[1]! / 255, rgb[2]! / 255, THREE.SRGBColorSpace);
  return [colour.r, colour.g, colour.b];
}

const UP = linear(SPIN_UP);
const DOWN = linear(SPIN_DOWN);
const GREY = linear(NEUTRAL);
const POSITIVE = linear(divergingRgb(SIGN_LEVEL).map((c) => c * 255));
const NEGATIVE = linear(divergingRgb(-SIGN_LEVEL).map((c) => c * 255));

/**
 * A unit: a box width × height × width (flat square when `flat`), shaded by vertex colours
 * (top 1, sides darker, bottom darkest) that multiply the instance colour — depth cues without
 * lights, and the top face shows the state's colour exactly.
 */
function unitGeometry(width: number, height: number, flat: boolean): THREE.BufferGeometry {
  if (flat) {
    const square = new THREE.PlaneGeometry(width, width).rotateX(-Math.PI / 2).translate(0, height / 2, 0);
    square.setAttribute('color', new THREE.Float32BufferAttribute(new Float32Array(3 * 4).fill(1), 3));
    return square;
  }
  const box = new THREE.BoxGeometry(width, height, width);
  // Faces in BoxGeometry's order (+x, −x, +y, −y, +z, −z), four vertices each.
  const shade = [0.62, 0.62, 1, 0.4, 0.75, 0.75];
  const colours = new Float32Array(3 * 24);
  for (let v = 0; v < 24; v++) colours.fill(shade[Math.floor(v / 4)]!, 3 * v, 3 * v + 3);
  box.setAttribute('color', new THREE.Float32BufferAttribute(colours, 3));
  return box;
}

/** A square frame around the origin in the xz plane, inner half-side 1.15, outer 1.65 (scaled per layer). */
function markerGeometry(): THREE.BufferGeometry {
  // RingGeometry with 4 segments starting at 45° is a square whose corners lie at the radius.
  return new THREE.RingGeometry(1.15 * Math.SQRT2, 1.65 * Math.SQRT2, 4, 1, Math.PI / 4).rotateX(-Math.PI / 2);
}

/** The user's reduced-motion preference (moves and glides then jump to their end). */
const reducedMotion = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;
const prefersReducedMotion = (): boolean => reducedMotion?.matches ?? false;

export class StackView {
  private readonly container: HTMLElement;
  private readonly state: SessionState;
  private readonly options: StackViewOptions;
  private canvasElement: HTMLCanvasElement;
  private renderer: THREE.WebGLRenderer | null = null;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(FOV, 1, 0.1, 200);
  private readonly controls: OrbitControls;
  private readonly unitMaterial = new THREE.MeshBasicMaterial({ vertexColors: true });
  private readonly lines: THREE.LineSegments;
  private readonly linePositions = new Float32Array(CONNECTIONS * 2 * 3);
  private readonly lineColours = new Float32Array(CONNECTIONS * 2 * 4);
  private readonly lineFrom = new Int32Array(CONNECTIONS);
  private lineCount = 0;
  private readonly marker: THREE.Mesh;
  /** Each plane's square edges, one draw call for all. */
  private readonly outlines: THREE.LineSegments;
  private readonly status: HTMLElement;
  private readonly raycaster = new THREE.Raycaster();
  private readonly pointer = new THREE.Vector2();
  private readonly hits: THREE.Intersection[] = [];
  private readonly projected = new THREE.Vector3();
  private readonly toolbar: HTMLElement;
  private readonly spacingInput: HTMLInputElement;
  private readonly placementInput: HTMLInputElement;
  private readonly resizeObserver: ResizeObserver;
  private readonly unsubscribe: (() => void)[];

  private shape: StackShape | null = null;
  private planes: Plane[] = [];
  private heights: Float32Array = new Float32Array(0);
  private spacing = 0.5;
  private placement: 'centres' | 'grid' = 'centres';
  private reduced: boolean;
  private selection: UnitSelection | null = null;

  private frameRequested = false;
  private rafId = 0;
  private lastTime = 0;
  private renderedFrames = 0;
  private moveStart = -1;
  private geometryDirty = true;
  /** 'follow': toward a shared pose, not reported; 'reset': toward the default pose, reported. */
  private cameraMove: 'follow' | 'reset' | null = null;
  private readonly goalPosition = new THREE.Vector3();
  private readonly goalTarget = new THREE.Vector3();
  private readonly reportedPosition = new THREE.Vector3();
  private readonly reportedTarget = new THREE.Vector3();
  private down: { id: number; x: number; y: number; multi: boolean } | null = null;
  private disposed = false;

  constructor(container: HTMLElement, state: SessionState, options: StackViewOptions) {
    this.container = container;
    this.state = state;
    this.options = options;
    this.reduced = options.reducedDetail ?? false;
    container.classList.add('stack-view');

    this.canvasElement = this.createRenderer();
    this.camera.position.fromArray(DEFAULT_POSE.position);
    this.controls = new OrbitControls(this.camera, this.canvasElement);
    this.controls.target.fromArray(DEFAULT_POSE.target);
    this.controls.enableDamping = true;
    this.controls.dampingFactor = 0.12;
    this.controls.minDistance = 3;
    this.controls.maxDistance = 60;
    this.controls.listenToKeyEvents(this.canvasElement);
    this.controls.update();
    this.reportedPosition.copy(this.camera.position);
    this.reportedTarget.copy(this.controls.target);
    this.controls.addEventListener('change', this.requestRender);
    // The user takes the camera: stop gliding toward a shared or default pose.
    this.controls.addEventListener('start', this.onControlsStart);

    const lineGeometry = new THREE.BufferGeometry();
    lineGeometry.setAttribute('position', new THREE.BufferAttribute(this.linePositions, 3).setUsage(THREE.DynamicDrawUsage));
    lineGeometry.setAttribute('color', new THREE.BufferAttribute(this.lineColours, 4).setUsage(THREE.DynamicDrawUsage));
    this.lines = new THREE.LineSegments(
      lineGeometry,
      new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, depthWrite: false }),
    );
    this.lines.frustumCulled = false;
    this.lines.visible = false;
    this.lines.renderOrder = 1;
    this.marker = new THREE.Mesh(markerGeometry(), new THREE.MeshBasicMaterial({ color: 0xffffff, side: THREE.DoubleSide, depthTest: false }));
    this.marker.renderOrder = 2;
    this.marker.visible = false;
    this.marker.frustumCulled = false;
    this.outlines = new THREE.LineSegments(new THREE.BufferGeometry(), new THREE.LineBasicMaterial({ color: OUTLINE }));
    this.outlines.frustumCulled = false;
    this.scene.background = new THREE.Color(BACKGROUND);
    this.scene.add(this.outlines, this.lines, this.marker);

    ({ toolbar: this.toolbar, spacing: this.spacingInput, placement: this.placementInput } = this.createToolbar());
    this.status = document.createElement('p');
    this.status.className = 'stack-status';
    this.status.textContent = 'Waiting for the session…';
    container.append(this.toolbar, this.status);

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();

    this.unsubscribe = [
      state.on('frame', () => this.onFrame()),
      state.on('network', () => this.onNetwork()),
      state.on('load', () => this.onLoad()),
      state.on('control', () => this.onFrame()),
    ];
    this.setAttributes();
    container.dataset.animating = 'false';
    this.onLoad();
  }

  /** The canvas drawn into (replaced when reduced detail switches antialiasing). */
  get canvas(): HTMLCanvasElement {
    return this.canvasElement;
  }

  /** Layer spacing from 0 (planes nearly touching) to 1 (far apart). */
  setExplode(spacing: number): void {
    this.spacing = Math.min(1, Math.max(0, Number.isFinite(spacing) ? spacing : 0.5));
    this.spacingInput.value = String(Math.round(this.spacing * 100));
    this.heights = layerHeights(this.planes.length, this.spacing, this.heights.length === this.planes.length ? this.heights : undefined);
    this.geometryDirty = true;
    this.requestRender();
  }

  /** Hidden units at their receptive-field centres, or on a plain grid (animated). */
  setPlacement(mode: 'centres' | 'grid'): void {
    this.placementInput.checked = mode === 'centres';
    if (mode === this.placement) return;
    this.placement = mode;
    this.startMove();
  }

  /** Reduced detail: pixel ratio 1, no antialiasing (a new WebGL context), flat squares instead of boxes. */
  setReducedDetail(reduced: boolean): void {
    if (reduced === this.reduced || this.disposed) return;
    this.reduced = reduced;
    this.destroyRenderer();
    this.canvasElement = this.createRenderer();
    this.controls.connect(this.canvasElement);
    this.controls.listenToKeyEvents(this.canvasElement);
    const shape = this.shape;
    this.shape = null;
    if (shape) this.build(shape);
    this.resize();
  }

  /** Glides to a shared camera pose (the host's); does not call onCameraChange. */
  followCamera(pose: CameraPose): void {
    if (![...pose.position, ...pose.target].every(Number.isFinite)) return;
    this.goalPosition.fromArray(pose.position);
    this.goalTarget.fromArray(pose.target);
    this.cameraMove = 'follow';
    this.requestRender();
  }

  /** Shows `selection` as selected (null: none), without calling onSelect. */
  select(selection: UnitSelection | null): void {
    this.setSelection(selection, false);
  }

  /**
   * Where `selection`'s unit (the middle of its top face) appears, CSS px from the canvas's
   * top-left corner; null when it is off screen, hidden behind another unit, or so overlapped
   * that a click within a pixel of it might pick another (so a click at a non-null position
   * selects it). Positions move while `data-animating` is "true" (placement or camera moving).
   */
  screenPositionOf(selection: UnitSelection): { x: number; y: number } | null {
    const plane = this.planes[selection.layer];
    if (!plane || selection.layer < 1 || !(selection.unit >= 0 && selection.unit < plane.units)) return null;
    this.camera.updateMatrixWorld();
    const top = this.heights[selection.layer]! + stagger(selection.layer, selection.unit) + plane.halfThickness;
    const p = this.projected.set(plane.now[2 * selection.unit]!, top, plane.now[2 * selection.unit + 1]!);
    p.project(this.camera);
    if (!(Math.abs(p.x) < 1 && Math.abs(p.y) < 1 && Math.abs(p.z) < 1)) return null;
    const width = this.canvasElement.clientWidth;
    const height = this.canvasElement.clientHeight;
    const x = ((p.x + 1) / 2) * width;
    const y = ((1 - p.y) / 2) * height;
    // The unit must be what a click there (give or take a pixel of rounding) would pick.
    for (const [dx, dy] of PICK_PROBES) {
      const seen = this.pickAt(x + dx, y + dy);
      if (!seen || seen.layer !== selection.layer || seen.unit !== selection.unit) return null;
    }
    return { x, y };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    cancelAnimationFrame(this.rafId);
    for (const stop of this.unsubscribe) stop();
    this.resizeObserver.disconnect();
    this.controls.removeEventListener('change', this.requestRender);
    this.controls.removeEventListener('start', this.onControlsStart);
    this.controls.dispose();
    this.clearPlanes();
    this.unitMaterial.dispose();
    this.lines.geometry.dispose();
    (this.lines.material as THREE.Material).dispose();
    this.marker.geometry.dispose();
    (this.marker.material as THREE.Material).dispose();
    this.destroyRenderer();
    this.outlines.geometry.dispose();
    (this.outlines.material as THREE.Material).dispose();
    this.toolbar.remove();
    this.status.remove();
    this.container.classList.remove('stack-view');
    delete this.container.dataset.selected;
    delete this.container.dataset.renderedFrames;
    delete this.container.dataset.animating;
  }

  // --- renderer and DOM ---------------------------------------------------------------------

  private createRenderer(): HTMLCanvasElement {
    const canvas = document.createElement('canvas');
    canvas.className = 'stack-canvas';
    canvas.tabIndex = 0;
    canvas.setAttribute('aria-label', '3D view of the lattice and the hidden layers: drag to orbit, scroll to zoom, arrow keys to pan, click a unit to select it, Escape to deselect');
    this.container.prepend(canvas);
    try {
      this.renderer = new THREE.WebGLRenderer({ canvas, antialias: !this.reduced, preserveDrawingBuffer: true, powerPreference: 'low-power' });
      this.renderer.setClearColor(BACKGROUND, 1);
    } catch (error) {
      this.renderer = null;
      const note = document.createElement('p');
      note.className = 'stack-fallback';
      note.textContent = `The 3D view needs WebGL, which this browser did not provide (${(error as Error).message}).`;
      this.container.append(note);
    }
    canvas.addEventListener('pointerdown', this.onPointerDown);
    canvas.addEventListener('pointerup', this.onPointerUp);
    canvas.addEventListener('pointercancel', this.onPointerCancel);
    canvas.addEventListener('keydown', this.onKeyDown);
    return canvas;
  }

  private destroyRenderer(): void {
    const canvas = this.canvasElement;
    canvas.removeEventListener('pointerdown', this.onPointerDown);
    canvas.removeEventListener('pointerup', this.onPointerUp);
    canvas.removeEventListener('pointercancel', this.onPointerCancel);
    canvas.removeEventListener('keydown', this.onKeyDown);
    if (this.renderer) {
      this.renderer.dispose();
      this.renderer.forceContextLoss();
      this.renderer = null;
    }
    canvas.remove();
    this.container.querySelector(':scope > .stack-fallback')?.remove();
  }

  private createToolbar(): { toolbar: HTMLElement; spacing: HTMLInputElement; placement: HTMLInputElement } {
    const toolbar = document.createElement('div');
    toolbar.className = 'stack-toolbar';
    toolbar.setAttribute('role', 'group');
    toolbar.setAttribute('aria-label', '3D view');

    const spacingLabel = document.createElement('label');
    const spacing = document.createElement('input');
    spacing.type = 'range';
    spacing.min = '0';
    spacing.max = '100';
    spacing.step = '1';
    spacing.value = String(Math.round(this.spacing * 100));
    spacingLabel.append('Layer spacing ', spacing);
    spacing.addEventListener('input', () => this.setExplode(Number(spacing.value) / 100));

    const placementLabel = document.createElement('label');
    const placement = document.createElement('input');
    placement.type = 'checkbox';
    placement.checked = this.placement === 'centres';
    placementLabel.append(placement, ' Place units at receptive-field centres');
    placement.addEventListener('change', () => this.setPlacement(placement.checked ? 'centres' : 'grid'));

    const reset = document.createElement('button');
    reset.type = 'button';
    reset.textContent = 'Reset view';
    reset.addEventListener('click', () => {
      this.goalPosition.fromArray(DEFAULT_POSE.position);
      this.goalTarget.fromArray(DEFAULT_POSE.target);
      this.cameraMove = 'reset';
      this.requestRender();
    });

    toolbar.append(spacingLabel, placementLabel, reset);
    return { toolbar, spacing, placement };
  }

  private resize(): void {
    const width = this.container.clientWidth;
    const height = this.container.clientHeight;
    if (width === 0 || height === 0 || !this.renderer) return;
    this.renderer.setPixelRatio(this.reduced ? 1 : Math.min(2, window.devicePixelRatio || 1));
    this.renderer.setSize(width, height, false);
    const aspect = width / height;
    this.camera.aspect = aspect;
    // Below WIDE, keep the horizontal field of a WIDE view (so a phone still sees the whole stack).
    const halfTan = Math.tan((FOV * Math.PI) / 360) * Math.max(1, WIDE / aspect);
    this.camera.fov = (Math.atan(halfTan) * 360) / Math.PI;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  private setAttributes(): void {
    const selected = this.selection ? `${this.selection.layer}:${this.selection.unit}` : '';
    this.container.dataset.selected = selected;
    this.canvasElement.dataset.selected = selected;
  }

  // --- planes -------------------------------------------------------------------------------

  /** Makes the planes for `shape` (replacing any), placed without animation, coloured from the frame. */
  private build(shape: StackShape): void {
    this.clearPlanes();
    this.shape = shape;
    const sides = [shape.L, ...shape.sides];
    this.heights = layerHeights(sides.length, this.spacing);
    this.planes = sides.map((side, layer) => {
      const units = side * side;
      const cell = PLANE_SIZE / side;
      const width = cell * (layer === 0 ? LATTICE_FILL : HIDDEN_FILL);
      const thickness = layer === 0 ? LATTICE_THICKNESS : HIDDEN_THICKNESS;
      const mesh = new THREE.InstancedMesh(unitGeometry(width, thickness, this.reduced), this.unitMaterial, units);
      mesh.instanceMatrix.setUsage(THREE.DynamicDrawUsage);
      const colours = new Float32Array(3 * units);
      for (let j = 0; j < units; j++) colours.set(GREY, 3 * j);
      mesh.instanceColor = new THREE.InstancedBufferAttribute(colours, 3).setUsage(THREE.DynamicDrawUsage);
      mesh.frustumCulled = false;
      mesh.userData.layer = layer;
      this.scene.add(mesh);
      const grid = gridPositions(side);
      return {
        layer,
        side,
        units,
        mesh,
        halfThickness: thickness / 2,
        halfWidth: width / 2,
        colours,
        from: grid.slice(),
        to: grid.slice(),
        now: grid,
        states: new Int8Array(units),
      };
    });
    this.targets();
    for (const plane of this.planes) plane.now.set(plane.to);
    this.moveStart = -1;
    this.geometryDirty = true;
    this.outlines.geometry.dispose();
    this.outlines.geometry = new THREE.BufferGeometry();
    this.outlines.geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(this.planes.length * 8 * 3), 3));
    this.status.hidden = true;
    this.paintFrame();
    if (this.selection && !this.valid(this.selection)) this.setSelection(null, true);
    else this.refreshConnections();
  }

  private clearPlanes(): void {
    for (const plane of this.planes) {
      this.scene.remove(plane.mesh);
      plane.mesh.geometry.dispose();
      plane.mesh.dispose();
    }
    this.planes = [];
    this.status.hidden = false;
  }

  /** The network when it belongs to the planes drawn (same L, layer sizes as drawn). */
  private fittingNetwork(): DecodedNetwork | null {
    const network = this.state.network;
    const shape = this.shape;
    if (!network || !shape || network.L !== shape.L) return null;
    return network;
  }

  /** Hidden layer `layer` of the network, when it has the units drawn. */
  private networkFits(network: DecodedNetwork | null, layer: number): network is DecodedNetwork {
    return !!network && network.layers[layer - 1]?.hidden === this.planes[layer]?.units && !!network.centres[layer - 1];
  }

  /** Each plane's `to`: grid, or receptive-field centres where known. */
  private targets(): void {
    const network = this.fittingNetwork();
    for (const plane of this.planes) {
      if (plane.layer > 0 && this.placement === 'centres' && this.networkFits(network, plane.layer)) {
        centrePositions(network.centres[plane.layer - 1]!, this.shape!.L, plane.side, PLANE_SIZE, plane.to);
      } else gridPositions(plane.side, PLANE_SIZE, plane.to);
    }
  }

  /** Moves every plane from where it is now to its targets over MOVE_MS (if any target moved). */
  private startMove(): void {
    for (const plane of this.planes) plane.from.set(plane.now);
    this.targets();
    if (this.planes.every((plane) => plane.to.every((v, i) => v === plane.from[i]))) return;
    if (prefersReducedMotion()) {
      for (const plane of this.planes) plane.now.set(plane.to);
      this.moveStart = -1;
      this.geometryDirty = true;
    } else this.moveStart = performance.now();
    this.requestRender();
  }

  /** Writes every instance's translation (the matrices are translations only). */
  private writeMatrices(): void {
    for (const plane of this.planes) {
      const m = plane.mesh.instanceMatrix.array as Float32Array;
      const y = this.heights[plane.layer]!;
      for (let j = 0; j < plane.units; j++) {
        m[16 * j + 12] = plane.now[2 * j]!;
        m[16 * j + 13] = y + stagger(plane.layer, j);
        m[16 * j + 14] = plane.now[2 * j + 1]!;
      }
      plane.mesh.instanceMatrix.needsUpdate = true;
      plane.mesh.boundingSphere = null; // recomputed by the next raycast
    }
    // Plane edges: four segments round the square at each height.
    const edges = this.outlines.geometry.getAttribute('position') as THREE.BufferAttribute | undefined;
    if (!edges) return;
    const e = edges.array as Float32Array;
    for (const plane of this.planes) {
      const y = this.heights[plane.layer]! - plane.halfThickness;
      for (let k = 0; k < 8; k++) {
        const o = 24 * plane.layer + 3 * k;
        e[o] = EDGE_CORNERS[2 * k]!;
        e[o + 1] = y;
        e[o + 2] = EDGE_CORNERS[2 * k + 1]!;
      }
    }
    edges.needsUpdate = true;
  }

  /** Colours every unit from the latest frame (states ±1 → SPIN_UP / SPIN_DOWN); colours only. */
  private paintFrame(): void {
    const frame = this.state.frame;
    if (!frame || this.planes.length === 0) return;
    for (const plane of this.planes) {
      const packed = plane.layer === 0 ? frame.lattice : frame.layers[plane.layer - 1]?.states;
      if (!packed) continue;
      const bytes = asBytes(packed);
      if (bytes.length < packedLength(plane.units)) continue;
      const states = unpackLattice(bytes, plane.units, plane.states);
      const colours = plane.colours;
      for (let j = 0; j < plane.units; j++) {
        const c = states[j]! > 0 ? UP : DOWN;
        colours[3 * j] = c[0];
        colours[3 * j + 1] = c[1];
        colours[3 * j + 2] = c[2];
      }
      plane.mesh.instanceColor!.needsUpdate = true;
    }
  }

  // --- state events -------------------------------------------------------------------------

  /** Rebuilds when the layer sizes changed (a reset with new settings); true if it did. */
  private syncShape(): boolean {
    const shape = shapeOf(this.state.settings, this.state.frame, this.state.network?.L);
    if (sameShape(shape, this.shape)) return false;
    if (shape) this.build(shape);
    else {
      this.clearPlanes();
      this.shape = null;
      this.refreshConnections();
    }
    return true;
  }

  private onFrame(): void {
    if (!this.syncShape()) this.paintFrame();
    this.requestRender();
  }

  private onNetwork(): void {
    if (!this.syncShape()) this.startMove();
    this.refreshConnections();
  }

  private onLoad(): void {
    if (!this.syncShape()) {
      this.paintFrame();
      this.startMove();
      this.refreshConnections();
    }
    this.requestRender();
  }

  // --- selection and connections ------------------------------------------------------------

  private valid(selection: UnitSelection): boolean {
    const plane = this.planes[selection.layer];
    return selection.layer >= 1 && !!plane && Number.isInteger(selection.unit) && selection.unit >= 0 && selection.unit < plane.units;
  }

  private setSelection(selection: UnitSelection | null, notify: boolean): void {
    // Before the planes exist any hidden unit may be named; build() checks it once they do.
    const plausible = !!selection && selection.layer >= 1 && Number.isInteger(selection.unit) && selection.unit >= 0;
    const next = plausible && (this.planes.length === 0 || this.valid(selection)) ? { layer: selection.layer, unit: selection.unit } : null;
    const changed = next?.layer !== this.selection?.layer || next?.unit !== this.selection?.unit;
    this.selection = next;
    this.setAttributes();
    this.refreshConnections();
    if (notify && changed) this.options.onSelect(next);
  }

  /** Picks the selection's strongest connections and their colours (on selection or new weights). */
  private refreshConnections(): void {
    this.lineCount = 0;
    const selection = this.selection;
    const network = this.fittingNetwork();
    if (selection && this.valid(selection) && this.networkFits(network, selection.layer) && network.layers[selection.layer - 1]!.visible === this.planes[selection.layer - 1]!.units) {
      const strongest = strongestConnections(network, selection.layer, selection.unit, CONNECTIONS);
      const max = Math.abs(strongest[0]?.weight ?? 0);
      // Weakest first, so the strongest are drawn last, on top.
      for (let k = strongest.length - 1; k >= 0 && max > 0; k--) {
        const { from, weight } = strongest[k]!;
        const strength = Math.abs(weight) / max;
        const colour = weight >= 0 ? POSITIVE : NEGATIVE;
        const alpha = 0.3 + 0.7 * strength;
        const brightness = 0.5 + 0.5 * strength;
        const n = this.lineCount++;
        this.lineFrom[n] = from;
        for (let end = 0; end < 2; end++) {
          const o = 4 * (2 * n + end);
          this.lineColours[o] = colour[0] * brightness;
          this.lineColours[o + 1] = colour[1] * brightness;
          this.lineColours[o + 2] = colour[2] * brightness;
          this.lineColours[o + 3] = alpha;
        }
      }
      this.lines.geometry.attributes.color!.needsUpdate = true;
    }
    this.geometryDirty = true;
    this.requestRender();
  }

  /** Line end points and the marker, from the planes' current positions and heights. */
  private placeSelection(): void {
    const selection = this.selection && this.valid(this.selection) ? this.selection : null;
    this.marker.visible = !!selection;
    this.lines.visible = !!selection && this.lineCount > 0;
    if (!selection) return;
    const top = this.planes[selection.layer]!;
    const below = this.planes[selection.layer - 1]!;
    const x = top.now[2 * selection.unit]!;
    const z = top.now[2 * selection.unit + 1]!;
    const yTop = this.heights[selection.layer]! + stagger(selection.layer, selection.unit);
    this.marker.position.set(x, yTop + top.halfThickness + 0.01, z);
    this.marker.scale.setScalar(top.halfWidth);
    const yBelow = this.heights[selection.layer - 1]! + below.halfThickness;
    for (let n = 0; n < this.lineCount; n++) {
      const o = 6 * n;
      const from = this.lineFrom[n]!;
      this.linePositions[o] = x;
      this.linePositions[o + 1] = yTop - top.halfThickness;
      this.linePositions[o + 2] = z;
      this.linePositions[o + 3] = below.now[2 * from]!;
      this.linePositions[o + 4] = yBelow;
      this.linePositions[o + 5] = below.now[2 * from + 1]!;
    }
    this.lines.geometry.attributes.position!.needsUpdate = true;
    this.lines.geometry.setDrawRange(0, 2 * this.lineCount);
  }

  /** The hidden unit under a point (CSS px relative to the canvas); null for empty space or the lattice. */
  private pickAt(x: number, y: number): UnitSelection | null {
    const width = this.canvasElement.clientWidth;
    const height = this.canvasElement.clientHeight;
    if (width === 0 || height === 0 || this.planes.length === 0) return null;
    this.pointer.set((x / width) * 2 - 1, 1 - (y / height) * 2);
    this.raycaster.setFromCamera(this.pointer, this.camera);
    this.hits.length = 0;
    this.raycaster.intersectObjects(
      this.planes.map((plane) => plane.mesh),
      false,
      this.hits,
    );
    const hit = this.hits[0];
    const layer = hit?.object.userData.layer as number | undefined;
    // The lattice hides what lies behind it, but is not selectable itself.
    if (!hit || !layer || hit.instanceId === undefined) return null;
    return { layer, unit: hit.instanceId };
  }

  // --- input --------------------------------------------------------------------------------

  private readonly onPointerDown = (event: PointerEvent): void => {
    if (!event.isPrimary) {
      if (this.down) this.down.multi = true;
      return;
    }
    this.down = event.button === 0 ? { id: event.pointerId, x: event.clientX, y: event.clientY, multi: false } : null;
  };

  private readonly onPointerUp = (event: PointerEvent): void => {
    const down = this.down;
    if (!down || event.pointerId !== down.id) return;
    this.down = null;
    if (down.multi || Math.hypot(event.clientX - down.x, event.clientY - down.y) > CLICK_SLOP) return;
    const rect = this.canvasElement.getBoundingClientRect();
    this.setSelection(this.pickAt(event.clientX - rect.left, event.clientY - rect.top), true);
  };

  private readonly onPointerCancel = (): void => {
    this.down = null;
  };

  private readonly onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && this.selection) this.setSelection(null, true);
  };

  private readonly onControlsStart = (): void => {
    this.cameraMove = null;
  };

  // --- rendering ----------------------------------------------------------------------------

  /** Asks for one render on the next animation frame (several requests, one render). */
  private readonly requestRender = (): void => {
    if (this.frameRequested || this.disposed) return;
    this.frameRequested = true;
    this.rafId = requestAnimationFrame(this.tick);
  };

  private readonly tick = (time: number): void => {
    this.frameRequested = false;
    const dt = this.lastTime > 0 ? Math.min(0.1, (time - this.lastTime) / 1000) : 1 / 60;
    this.lastTime = time;
    let again = false;

    if (this.moveStart >= 0) {
      const t = (performance.now() - this.moveStart) / MOVE_MS;
      const eased = ease(t);
      for (const plane of this.planes) lerpPositions(plane.from, plane.to, eased, plane.now);
      if (t >= 1) this.moveStart = -1;
      else again = true;
      this.geometryDirty = true;
    }
    if (this.cameraMove) again = this.stepCamera(dt) || again;
    if (this.controls.update()) again = true; // still damping
    this.reportCamera();

    if (this.geometryDirty) {
      this.geometryDirty = false;
      this.writeMatrices();
      this.placeSelection();
    }
    if (this.renderer) {
      this.renderer.render(this.scene, this.camera);
      this.renderedFrames++;
      this.container.dataset.renderedFrames = String(this.renderedFrames);
      this.canvasElement.dataset.renderedFrames = String(this.renderedFrames);
    }
    const animating = again ? 'true' : 'false';
    if (this.container.dataset.animating !== animating) this.container.dataset.animating = animating;
    if (again) this.requestRender();
    else this.lastTime = 0;
  };

  /** One step of the glide toward the goal pose (exponential smoothing); true while still moving. */
  private stepCamera(dt: number): boolean {
    const k = prefersReducedMotion() ? 1 : 1 - Math.exp(-dt / FOLLOW_TAU);
    this.camera.position.lerp(this.goalPosition, k);
    this.controls.target.lerp(this.goalTarget, k);
    if (this.camera.position.distanceToSquared(this.goalPosition) < 1e-6 && this.controls.target.distanceToSquared(this.goalTarget) < 1e-6) {
      this.camera.position.copy(this.goalPosition);
      this.controls.target.copy(this.goalTarget);
      // A followed pose is arrived at, not the user's move: nothing to report.
      if (this.cameraMove === 'follow') {
        this.reportedPosition.copy(this.goalPosition);
        this.reportedTarget.copy(this.goalTarget);
      }
      this.cameraMove = null;
    }
    return true; // and one more frame once arrived, to settle the controls
  }

  /** Tells onCameraChange about a camera the user moved (not one following a shared pose). */
  private reportCamera(): void {
    const position = this.camera.position;
    const target = this.controls.target;
    if (this.cameraMove === 'follow') {
      this.reportedPosition.copy(position);
      this.reportedTarget.copy(target);
      return;
    }
    if (position.distanceToSquared(this.reportedPosition) < 1e-8 && target.distanceToSquared(this.reportedTarget) < 1e-8) return;
    this.reportedPosition.copy(position);
    this.reportedTarget.copy(target);
    this.options.onCameraChange?.({ position: [position.x, position.y, position.z], target: [target.x, target.y, target.z] });
  }
}
