/**
 * The wire protocol in one import for the server. The browser imports the individual
 * modules it needs (events, lattice-codec, version) so that zod stays out of its bundle.
 */
export { PROTOCOL_VERSION } from './version.js';
export { packLattice, unpackLattice, packedLength, asBytes } from './lattice-codec.js';
export { ERROR_CODES, type ErrorCode } from './errors.js';
export {
  TEMPERATURE_LIMITS,
  setTemperatureSchema,
  clientPayloadSchemas,
  isClientEventName,
  type SetTemperaturePayload,
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
  SetTemperatureAck,
  CommandFailure,
  ServerToClientEvents,
  ClientToServerEvents,
} from './events.js';
export { sessionRoom } from './events.js';
export type { EngineConfig, MainToWorkerMessage, WorkerToMainMessage } from './worker-messages.js';
