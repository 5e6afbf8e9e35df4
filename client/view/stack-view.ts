/**
 * The 3D view of the stack: the L×L lattice and the hidden layers as horizontal planes of
 * units, coloured by the latest frame's states. Hidden units sit above their receptive-field
 * centres (or on a plain grid); clicking one selects it and draws its strongest connections to
 * the layer below. Renders on demand: a frame that changes a state, a control or a resize asks
 * for one rAF; only damping and animations keep the loop going. Geometry lives in stack-layout.ts.
 *
 * Drawn for software WebGL as much as for GPUs: the page must keep 60 Hz in headless Chromium
 * on SwiftShader (--disable-gpu), where a draw costs per instance (~25 µs each), per triangle
 * and per fragment, hardly per call: one InstancedMesh of boxes per layer (2 125 units) took
 * ~80 ms a render, of flat quads still ~50 ms, and 4× MSAA made every triangle ~3× dearer.
 * What is drawn now costs ~5 ms there (1 084 triangles, 5 draw calls). So:
 *  - each hidden layer is one plain mesh of flat squares, 4 vertices a unit, no instancing;
 *    vertex positions are rewritten only while units move, a layer's height is its mesh's y;
 *  - the lattice is a single square whose fragment shader draws the L×L sites from an L×L
 *    texture (its 1 600 instances cost more than everything else together);
 *  - every layer's states are an RGBA texture (side × side, each texel its unit's colour),
 *    the only thing uploaded per frame, and only when a state changed; hidden units read
 *    theirs in the vertex shader;
 *  - no MSAA: squares, the selection marker and the lines (screen-space quads) smooth their
 *    own edges from the fragment's distance to the edge (fwidth) and blend; reduced detail
 *    draws them hard-edged and opaque at pixel ratio 1, in the same WebGL context;
 *  - picking is the same geometry in closed form (stack-layout: raySquares, rayLattice).
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
  rayLattice,
  raySquares,
  sameShape,
  shapeOf,
  squareCells,
  squareCorners,
  squareIndices,
  squareVertices,
  stagger,
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
  /** Start in reduced detail (as setReducedDetail(true), applied before the first render). */
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
/**
 * Footprint of a unit as a fraction of its grid cell, lattice then hidden; and the thickness of
 * a layer (scene units): its units are flat squares at the layer's height + half of it, its
 * outline at − half of it.
 */
const LATTICE_FILL = 0.9;
const HIDDEN_FILL = 0.7;
const LATTICE_THICKNESS = 0.08;
const HIDDEN_THICKNESS = 0.22;
/**
 * Brightness of a hidden unit's bevel along its edges facing the camera, x then z, and of a
 * unit's underside (seen from below), as factors on sRGB colours (≈ 0.62, 0.75 and 0.4 in
 * linear light, the shades of the boxes' sides and bottom); the bevel's width, scene units.
 */
const SIDE_X = 0.8;
const SIDE_Z = 0.88;
const UNDERSIDE = 0.66;
const BEVEL = 0.045;
/** Line widths, CSS px: the planes' outlines and the selection's connections. */
const OUTLINE_WIDTH = 1.25;
const CONNECTION_WIDTH = 1.5;
/** Selection marker: a square frame from MARKER_INNER to MARKER_OUTER half-widths of the unit, drawn on a square of MARKER_QUAD. */
const MARKER_INNER = 1.15;
const MARKER_OUTER = 1.65;
const MARKER_QUAD = 1.8;

/** A plane's four edges as (x, z) end points, segment by segment. */
const EDGE_CORNERS = ((h) => [-h, -h, h, -h, h, -h, h, h, h, h, -h, h, -h, h, -h, -h])(PLANE_SIZE / 2);

/** One plane: its mesh, its state texture and the typed arrays behind them. */
interface Plane {
  layer: number;
  side: number;
  units: number;
  mesh: THREE.Mesh<THREE.BufferGeometry, THREE.ShaderMaterial>;
  /** Height of its squares above the layer's height (half the layer's thickness), scene units. */
  lift: number;
  /** Half a unit's side, scene units. */
  halfWidth: number;
  /** One RGBA texel per unit, (column, row) = (j mod side, ⌊j/side⌋): its colour, sRGB bytes. */
  texels: Uint8Array;
  texture: THREE.DataTexture;
  /** The states the texels show: ±1, 0 before the first frame. */
  shown: Int8Array;
  /** Positions as (x, z) pairs: at the start of a move, its end, and now. */
  from: Float32Array;
  to: Float32Array;
  now: Float32Array;
  /** Unpacked ±1 states, reused every frame. */
  states: Int8Array;
}

