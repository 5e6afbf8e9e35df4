/**
 * Validation schemas for everything a client may send. Types are not runtime checks: the
 * realtime layer parses every client payload with these once, at the edge, and handlers only
 * ever see the parsed value. Objects are strict (an unknown key, `__proto__` included, fails)
 * and numbers must be finite.
 */
import { z } from 'zod';

/** Temperatures the server accepts, in units of J/k_B (T = 1/K). */
export const TEMPERATURE_LIMITS = { min: 0.5, max: 10 } as const;

/** `setTemperature`: the new temperature T in units of J/k_B. */
export const setTemperatureSchema = z.strictObject({
  temperature: z.number().min(TEMPERATURE_LIMITS.min).max(TEMPERATURE_LIMITS.max),
});

export type SetTemperaturePayload = z.infer<typeof setTemperatureSchema>;

/** One schema per client→server event, keyed by event name. */
export const clientPayloadSchemas = {
  setTemperature: setTemperatureSchema,
} as const;

export type ClientEventName = keyof typeof clientPayloadSchemas;

/** True when `name` is an event a client may send. */
export function isClientEventName(name: string): name is ClientEventName {
  return Object.prototype.hasOwnProperty.call(clientPayloadSchemas, name);
}
