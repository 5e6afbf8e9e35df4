/**
 * The live page: connects to the server, draws every frame it receives, shows the estimates
 * beside the exact values, and sends the temperature slider's value (throttled) to the server.
 * The panels never call each other; this module wires them to the connection.
 */
import type { FramePayload, TemperaturePayload } from '../shared/protocol/events.js';
import { PROTOCOL_VERSION } from '../shared/protocol/version.js';
import { authFromLocation, LiveConnection } from './net/connection.js';
import { throttle } from './net/throttle.js';
import { showConnectionState } from './ui/connection-badge.js';
import { LatticeView } from './ui/lattice-view.js';
import { Readouts } from './ui/readouts.js';
import { TemperatureControl } from './ui/temperature-control.js';

/** Least time between two temperature commands from this page, ms. */
const SEND_INTERVAL_MS = 100;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing element #${id}`);
  return found as T;
}

const badge = element('connection');
const notice = element('notice');
const caption = element('lattice-caption');
const lattice = new LatticeView(element<HTMLCanvasElement>('lattice'));
const readouts = new Readouts({
  energyMeasured: element('energy-measured'),
  energyExact: element('energy-exact'),
  energyExactLabel: element('energy-exact-label'),
  magnetizationMeasured: element('magnetization-measured'),
  magnetizationExact: element('magnetization-exact'),
  runInfo: element('run-info'),
  unconvergedNote: element('unconverged-note'),
});

let L = 0;
let clientId: string | null = null;
let lastSeq = -1;

function showFrame(frame: FramePayload): void {
  if (L === 0 || frame.seq <= lastSeq) return;
  lastSeq = frame.seq;
  lattice.draw(frame.lattice, L);
  readouts.show(frame, L);
  caption.textContent = `${L}×${L} periodic lattice, frame ${frame.seq}`;
}

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

const connection = new LiveConnection({
  state: (state, detail) => showConnectionState(badge, state === 'removed' ? 'reconnecting' : state, detail),
  welcome: (welcome) => {
    if (welcome.protocolVersion !== PROTOCOL_VERSION) {
      notice.textContent = `The server speaks protocol ${welcome.protocolVersion}, this page ${PROTOCOL_VERSION}: please reload.`;
      return;
    }
    L = welcome.settings.L;
    clientId = welcome.clientId;
    lastSeq = -1;
    notice.textContent = '';
    temperature.confirm(welcome.temperature, clientId);
    if (welcome.snapshot) showFrame(welcome.snapshot);
  },
  broadcast: (type, payload) => {
    if (type === 'frame') showFrame(payload as FramePayload);
    else if (type === 'temperature') temperature.confirm(payload as TemperaturePayload, clientId);
  },
  error: (error) => {
    notice.textContent = `The server refused ${error.event ?? 'a message'}: ${error.message}`;
  },
  removed: (removed) => {
    notice.textContent = `Removed from the session: ${removed.reason}`;
  },
  replay: () => {},
}, authFromLocation(window.location));

const sendTemperature = throttle((value: number) => {
  void connection.proposeTemperature(value).then((answer) => {
    if (!answer.ok) notice.textContent = `Temperature not changed: ${answer.message}`;
  });
}, SEND_INTERVAL_MS);