/** sRGB 0–255 → linear RGB 0–1 (to scale in linear light). */
function linear(rgb: readonly number[]): [number, number, number] {
  const colour = new THREE.Color().setRGB(rgb[0]! / 255, rgb[1]! / 255, rgb[2]! / 255, THREE.SRGBColorSpace);
  return [colour.r, colour.g, colour.b];
}

const POSITIVE = linear(divergingRgb(SIGN_LEVEL).map((c) => c * 255));
const NEGATIVE = linear(divergingRgb(-SIGN_LEVEL).map((c) => c * 255));

/** Linear RGB (times `scale`) encoded for the canvas (sRGB, three's default output colour space). */
function encoded(rgb: readonly number[], scale = 1): [number, number, number] {
  const colour = new THREE.Color(rgb[0]! * scale, rgb[1]! * scale, rgb[2]! * scale).convertLinearToSRGB();
  return [colour.r, colour.g, colour.b];
}

// --- shaders ------------------------------------------------------------------------------
// three's ShaderMaterial compiles these as GLSL ES 3.00 (texelFetch, fwidth) and supplies the
// matrices and `position`. Colours arrive already encoded for the canvas (sRGB bytes in the
// state textures, sRGB uniforms), so a fragment does one fetch at most and no transfer
// function (three's linearToOutputTexel: three pow() a fragment, which shows on a software
// renderer). SMOOTH (full detail): edges fade over a pixel and blend; without it they are hard
// and the unit opaque.

const UNDERSIDE_GLSL = UNDERSIDE.toFixed(2);

/** How much of a pixel lies inside, from `inside` (> 0 inside, per axis) and its change per pixel. */
const COVERAGE = /* glsl */ `
float coverage(vec2 inside, vec2 perPixel) {
#ifdef SMOOTH
  vec2 px = inside / max(perPixel, vec2(1e-6));
  return clamp(min(px.x, px.y) + 0.5, 0.0, 1.0);
#else
  return min(inside.x, inside.y) >= 0.0 ? 1.0 : 0.0;
#endif
}`;

