/**
 * Validation schemas for everything a client may send: the handshake, every client→server
 * event and the REST bodies. Types are not runtime checks: the server parses every client value
 * with these once, at the edge, and handlers only ever see the parsed value. Objects are strict
 * (an unknown key, `__proto__` included, fails), numbers must be finite, strings are bounded.
 */
import { z } from 'zod';
import { hyperparameterSchema, resetSettingsSchema, stepSchema } from './engine-schemas.js';
import { POLICY_MODES } from './events.js';

/** Temperatures the server accepts, in units of J/k_B (T = 1/K). */
export const TEMPERATURE_LIMITS = { min: 0.5, max: 10 } as const;

/** Join codes: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const JOIN_CODE_LENGTH = 6;

/** Nicknames: 1–24 characters (code points) after trimming, no control or format characters. */
export const NICKNAME_MAX_LENGTH = 24;
/** Session names shown in lists: 1–60 characters, same character rules as nicknames. */
export const SESSION_NAME_MAX_LENGTH = 60;
/** Longest host token accepted (generated ones are 43 characters). */
export const HOST_TOKEN_MAX_LENGTH = 256;

const temperature = z.number().min(TEMPERATURE_LIMITS.min).max(TEMPERATURE_LIMITS.max);
/** Control (Cc), format (Cf, e.g. bidi overrides), line and paragraph separators, surrogates, unassigned. */
const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Cn}]/u;

/** A display name: NFC-normalized and trimmed, then 1..maxLength code points with no forbidden character. */
function displayName(maxLength: number) {
  return z
    .string()
    .max(maxLength * 8)
    .transform((raw) => raw.normalize('NFC').trim())
    .refine((name) => name.length > 0, 'must not be empty')
    .refine((name) => [...name].length <= maxLength, `must be at most ${maxLength} characters`)
    .refine((name) => !FORBIDDEN_CHARACTERS.test(name), 'must not contain control or format characters');
}

export const nicknameSchema = displayName(NICKNAME_MAX_LENGTH);
export const sessionNameSchema = displayName(SESSION_NAME_MAX_LENGTH);

/** A join code, case-insensitive on input, upper case once parsed. */
export const joinCodeSchema = z
  .string()
  .max(16)
  .transform((raw) => raw.trim().toUpperCase())
  .refine((code) => code.length === JOIN_CODE_LENGTH && [...code].every((c) => JOIN_CODE_ALPHABET.includes(c)), {
    message: `must be ${JOIN_CODE_LENGTH} characters from ${JOIN_CODE_ALPHABET}`,
  });

/** Session ids: `default` or 11 base64url characters. */
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

export const hostTokenSchema = z.string().min(1).max(HOST_TOKEN_MAX_LENGTH);

/**
 * The Socket.IO handshake `auth` object. Without `sessionCode` and `sessionId` the client joins
 * the default session. `pid` and `offset` are what socket.io-client adds itself when it tries to
 * recover a connection (and the attempt failed, so the handshake runs again).
 */
export const handshakeAuthSchema = z.strictObject({
  sessionCode: joinCodeSchema.optional(),
  sessionId: sessionIdSchema.optional(),
  nickname: nicknameSchema.optional(),
  hostToken: hostTokenSchema.optional(),
  pid: z.string().max(64).optional(),
  offset: z.string().max(64).optional(),
  /** Receive `weights` snapshots (about 1 MB every few seconds; default false: a view that draws weights asks, here or with `subscribe`). */
  weights: z.boolean().optional(),
});
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;

/** `proposeTemperature`: the temperature T in units of J/k_B. */
export const proposeTemperatureSchema = z.strictObject({ temperature });
export type ProposeTemperaturePayload = z.infer<typeof proposeTemperatureSchema>;

/** `setPolicy`: who moves the temperature. */
export const setPolicySchema = z.strictObject({ mode: z.enum(POLICY_MODES) });
export type SetPolicyPayload = z.infer<typeof setPolicySchema>;

/** Commands without arguments (`pause`, `resume`, `ping`) take an empty object. */
export const emptyPayloadSchema = z.strictObject({});
export type EmptyPayload = z.infer<typeof emptyPayloadSchema>;

const coordinate = z.number().finite().min(-1000).max(1000);
const point = z.tuple([coordinate, coordinate, coordinate]);
/** `shareCamera`: the host's 3D camera (position and orbit target, scene units), followed by pages in "follow the host" mode. */
export const shareCameraSchema = z.strictObject({ position: point, target: point });
export type ShareCameraPayload = z.infer<typeof shareCameraSchema>;

/** `subscribe`: which optional streams this connection receives (`weights`: the weight snapshots). */
export const subscribeSchema = z.strictObject({ weights: z.boolean() });
export type SubscribePayload = z.infer<typeof subscribeSchema>;

/** `removeParticipant`: the participant id (as listed in `presence`). */
export const removeParticipantSchema = z.strictObject({ id: z.string().min(1).max(64) });
export type RemoveParticipantPayload = z.infer<typeof removeParticipantSchema>;

/** `step`: engine ticks to run now (stepSchema of engine-schemas.ts). */
export type StepPayload = z.infer<typeof stepSchema>;

/**
 * `POST /api/sessions` body: an optional name and initial temperature, and any of the run
 * settings a `reset` accepts (engine-schemas.ts); the rest default to the paper's.
 */
export const createSessionSchema = resetSettingsSchema.extend({
  name: sessionNameSchema.optional(),
  temperature: temperature.optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionSchema>;

/** One schema per client→server event, keyed by event name. */
/** `openReplay`: a recording id (as listed by `GET /api/recordings`). */
export const openReplaySchema = z.strictObject({ recordingId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
export type OpenReplayPayload = z.infer<typeof openReplaySchema>;

/** `replayControl`: play, pause, seek to a recording time (ms), set the speed (0.25–16×), or close. */
export const replayControlSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('play') }),
  z.strictObject({ action: z.literal('pause') }),
  z.strictObject({ action: z.literal('close') }),
  z.strictObject({ action: z.literal('seek'), tMs: z.number().finite().min(0).max(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ action: z.literal('speed'), speed: z.number().finite().min(0.25).max(16) }),
]);
export type ReplayControlPayload = z.infer<typeof replayControlSchema>;

export const clientPayloadSchemas = {
  proposeTemperature: proposeTemperatureSchema,
  setPolicy: setPolicySchema,
  pause: emptyPayloadSchema,
  resume: emptyPayloadSchema,
  step: stepSchema,
  reset: resetSettingsSchema,
  setHyperparameters: hyperparameterSchema,
  removeParticipant: removeParticipantSchema,
  ping: emptyPayloadSchema,
  openReplay: openReplaySchema,
  replayControl: replayControlSchema,
  subscribe: subscribeSchema,
  shareCamera: shareCameraSchema,
} as const;

export type ClientEventName = keyof typeof clientPayloadSchemas;

/** True when `name` is an event a client may send. */
export function isClientEventName(name: string): name is ClientEventName {
  return Object.prototype.hasOwnProperty.call(clientPayloadSchemas, name);
}
