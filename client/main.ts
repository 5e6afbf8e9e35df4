/**
 * The classroom page: wires the connection to two SessionStates and the views to them.
 *
 * - `live` always follows the session (presence, policy, vote, temperature, host controls);
 * - `view` drives what is drawn (3D stack, lattice, readouts, plots, atlas, compression
 *   strip): it follows `live`, or a recording while a replay is open.
 *
 * The panels never call each other; every command goes through the connection here.
 */
import type { FramePayload } from '../shared/protocol/engine-events.js';
import type { CameraPayload, TemperaturePayload } from '../shared/protocol/events.js';
import { PROTOCOL_VERSION } from '../shared/protocol/version.js';
import { authFromLocation, LiveConnection } from './net/connection.js';
import { throttle } from './net/throttle.js';
import { ReplayController } from './state/replay-controller.js';
import { SessionState } from './state/session-state.js';
import { showConnectionState } from './ui/connection-badge.js';
import { HostPanel } from './ui/host-panel.js';
import { LatticeView } from './ui/lattice-view.js';
import { Readouts } from './ui/readouts.js';
import { ReplayPanel } from './ui/replay-panel.js';
import { TemperatureControl } from './ui/temperature-control.js';
import { VotePanel } from './ui/vote-panel.js';
import { CompressionStrip } from './view/compression-strip.js';
import { FieldOverlay } from './view/field-overlay.js';
import { MappingPanel } from './view/mapping-panel.js';
import { Plots } from './view/plots.js';
import { ReceptiveFieldAtlas } from './view/rf-atlas.js';
import { StackView, type CameraPose, type UnitSelection } from './view/stack-view.js';

/** Least time between two temperature commands from this page, ms. */
const SEND_INTERVAL_MS = 100;
/** Least time between two camera updates the host shares, ms. */
const CAMERA_INTERVAL_MS = 100;
/** Narrow screens (phones) get reduced detail and no weight stream unless asked. */
const NARROW = window.matchMedia('(max-width: 800px)').matches;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing element #${id}`);
  return found as T;
}

const now = (): number => performance.now() / 1000;
const live = new SessionState();
const view = new SessionState();

const badge = element('connection');
const notice = element('notice');
const sessionLine = element('session-line');
const caption = element('lattice-caption');
const selectionCaption = element('selection-caption');
const followHost = element<HTMLInputElement>('follow-host');
const showWeights = element<HTMLInputElement>('show-weights');
const lattice = new LatticeView(element<HTMLCanvasElement>('lattice'));
const overlay = new FieldOverlay(element<HTMLCanvasElement>('field-overlay'), view);
const readouts = new Readouts({
  energyMeasured: element('energy-measured'),
  energyExact: element('energy-exact'),
  energyExactLabel: element('energy-exact-label'),
  magnetizationMeasured: element('magnetization-measured'),
  magnetizationExact: element('magnetization-exact'),
  runInfo: element('run-info'),
  unconvergedNote: element('unconverged-note'),
});

// ---- the connection ----

const auth = authFromLocation(window.location);
showWeights.checked = !NARROW;
const connection = new LiveConnection(
  {
    state: (state, detail) => showConnectionState(badge, state, detail),
    welcome: (welcome) => {
      if (welcome.protocolVersion !== PROTOCOL_VERSION) {
        notice.textContent = `The server speaks protocol ${welcome.protocolVersion}, this page ${PROTOCOL_VERSION}: please reload.`;
        return;
      }
      notice.textContent = '';
      live.load(welcome, now());
      if (!replay.active) view.load(welcome, now());
      // A welcome is a fresh connection: it receives weights only if asked again.
      if (showWeights.checked) void connection.subscribeWeights(true);
    },
    broadcast: (type, payload) => {
      if (type === 'camera') {
        followCamera(payload as CameraPayload);
        return;
      }
      live.apply(type, payload, now());
      if (!replay.active) view.apply(type, payload, now());
    },
    error: (error) => {
      notice.textContent = `The server refused ${error.event ?? 'a message'}: ${error.message}`;
    },
    removed: (removed) => {
      notice.textContent = `You were removed from this session: ${removed.reason}`;
    },
    replay: (payload) => replay.handle(payload),
  },
  { ...auth, weights: !NARROW },
);

showWeights.addEventListener('change', () => {
  void connection.subscribeWeights(showWeights.checked).then((answer) => {
    if (!answer.ok) notice.textContent = `Weights: ${answer.message}`;
  });
});

// ---- the 3D stack, the lattice and the selection ----

