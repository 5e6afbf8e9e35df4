/**
 * The wire protocol in one import for the server. The browser imports the individual
 * modules it needs (events, lattice-codec, version) so that zod stays out of its bundle.
 */
export { PROTOCOL_VERSION } from './version.js';
export { packLattice, unpackLattice, packedLength, asBytes } from './lattice-codec.js';
export { ERROR_CODES, type ErrorCode } from './errors.js';
export {
  TEMPERATURE_LIMITS,
  JOIN_CODE_ALPHABET,
  JOIN_CODE_LENGTH,
  NICKNAME_MAX_LENGTH,
  handshakeAuthSchema,
  proposeTemperatureSchema,
  createSessionSchema,
  clientPayloadSchemas,
  isClientEventName,
  type HandshakeAuth,
  type ProposeTemperaturePayload,
  type CreateSessionBody,
  type ClientEventName,
} from './schemas.js';
export type {
  RunningEstimate,
  ExactValues,
  EngineFrame,
  FramePayload,
  SessionSettings,
  TemperaturePayload,
  WelcomePayload,
  ErrorPayload,
  PresencePayload,
  ParticipantInfo,
  PolicyPayload,
  VoteTally,
  ControlPayload,
  ProposeTemperatureAck,
  CommandFailure,
  SessionSummary,
  CreateSessionResponse,
  RestErrorBody,
  ServerToClientEvents,
  ClientToServerEvents,
} from './events.js';
export { sessionRoom, POLICY_MODES, ROLES, VOTE_WINDOW_MS, VOTE_TALLY_INTERVAL_MS } from './events.js';
export type { EngineConfig, MainToWorkerMessage, WorkerToMainMessage } from './worker-messages.js';
