/**
 * The Socket.IO event maps both sides import, the payloads they carry, and the REST bodies of
 * /api/sessions. Declared once: the server types its `Server` with these maps and the client
 * its `Socket`. What the engine produces (frames, weights, metrics, control state) is declared
 * in engine-events.ts and carried here unchanged.
 *
 * Units: temperature T in J/k_B, coupling K = J/(k_B T) (dimensionless), times in ms unless
 * named otherwise (sweeps, ticks).
 */
import type { ErrorCode } from './errors.js';
import type {
  EngineControlPayload,
  EngineSettings,
  FramePayload,
  MetricsPayload,
  WeightsPayload,
} from './engine-events.js';
import type {
  EmptyPayload,
  OpenReplayPayload,
  ProposeTemperaturePayload,
  ReplayControlPayload,
  RemoveParticipantPayload,
  SetPolicyPayload,
  StepPayload,
  ShareCameraPayload,
  SubscribePayload,
} from './schemas.js';
import type { HyperparameterInput, ResetSettingsInput } from './engine-schemas.js';

/** The frame types moved to engine-events.ts (with the rest of what the engine produces); re-exported here under their old names. */
export type { EngineFrame, ExactValues, FramePayload, HiddenLayerState, RunningEstimate } from './engine-events.js';

/** Who moves the temperature: anyone (`free`), the median of everyone's proposals (`vote`), the host only (`locked`). */
export const POLICY_MODES = ['free', 'vote', 'locked'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** A host holds the session's host token; everyone else is a student. */
export const ROLES = ['host', 'student'] as const;
export type Role = (typeof ROLES)[number];

/** A vote proposal counts for this long after it was made (inclusive), ms. */
export const VOTE_WINDOW_MS = 30_000;
/** The vote is tallied (and the median applied) this often, ms. */
export const VOTE_TALLY_INTERVAL_MS = 2_000;
/** The vote histogram: equal bins over the temperature limits [0.5, 10] (0.5 J/k_B wide). */
export const VOTE_HISTOGRAM = { bins: 19 } as const;

/** Engine lifecycle as the server sees it (a paused engine is `running`; see ControlPayload.paused). */
export type EngineStatus = 'starting' | 'running' | 'restarting' | 'stopped';

/** The settings of the session's current run, and the temperatures it accepts. */
export interface SessionSettings extends EngineSettings {
  /** Temperatures `proposeTemperature` accepts, J/k_B. */
  temperatureLimits: { min: number; max: number };
}

/** The temperature in force and who set it. */
export interface TemperaturePayload {
  /** T in J/k_B. */
  temperature: number;
  /** K = 1/T. */
  coupling: number;
  /** Participant id of the client that set it; `vote` when the vote's median set it; null for the initial value. */
  changedBy: string | null;
}

export interface ParticipantInfo {
  /** The participant's id (its socket id), stable across a recovered reconnection. */
  id: string;
  nickname: string;
  role: Role;
  /** When it joined, ms since the Unix epoch. */
  joinedAt: number;
  /** False while its connection is down and may still be recovered (up to 2 min). */
  connected: boolean;
}

/** Who is here. */
export interface PresencePayload {
  /** Participants whose connection is up. */
  count: number;
  /** Everyone, connected or awaiting recovery, in joining order. */
  participants: ParticipantInfo[];
}

export interface PolicyPayload {
  mode: PolicyMode;
  /** Participant id of the host who set it; null for the session's initial policy. */
  changedBy: string | null;
}

/** The vote as tallied every VOTE_TALLY_INTERVAL_MS. */
export interface VoteTally {
  mode: PolicyMode;
  /** Median of the standing proposals (T in J/k_B), the temperature the vote applies; null outside `vote` mode or without proposals. */
  applied: number | null;
  /** Every standing proposal, one per participant, ascending. */
  proposals: number[];
  /** counts[i]: proposals in [min + i·w, min + (i+1)·w), w = (max − min)/counts.length; the last bin includes max. */
  histogram: { min: number; max: number; counts: number[] };
  windowMs: number;
}

/** The engine's control state after a host action (or a restart), and who caused it. */
export interface ControlPayload extends EngineControlPayload {
  changedBy: string | null;
}

export interface StatusPayload {
  status: EngineStatus;
}

/** Sent to a participant the host removed, just before it is disconnected. */
export interface RemovedPayload {
  reason: string;
}

/** First message on every new connection (not on a recovered one): everything needed to render at once. */
export interface WelcomePayload {
  protocolVersion: number;
  sessionId: string;
  sessionCode: string;
  sessionName: string;
  /** This participant's id (compare with `TemperaturePayload.changedBy`). */
  clientId: string;
  nickname: string;
  role: Role;
  settings: SessionSettings;
  temperature: TemperaturePayload;
  policy: PolicyPayload;
  vote: VoteTally;
  presence: PresencePayload;
  status: EngineStatus;
  /** Pause state, tick, resets and settings of the run; null before the engine first reported them. */
  control: ControlPayload | null;
  /** The latest frame; null only while the engine has not produced one yet. */
  snapshot: FramePayload | null;
  /** The latest weight snapshot and metrics; null until the engine has sent one. */
  weights: WeightsPayload | null;
  metrics: MetricsPayload | null;
}

/** Sent to one client when its command was rejected; nothing changed. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** The client event that caused it, when there is one. */
  event: string | null;
}