/** The lattice: one square; `site` runs 0…L across it, the sites are squares `halfFill`·2 of a cell. */
const LATTICE_VERTEX = /* glsl */ `
attribute vec2 site;
varying vec2 vSite;
void main() {
  vSite = site;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;
const LATTICE_FRAGMENT = /* glsl */ `
uniform sampler2D states;
uniform float halfFill;
varying vec2 vSite;
${COVERAGE}
void main() {
  float alpha = coverage(halfFill - abs(fract(vSite) - 0.5), fwidth(vSite));
  if (alpha <= 0.0) discard;
  // Past the discard vSite lies inside a site, so within 0…L − 1 once truncated.
  vec3 colour = texelFetch(states, ivec2(vSite), 0).rgb;
  gl_FragColor = vec4(gl_FrontFacing ? colour : colour * ${UNDERSIDE_GLSL}, alpha);
}`;

/**
 * A hidden layer: a square per unit; `corner` is ±1 at its corners, `cell` its texel. What
 * the boxes' sides used to show (a unit's extent, where units overlap, which way is up) a
 * bevel shows instead, for the cost of a few instructions: the rim of the square along the
 * edges that face the camera (`vNear`: ±1 in x and z, toward the camera) is shaded like the
 * box's x and z sides were; `rim` is its width as a fraction of the half-side.
 */
const UNIT_VERTEX = /* glsl */ `
uniform sampler2D states;
uniform float halfWidth;
attribute vec2 corner;
attribute vec2 cell;
varying vec2 vCorner;
varying vec2 vNear;
varying vec3 vColour;
void main() {
  vCorner = corner;
  vColour = texelFetch(states, ivec2(cell), 0).rgb;
  vec4 centre = modelMatrix * vec4(position - vec3(corner.x, 0.0, corner.y) * halfWidth, 1.0);
  vNear = vec2(cameraPosition.x < centre.x ? -1.0 : 1.0, cameraPosition.z < centre.z ? -1.0 : 1.0);
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;
const UNIT_FRAGMENT = /* glsl */ `
uniform float rim;
varying vec2 vCorner;
varying vec2 vNear;
varying vec3 vColour;
${COVERAGE}
void main() {
  vec2 perPixel = fwidth(vCorner);
#ifdef SMOOTH
  float alpha = coverage(1.0 - abs(vCorner), perPixel);
  if (alpha <= 0.0) discard;
  vec2 bevel = clamp((vCorner * vNear - (1.0 - rim)) / max(perPixel, vec2(1e-6)) + 0.5, 0.0, 1.0);
#else
  float alpha = 1.0;
  vec2 bevel = step(1.0 - rim, vCorner * vNear);
#endif
  float shade = min(mix(1.0, ${SIDE_X.toFixed(2)}, bevel.x), mix(1.0, ${SIDE_Z.toFixed(2)}, bevel.y));
  gl_FragColor = vec4(vColour * (gl_FrontFacing ? shade : ${UNDERSIDE_GLSL}), alpha);
}`;

/** The selection marker: a square frame between `inner` and `outer` in `corner` units. */
const MARKER_VERTEX = /* glsl */ `
attribute vec2 corner;
varying vec2 vCorner;
void main() {
  vCorner = corner;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;
const MARKER_FRAGMENT = /* glsl */ `
uniform float inner;
uniform float outer;
varying vec2 vCorner;
${COVERAGE}
void main() {
  float m = max(abs(vCorner.x), abs(vCorner.y));
  float band = min(outer - m, m - inner);
  float alpha = coverage(vec2(band), vec2(fwidth(m)));
  if (alpha <= 0.0) discard;
  gl_FragColor = vec4(1.0, 1.0, 1.0, alpha);
}`;

/**
 * Lines as screen-space quads (GL lines are 1 px and, without MSAA, jagged): each vertex knows
 * its end, the other end and `across`: (x) which way to push it, relative to the direction
 * toward the other end, (y) which side of the line that is (±1, the same at both ends). The
 * quad is widened by halfWidth + 1 px each way and the fragment fades over the last pixel. An
 * end behind the camera is first moved along the segment to the near plane.
 */
const LINE_VERTEX = /* glsl */ `
uniform vec2 viewport;
uniform float halfWidth;
uniform float near;
attribute vec3 other;
attribute vec2 across;
attribute vec4 colour;
varying vec4 vColour;
varying float vAcross;
void main() {
  vec4 a = modelViewMatrix * vec4(position, 1.0);
  vec4 b = modelViewMatrix * vec4(other, 1.0);
  vColour = colour;
  if (a.z > -near && b.z > -near) {
    vAcross = 0.0;
    gl_Position = vec4(0.0, 0.0, 2.0, 1.0); // wholly behind the camera: clipped
    return;
  }
  if (a.z > -near) a = mix(a, b, (a.z + near) / (a.z - b.z));
  if (b.z > -near) b = mix(b, a, (b.z + near) / (b.z - a.z));
  vec4 clipA = projectionMatrix * a;
  vec4 clipB = projectionMatrix * b;
  vec2 toPixels = 0.5 * viewport;
  vec2 dir = (clipB.xy / clipB.w - clipA.xy / clipA.w) * toPixels;
  dir = dot(dir, dir) > 1e-12 ? normalize(dir) : vec2(1.0, 0.0);
  float extent = halfWidth + 1.0;
  vAcross = across.y * extent;
  clipA.xy += vec2(-dir.y, dir.x) * (across.x * extent) / toPixels * clipA.w;
  gl_Position = clipA;
}`;
const LINE_FRAGMENT = /* glsl */ `
uniform float halfWidth;
varying vec4 vColour;
varying float vAcross;
void main() {
#ifdef SMOOTH
  float alpha = clamp(halfWidth + 0.5 - abs(vAcross), 0.0, 1.0);
#else
  float alpha = abs(vAcross) <= max(halfWidth, 0.5) ? 1.0 : 0.0;
#endif
  if (alpha <= 0.0) discard;
  gl_FragColor = vec4(vColour.rgb, vColour.a * alpha);
}`;

/** Writes a unit's texel: its colour (sRGB bytes), opaque. */
function setTexel(texels: Uint8Array, unit: number, rgb: readonly number[]): void {
  texels[4 * unit] = rgb[0]!;
  texels[4 * unit + 1] = rgb[1]!;
  texels[4 * unit + 2] = rgb[2]!;
  texels[4 * unit + 3] = 255;
}

/** Full detail (SMOOTH, blended) or reduced (hard edges, opaque unless `alwaysBlended`). */
function setDetail(material: THREE.ShaderMaterial, reduced: boolean, alwaysBlended: boolean): void {
  const defines = material.defines as Record<string, string>;
  if (reduced) delete defines.SMOOTH;
  else defines.SMOOTH = '';
  material.transparent = alwaysBlended || !reduced;
  material.needsUpdate = true;
}

/**
 * A set of line segments drawn as screen-space quads (LINE_VERTEX): `capacity` segments, the
 * first `count` drawn. Colours are RGBA per segment, RGB encoded for the canvas (sRGB).
 */
class Segments {
  readonly mesh: THREE.Mesh<THREE.BufferGeometry, THREE.ShaderMaterial>;
  private readonly ends: Float32Array;
  private readonly others: Float32Array;
  private readonly colours: Float32Array;
  private readonly cssHalfWidth: number;

  constructor(capacity: number, cssWidth: number) {
    this.cssHalfWidth = cssWidth / 2;
    this.ends = new Float32Array(12 * capacity);
    this.others = new Float32Array(12 * capacity);
    this.colours = new Float32Array(16 * capacity);
    const across = new Float32Array(8 * capacity);
    // Corners A on side −1, A on +1, B on +1, B on −1 (a quad whatever the direction); seen
    // from B the sides swap, so B's push is the opposite of its side.
    for (let k = 0; k < capacity; k++) across.set([-1, -1, 1, 1, -1, 1, 1, -1], 8 * k);
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(this.ends, 3).setUsage(THREE.DynamicDrawUsage));
    geometry.setAttribute('other', new THREE.BufferAttribute(this.others, 3).setUsage(THREE.DynamicDrawUsage));
    geometry.setAttribute('colour', new THREE.BufferAttribute(this.colours, 4).setUsage(THREE.DynamicDrawUsage));
    geometry.setAttribute('across', new THREE.BufferAttribute(across, 2));
    geometry.setIndex(new THREE.BufferAttribute(squareIndices(capacity), 1));
    geometry.setDrawRange(0, 0);
    const material = new THREE.ShaderMaterial({
      vertexShader: LINE_VERTEX,
      fragmentShader: LINE_FRAGMENT,
      uniforms: { viewport: { value: new THREE.Vector2(1, 1) }, halfWidth: { value: this.cssHalfWidth }, near: { value: 0.1 } },
      defines: {},
      side: THREE.DoubleSide,
      forceSinglePass: true,
      transparent: true,
      depthWrite: false, // depth-tested against the units, hiding none of them
    });
    this.mesh = new THREE.Mesh(geometry, material);
    this.mesh.frustumCulled = false;
  }

  /** Segment k from (ax, ay, az) to (bx, by, bz). */
  setEnds(k: number, ax: number, ay: number, az: number, bx: number, by: number, bz: number): void {
    const a = [ax, ay, az];
    const b = [bx, by, bz];
    for (let v = 0; v < 4; v++) {
      const [here, there] = v < 2 ? [a, b] : [b, a];
      this.ends.set(here, 12 * k + 3 * v);
      this.others.set(there, 12 * k + 3 * v);
    }
  }

  setColour(k: number, r: number, g: number, b: number, a: number): void {
    for (let v = 0; v < 4; v++) this.colours.set([r, g, b, a], 16 * k + 4 * v);
  }

  /** Draws the first `count` segments, after positions (and colours when `colours`) changed. */
  update(count: number, colours: boolean): void {
    const geometry = this.mesh.geometry;
    geometry.attributes.position!.needsUpdate = true;
    geometry.attributes.other!.needsUpdate = true;
    if (colours) geometry.attributes.colour!.needsUpdate = true;
    geometry.setDrawRange(0, 6 * count);
  }

  /** The drawing buffer's size (device px), its pixel ratio and the camera's near plane. */
  resize(width: number, height: number, pixelRatio: number, near: number): void {
    const uniforms = this.mesh.material.uniforms;
    (uniforms.viewport!.value as THREE.Vector2).set(width, height);
    uniforms.halfWidth!.value = this.cssHalfWidth * pixelRatio;
    uniforms.near!.value = near;
  }

  dispose(): void {
    this.mesh.geometry.dispose();
    this.mesh.material.dispose();
  }
}

/** The user's reduced-motion preference (moves and glides then jump to their end). */
const reducedMotion = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;
const prefersReducedMotion = (): boolean => reducedMotion?.matches ?? false;

export class StackView {
  private readonly container: HTMLElement;
  private readonly state: SessionState;
  private readonly options: StackViewOptions;
  private readonly canvasElement: HTMLCanvasElement;
  private renderer: THREE.WebGLRenderer | null = null;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(FOV, 1, 0.1, 200);
  private readonly controls: OrbitControls;
  /** The selection's strongest connections to the layer below. */
  private readonly lines = new Segments(CONNECTIONS, CONNECTION_WIDTH);
  private readonly lineFrom = new Int32Array(CONNECTIONS);
  private lineCount = 0;
  /** The lines' colours changed since they were last uploaded. */
  private linesRecoloured = false;
  private readonly marker: THREE.Mesh<THREE.BufferGeometry, THREE.ShaderMaterial>;
  /** Each plane's square edges, one draw call for all (rebuilt with the planes). */
  private outlines = new Segments(0, OUTLINE_WIDTH);
  private readonly status: HTMLElement;
  private readonly raycaster = new THREE.Raycaster();
  private readonly pointer = new THREE.Vector2();
  private readonly projected = new THREE.Vector3();
  private readonly bufferSize = new THREE.Vector2();
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
  /** Heights, outlines or the selection's lines and marker need placing before the next render. */
  private geometryDirty = true;
  /** The hidden units' vertex positions need rewriting (they moved). */
  private positionsDirty = true;
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
    // Before the renderer: the pixel ratio and the materials start in the right detail.
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

    // Lines after the units (depth-tested against them), the marker over everything.
    this.lines.mesh.visible = false;
    this.lines.mesh.renderOrder = 1;
    this.marker = this.createMarker();
    this.marker.renderOrder = 2;
    this.marker.visible = false;
    this.outlines.mesh.renderOrder = 1;
    this.scene.background = new THREE.Color(BACKGROUND);
    this.scene.add(this.outlines.mesh, this.lines.mesh, this.marker);
    this.applyDetail();

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

  /** The canvas drawn into (the same for the view's life: detail does not change the context). */
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

  /** Reduced detail: pixel ratio 1, hard-edged opaque units and lines (full: smoothed edges, blended). */
  setReducedDetail(reduced: boolean): void {
    if (reduced === this.reduced || this.disposed) return;
    this.reduced = reduced;
    this.applyDetail();
    this.resize();
    this.requestRender();
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
    const top = this.heights[selection.layer]! + plane.lift + stagger(selection.layer, selection.unit);
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
    this.lines.dispose();
    this.marker.geometry.dispose();
    this.marker.material.dispose();
    this.destroyRenderer();
    this.outlines.dispose();
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
      // No MSAA at any detail (the shaders smooth their own edges): on a software renderer it
      // triples the cost of every triangle.
      this.renderer = new THREE.WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true, powerPreference: 'low-power' });
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
    const pixelRatio = this.reduced ? 1 : Math.min(2, window.devicePixelRatio || 1);
    this.renderer.setPixelRatio(pixelRatio);
    this.renderer.setSize(width, height, false);
    const aspect = width / height;
    this.camera.aspect = aspect;
    // Below WIDE, keep the horizontal field of a WIDE view (so a phone still sees the whole stack).
    const halfTan = Math.tan((FOV * Math.PI) / 360) * Math.max(1, WIDE / aspect);
    this.camera.fov = (Math.atan(halfTan) * 360) / Math.PI;
    this.camera.updateProjectionMatrix();
    for (const segments of [this.lines, this.outlines]) this.sizeLines(segments);
    this.requestRender();
  }

  private setAttributes(): void {
    const selected = this.selection ? `${this.selection.layer}:${this.selection.unit}` : '';
    this.container.dataset.selected = selected;
    this.canvasElement.dataset.selected = selected;
  }

  // --- planes -------------------------------------------------------------------------------

  /** The selection marker: a square of ±MARKER_QUAD (scaled to the unit's half-width), drawing a frame. */
  private createMarker(): THREE.Mesh<THREE.BufferGeometry, THREE.ShaderMaterial> {
    const geometry = new THREE.BufferGeometry();
    const corners = squareCorners(1);
    geometry.setAttribute('position', new THREE.BufferAttribute(squareVertices(Float32Array.of(0, 0), 1, 0, MARKER_QUAD, 0), 3));
    geometry.setAttribute('corner', new THREE.BufferAttribute(corners.map((c) => c * MARKER_QUAD), 2));
    geometry.setIndex(new THREE.BufferAttribute(squareIndices(1), 1));
    const material = new THREE.ShaderMaterial({
      vertexShader: MARKER_VERTEX,
      fragmentShader: MARKER_FRAGMENT,
      uniforms: { inner: { value: MARKER_INNER }, outer: { value: MARKER_OUTER } },
      defines: {},
      side: THREE.DoubleSide,
      forceSinglePass: true,
      transparent: true,
      depthTest: false,
      depthWrite: false,
    });
    const marker = new THREE.Mesh(geometry, material);
    marker.frustumCulled = false;
    return marker;
  }

  /** Puts every material in the current detail (the lines and the marker always blend). */
  private applyDetail(): void {
    for (const plane of this.planes) setDetail(plane.mesh.material, this.reduced, false);
    for (const material of [this.lines.mesh.material, this.outlines.mesh.material, this.marker.material]) setDetail(material, this.reduced, true);
  }

  /** Sizes a set of lines to the drawing buffer (line widths are in CSS px). */
  private sizeLines(segments: Segments): void {
    const width = this.container.clientWidth;
    if (!this.renderer || width === 0) return;
    const buffer = this.renderer.getDrawingBufferSize(this.bufferSize);
    segments.resize(buffer.x, buffer.y, buffer.x / width, this.camera.near);
  }

  /** Makes the planes for `shape` (replacing any), placed without animation, coloured from the frame. */
  private build(shape: StackShape): void {
    this.clearPlanes();
    this.shape = shape;
    const sides = [shape.L, ...shape.sides];
    this.heights = layerHeights(sides.length, this.spacing);
    this.planes = sides.map((side, layer) => {
      const units = side * side;
      const cell = PLANE_SIZE / side;
      const halfWidth = (cell * (layer === 0 ? LATTICE_FILL : HIDDEN_FILL)) / 2;
      const lift = (layer === 0 ? LATTICE_THICKNESS : HIDDEN_THICKNESS) / 2;
      const texels = new Uint8Array(4 * units);
      for (let j = 0; j < units; j++) setTexel(texels, j, NEUTRAL);
      // Bytes as they are: no colour-space conversion, no filtering (texelFetch), no mipmaps.
      const texture = new THREE.DataTexture(texels, side, side, THREE.RGBAFormat, THREE.UnsignedByteType);
      texture.magFilter = THREE.NearestFilter;
      texture.minFilter = THREE.NearestFilter;
      texture.generateMipmaps = false;
      texture.needsUpdate = true;
      const geometry = new THREE.BufferGeometry();
      let material: THREE.ShaderMaterial;
      if (layer === 0) {
        // One square for the whole lattice, its sites drawn by the fragment shader from the
        // state texture: on SwiftShader each of 1 600 instanced units cost ~25 µs a render.
        const h = PLANE_SIZE / 2;
        geometry.setAttribute('position', new THREE.BufferAttribute(squareVertices(Float32Array.of(0, 0), 1, 0, h, lift), 3));
        geometry.setAttribute('site', new THREE.BufferAttribute(squareCorners(1).map((c) => ((c + 1) / 2) * side), 2));
        geometry.setIndex(new THREE.BufferAttribute(squareIndices(1), 1));
        material = new THREE.ShaderMaterial({
          vertexShader: LATTICE_VERTEX,
          fragmentShader: LATTICE_FRAGMENT,
          uniforms: { states: { value: texture }, halfFill: { value: LATTICE_FILL / 2 } },
        });
      } else {
        const positions = new THREE.BufferAttribute(new Float32Array(12 * units), 3).setUsage(THREE.DynamicDrawUsage);
        geometry.setAttribute('position', positions);
        geometry.setAttribute('corner', new THREE.BufferAttribute(squareCorners(units), 2));
        geometry.setAttribute('cell', new THREE.BufferAttribute(squareCells(side), 2));
        geometry.setIndex(new THREE.BufferAttribute(squareIndices(units), 1));
        material = new THREE.ShaderMaterial({
          vertexShader: UNIT_VERTEX,
          fragmentShader: UNIT_FRAGMENT,
          uniforms: { states: { value: texture }, halfWidth: { value: halfWidth }, rim: { value: Math.min(0.5, BEVEL / halfWidth) } },
        });
      }
      material.defines = {};
      material.side = THREE.DoubleSide;
      material.forceSinglePass = true; // three draws blended double-sided meshes twice otherwise
      setDetail(material, this.reduced, false);
      const mesh = new THREE.Mesh(geometry, material);
      mesh.frustumCulled = false;
      mesh.matrixAutoUpdate = false;
      mesh.userData.layer = layer;
      this.scene.add(mesh);
      const grid = gridPositions(side);
      return {
        layer,
        side,
        units,
        mesh,
        lift,
        halfWidth,
        texels,
        texture,
        shown: new Int8Array(units),
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
    this.positionsDirty = true;
    this.scene.remove(this.outlines.mesh);
    this.outlines.dispose();
    this.outlines = new Segments(4 * this.planes.length, OUTLINE_WIDTH);
    this.outlines.mesh.renderOrder = 1;
    setDetail(this.outlines.mesh.material, this.reduced, true);
    const outline = new THREE.Color(OUTLINE).getRGB({ r: 0, g: 0, b: 0 }, THREE.SRGBColorSpace);
    for (let k = 0; k < 4 * this.planes.length; k++) this.outlines.setColour(k, outline.r, outline.g, outline.b, 1);
    this.sizeLines(this.outlines);
    this.scene.add(this.outlines.mesh);
    this.status.hidden = true;
    this.paintFrame();
    if (this.selection && !this.valid(this.selection)) this.setSelection(null, true);
    else this.refreshConnections();
  }

  private clearPlanes(): void {
    for (const plane of this.planes) {
      this.scene.remove(plane.mesh);
      plane.mesh.geometry.dispose();
      plane.mesh.material.dispose();
      plane.texture.dispose();
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
      this.positionsDirty = true;
    } else this.moveStart = performance.now();
    this.requestRender();
  }

  /**
   * Places the planes: each mesh at its layer's height, the outlines under them, and (when
   * they moved) the hidden units' squares.
   */
  private placePlanes(): void {
    for (const plane of this.planes) {
      plane.mesh.position.y = this.heights[plane.layer]!;
      plane.mesh.updateMatrix();
      if (plane.layer > 0 && this.positionsDirty) {
        const positions = plane.mesh.geometry.attributes.position as THREE.BufferAttribute;
        squareVertices(plane.now, plane.units, plane.layer, plane.halfWidth, plane.lift, positions.array as Float32Array);
        positions.needsUpdate = true;
      }
    }
    this.positionsDirty = false;
    // Plane edges: four segments round the square at each height.
    for (const plane of this.planes) {
      const y = this.heights[plane.layer]! - plane.lift;
      for (let k = 0; k < 4; k++) {
        const c = EDGE_CORNERS;
        this.outlines.setEnds(4 * plane.layer + k, c[4 * k]!, y, c[4 * k + 1]!, c[4 * k + 2]!, y, c[4 * k + 3]!);
      }
    }
    this.outlines.update(4 * this.planes.length, true);
  }

  /**
   * Sets every unit's texel from the latest frame (states ±1 → SPIN_UP / SPIN_DOWN); true when
   * any changed (a frame with the same states draws nothing new).
   */
  private paintFrame(): boolean {
    const frame = this.state.frame;
    if (!frame || this.planes.length === 0) return false;
    let changed = false;
    for (const plane of this.planes) {
      const packed = plane.layer === 0 ? frame.lattice : frame.layers[plane.layer - 1]?.states;
      if (!packed) continue;
      const bytes = asBytes(packed);
      if (bytes.length < packedLength(plane.units)) continue;
      const states = unpackLattice(bytes, plane.units, plane.states);
      let differs = false;
      for (let j = 0; j < plane.units; j++) {
        const state = states[j]! > 0 ? 1 : -1;
        if (plane.shown[j] !== state) {
          plane.shown[j] = state;
          setTexel(plane.texels, j, state > 0 ? SPIN_UP : SPIN_DOWN);
          differs = true;
        }
      }
      if (differs) plane.texture.needsUpdate = true;
      changed ||= differs;
    }
    return changed;
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

  /** A frame (or a control): renders only when the shape or a unit's state changed. */
  private onFrame(): void {
    if (this.syncShape() || this.paintFrame()) this.requestRender();
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
        this.lines.setColour(n, ...encoded(colour, brightness), alpha);
      }
      this.linesRecoloured = true;
    }
    this.geometryDirty = true;
    this.requestRender();
  }

  /** Line end points and the marker, from the planes' current positions and heights. */
  private placeSelection(): void {
    const selection = this.selection && this.valid(this.selection) ? this.selection : null;
    this.marker.visible = !!selection;
    this.lines.mesh.visible = !!selection && this.lineCount > 0;
    if (!selection) return;
    const top = this.planes[selection.layer]!;
    const below = this.planes[selection.layer - 1]!;
    const x = top.now[2 * selection.unit]!;
    const z = top.now[2 * selection.unit + 1]!;
    // From the middle of the unit's square to the middle of each square below it.
    const yTop = this.heights[selection.layer]! + top.lift + stagger(selection.layer, selection.unit);
    this.marker.position.set(x, yTop + 0.01, z);
    this.marker.scale.setScalar(top.halfWidth);
    for (let n = 0; n < this.lineCount; n++) {
      const from = this.lineFrom[n]!;
      const yBelow = this.heights[selection.layer - 1]! + below.lift + stagger(selection.layer - 1, from);
      this.lines.setEnds(n, x, yTop, z, below.now[2 * from]!, yBelow, below.now[2 * from + 1]!);
    }
    this.lines.update(this.lineCount, this.linesRecoloured);
    this.linesRecoloured = false;
  }

  /** The hidden unit under a point (CSS px relative to the canvas); null for empty space or the lattice. */
  private pickAt(x: number, y: number): UnitSelection | null {
    const width = this.canvasElement.clientWidth;
    const height = this.canvasElement.clientHeight;
    if (width === 0 || height === 0 || this.planes.length === 0) return null;
    this.pointer.set((x / width) * 2 - 1, 1 - (y / height) * 2);
    this.raycaster.setFromCamera(this.pointer, this.camera);
    const ray = this.raycaster.ray;
    // The squares as drawn, in closed form; the lattice hides what lies behind it (through its
    // sites, not its gaps), but is not selectable itself.
    const lattice = this.planes[0]!;
    let nearest = rayLattice(ray, lattice.side, this.heights[0]! + lattice.lift, LATTICE_FILL);
    let picked: UnitSelection | null = null;
    for (const plane of this.planes) {
      if (plane.layer === 0) continue;
      const hit = raySquares(ray, plane.now, plane.units, plane.layer, this.heights[plane.layer]! + plane.lift, plane.halfWidth);
      if (hit && hit.t < nearest) {
        nearest = hit.t;
        picked = { layer: plane.layer, unit: hit.unit };
      }
    }
    return picked;
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
      this.positionsDirty = true;
    }
    if (this.cameraMove) again = this.stepCamera(dt) || again;
    if (this.controls.update()) again = true; // still damping
    this.reportCamera();

    if (this.geometryDirty) {
      this.geometryDirty = false;
      this.placePlanes();
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