let selection: UnitSelection | null = null;
let leading = false;
const shareCamera = throttle((pose: CameraPose) => connection.shareCamera(pose), CAMERA_INTERVAL_MS);
const stack = new StackView(element('stack'), view, {
  reducedDetail: NARROW,
  onSelect: (selected) => select(selected),
  onCameraChange: (pose) => {
    if (leading && live.role === 'host') shareCamera(pose);
  },
});

function select(selected: UnitSelection | null): void {
  selection = selected;
  overlay.show(selected);
  selectionCaption.textContent = selected
    ? `Overlay: receptive field of unit ${selected.unit} in layer ${selected.layer}${view.network ? '' : ' (waiting for weights: tick “Show learned weights”)'}`
    : '';
}

function followCamera(camera: CameraPayload): void {
  if (live.role === 'host' || !followHost.checked) return;
  stack.followCamera({ position: camera.position, target: camera.target });
}

let lastSeq = -1;
function showFrame(frame: FramePayload): void {
  if (view.L === 0) return;
  if (frame.seq <= lastSeq && !replay.active) return;
  lastSeq = frame.seq;
  lattice.draw(frame.lattice, view.L);
  readouts.show(frame, view.L);
  caption.textContent = `${view.L}×${view.L} periodic lattice, frame ${frame.seq}${frame.paused ? ' (paused)' : ''}`;
}
view.on('frame', showFrame);
view.on('load', (state) => {
  lastSeq = -1;
  if (state.frame) showFrame(state.frame);
  sessionLine.textContent = state.sessionCode ? `${state.sessionName} · join code ${state.sessionCode} · you are ${state.nickname} (${state.role})` : '';
  element('follow-label').hidden = state.role === 'host';
  element('host-details').hidden = state.role !== 'host';
  if (selection) select(selection);
});

// ---- temperature, vote, host ----

const temperature = new TemperatureControl(
  {
    slider: element<HTMLInputElement>('temperature-slider'),
    tcMark: element('tc-mark'),
    value: element('temperature-value'),
    coupling: element('coupling-value'),
    changedBy: element('temperature-changed-by'),
  },
  (value) => sendTemperature(value),
);
const confirmTemperature = (state: TemperaturePayload): void => temperature.confirm(state, live.clientId);
live.on('temperature', confirmTemperature);
live.on('load', (state) => {
  if (state.temperature) confirmTemperature(state.temperature);
});

const sendTemperature = throttle((value: number) => {
  void connection.proposeTemperature(value).then((answer) => {
    if (!answer.ok) notice.textContent = `Temperature not changed: ${answer.message}`;
    else if (answer.outcome === 'proposed') notice.textContent = '';
  });
}, SEND_INTERVAL_MS);

new VotePanel(element('vote'), live);
new HostPanel(element('host-panel'), live, {
  setPolicy: (mode) => connection.setPolicy(mode),
  pause: () => connection.pause(),
  resume: () => connection.resume(),
  reset: (settings) => connection.reset(settings),
  setHyperparameters: (hyperparameters) => connection.setHyperparameters(hyperparameters),
  removeParticipant: (id) => connection.removeParticipant(id),
  setLeading: (on) => {
    leading = on;
  },
});

// ---- plots, atlas, compression, replay ----

new Plots(element('plots'), view);
new ReceptiveFieldAtlas(element('atlas'), view);
new CompressionStrip(element('compression'), view);

const replayBanner = element('replay-banner');
const replay = new ReplayController(connection, view, live);
replay.on('opened', () => {
  replayBanner.hidden = false;
  replayBanner.textContent = 'REPLAY — you are watching a recording, not the live session';
});
replay.on('closed', () => {
  replayBanner.hidden = true;
});
// The exact-mapping panel computes on the server when opened, not at page load.
const mappingDetails = element('mapping').closest('details')!;
let mappingPanel: MappingPanel | null = null;
mappingDetails.addEventListener('toggle', () => {
  if (mappingDetails.open) mappingPanel ??= new MappingPanel(element('mapping'));
});

// The recordings list is fetched when someone opens the section, not by every page at load.
const replayDetails = element('replay').closest('details')!;
let replayPanel: ReplayPanel | null = null;
replayDetails.addEventListener('toggle', () => {
  if (replayDetails.open) replayPanel ??= new ReplayPanel(element('replay'), replay);
});

/** For the browser tests and for curious students with a console: the page's state and 3D view. */
(window as unknown as { rgflow: unknown }).rgflow = { live, view, stack, replay };