/** The failed form of every acknowledgement: why nothing changed. */
export interface CommandFailure {
  ok: false;
  code: ErrorCode;
  message: string;
}

/** `proposeTemperature`: applied at once (`free`, or the host in `locked`), or recorded as a vote. */
export type ProposeTemperatureAck =
  | { ok: true; outcome: 'applied'; temperature: number; coupling: number }
  | { ok: true; outcome: 'proposed'; temperature: number }
  | CommandFailure;
export type SetPolicyAck = { ok: true; mode: PolicyMode } | CommandFailure;
/** pause, resume, step, reset, setHyperparameters: the control state now in force. */
export type ControlAck = { ok: true; control: EngineControlPayload } | CommandFailure;
export type RemoveParticipantAck = { ok: true; id: string } | CommandFailure;
/** `ping`: the server's clock (ms since the Unix epoch), for latency and clock offset. */
export type PingAck = { ok: true; serverTime: number } | CommandFailure;

/** Where a replay stands (docs/recording-format.md, "Replay"); times are recording time, ms. */
export interface ReplayStatus {
  playing: boolean;
  positionMs: number;
  speed: number;
  durationMs: number;
  /** Seq of the last event delivered (0: none since the last snapshot's seq 0). */
  seq: number;
  /** Every event was delivered and the clock reached the end. */
  ended: boolean;
}

/** A replay's status as sent to the viewer. */
export interface ReplayStatusPayload extends ReplayStatus {
  recordingId: string;
}

/**
 * `replay`: a replay's output, to the one connection that opened it. `snapshot` after a seek (the
 * recorded state after event `seq`, a `welcome`-like object; null: before the first event), then
 * `event`s (a recorded broadcast: `type` is its event name, `payload` what the room got), `status`
 * after every control and at the end, `stopped` when the replay failed or the recording went away.
 */
export type ReplayPayload =
  | { kind: 'snapshot'; recordingId: string; seq: number; tMs: number; snapshot: unknown }
  | { kind: 'event'; recordingId: string; seq: number; tMs: number; type: string; payload: unknown }
  | { kind: 'status'; recordingId: string; status: ReplayStatusPayload }
  | { kind: 'stopped'; recordingId: string; message: string };

export type OpenReplayAck = { ok: true; recording: { id: string; name: string; durationMs: number; eventCount: number }; status: ReplayStatusPayload } | CommandFailure;
export type ReplayControlAck = { ok: true; status: ReplayStatusPayload | null } | CommandFailure;
export type SubscribeAck = { ok: true; weights: boolean } | CommandFailure;

export interface ServerToClientEvents {
  welcome: (payload: WelcomePayload) => void;
  /** Volatile: a slow client drops frames instead of buffering them. */
  frame: (payload: FramePayload) => void;
  /** Volatile (large): every `weightsInterval` s; late joiners get the latest in `welcome`. */
  weights: (payload: WeightsPayload) => void;
  metrics: (payload: MetricsPayload) => void;
  temperature: (payload: TemperaturePayload) => void;
  control: (payload: ControlPayload) => void;
  status: (payload: StatusPayload) => void;
  policy: (payload: PolicyPayload) => void;
  vote: (payload: VoteTally) => void;
  presence: (payload: PresencePayload) => void;
  removed: (payload: RemovedPayload) => void;
  error: (payload: ErrorPayload) => void;
  /** Replay output, to the connection that opened it (`openReplay`). */
  replay: (payload: ReplayPayload) => void;
  /** Volatile, not recorded: the host's camera (`shareCamera`), for pages following the host. */
  camera: (payload: CameraPayload) => void;
}

/** The host's camera as shared: position and orbit target (scene units), and who shared it. */
export interface CameraPayload extends ShareCameraPayload {
  by: string;
}

export interface ClientToServerEvents {
  /** Anyone: in `free` mode applied, in `vote` mode a proposal, in `locked` mode the host's only. */
  proposeTemperature: (payload: ProposeTemperaturePayload, ack?: (response: ProposeTemperatureAck) => void) => void;
  /** Host only. */
  setPolicy: (payload: SetPolicyPayload, ack?: (response: SetPolicyAck) => void) => void;
  pause: (payload: EmptyPayload, ack?: (response: ControlAck) => void) => void;
  resume: (payload: EmptyPayload, ack?: (response: ControlAck) => void) => void;
  /** Runs `ticks` engine ticks now (meant for a paused run). */
  step: (payload: StepPayload, ack?: (response: ControlAck) => void) => void;
  /** A new run from the seed at the current temperature, with these settings changed (`{}`: same settings). */
  reset: (payload: ResetSettingsInput, ack?: (response: ControlAck) => void) => void;
  setHyperparameters: (payload: HyperparameterInput, ack?: (response: ControlAck) => void) => void;
  removeParticipant: (payload: RemoveParticipantPayload, ack?: (response: RemoveParticipantAck) => void) => void;
  /** Anyone: answers with the server's clock. */
  ping: (payload: EmptyPayload, ack?: (response: PingAck) => void) => void;
  /** Anyone: opens a replay of a recording on this connection (replacing one open before), paused at 0. */
  openReplay: (payload: OpenReplayPayload, ack?: (response: OpenReplayAck) => void) => void;
  /** Anyone: controls this connection's replay (`not-found` when none is open). */
  replayControl: (payload: ReplayControlPayload, ack?: (response: ReplayControlAck) => void) => void;
  /** Anyone: starts or stops this connection's `weights` snapshots; starting sends the latest one at once. */
  subscribe: (payload: SubscribePayload, ack?: (response: SubscribeAck) => void) => void;
  /** Host only, volatile: shares the host's 3D camera with everyone (`camera`). */
  shareCamera: (payload: ShareCameraPayload, ack?: (response: { ok: true } | CommandFailure) => void) => void;
}

/** Socket.IO room of a session's participants. */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/**
 * Socket.IO room of the participants that receive session `sessionId`'s weight snapshots
 * (about 1 MB every few seconds): a view without weights does not pay for them, nor does the server.
 */
export function weightsRoom(sessionId: string): string {
  return `session:${sessionId}:weights`;
}

// ---- REST (/api/sessions) ----

/** One session in `GET /api/sessions`: public facts only (never a token). */
export interface SessionSummary {
  id: string;
  /** The join code students type. */
  code: string;
  name: string;
  temperature: number;
  policy: PolicyMode;
  /** Participants whose connection is up. */
  participants: number;
  /** Training progress, passes over a buffer's worth of samples (MetricsPayload.epochEquivalent); 0 before the first metrics. */
  epoch: number;
  /** Sweeps in the current run (latest frame). */
  sweeps: number;
  paused: boolean;
  status: EngineStatus;
  /** ms since the Unix epoch. */
  createdAt: number;
}

export interface SessionListResponse {
  sessions: SessionSummary[];
}

/** `POST /api/sessions` answer (201), the only time the host token is ever shown. */
export interface CreateSessionResponse {
  id: string;
  code: string;
  name: string;
  hostToken: string;
}

/** Every REST error body. */
export interface RestErrorBody {
  error: { code: ErrorCode; message: string };
}
