/**
 * Pure logic of the host panel: the join URL, the join code spelled out, the participant
 * summary, and the validation of the hyper-parameter and reset forms against ENGINE_LIMITS
 * (the server checks again; its refusals are shown as they come). No DOM.
 */
import { ALGORITHMS, type Algorithm } from '../../shared/physics/ising.js';
import { ENGINE_LIMITS, type EngineSettings } from '../../shared/protocol/engine-events.js';
import type { HyperparameterInput, ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import type { ParticipantInfo } from '../../shared/protocol/events.js';

/** The page URL students open to join the session with `code`. */
export function joinUrl(origin: string, code: string): string {
  return `${origin.replace(/\/+$/, '')}/?code=${encodeURIComponent(code)}`;
}

/** "A B C 2 3 4": a join code for screen readers, one character at a time. */
export function spellCode(code: string): string {
  return [...code].join(' ');
}

/** "42 connected, 3 dropped" (hosts included). */
export function presenceSummary(participants: readonly ParticipantInfo[]): string {
  const connected = participants.filter((p) => p.connected).length;
  const dropped = participants.length - connected;
  const people = connected === 1 ? '1 connected' : `${connected} connected`;
  return dropped > 0 ? `${people}, ${dropped} dropped` : people;
}

/** The fields the forms edit, in display order. */
export const SETTING_FIELDS = ['learningRate', 'l1', 'k', 'persistent', 'algorithm'] as const;
export type SettingField = (typeof SETTING_FIELDS)[number];

/** What the form holds: text of the number inputs; `persistent` and `algorithm` as chosen, '' = keep. */
export type SettingsForm = Record<SettingField, string>;

export type SettingsInput = Partial<Pick<EngineSettings, SettingField>>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: Partial<Record<SettingField, string>> };

export const FIELD_LABELS: Record<SettingField, string> = {
  learningRate: 'Learning rate ε',
  l1: 'L1 penalty λ₁',
  k: 'CD steps k',
  persistent: 'Persistent CD',
  algorithm: 'Monte Carlo algorithm',
};

/** Human-readable range of a numeric field ("0 – 0.1"). */
export function fieldRange(field: 'learningRate' | 'l1' | 'k'): string {
  const r = ENGINE_LIMITS[field];
  return field === 'k' ? `an integer from ${r.min} to ${r.max}` : `from ${r.min} to ${r.max}`;
}

function parseNumber(field: 'learningRate' | 'l1' | 'k', text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  const limits = ENGINE_LIMITS[field];
  if (trimmed === '' || !Number.isFinite(value)) return `${FIELD_LABELS[field]} must be a number ${fieldRange(field)}`;
  if (field === 'k' && !Number.isInteger(value)) return `${FIELD_LABELS[field]} must be ${fieldRange(field)}`;
  if (value < limits.min || value > limits.max) return `${FIELD_LABELS[field]} must be ${fieldRange(field)}`;
  return value;
}

/**
 * Reads the form: blank fields (and '' selections) are left out, every other field must be
 * valid. `current` (the settings in force): fields equal to it are left out too.
 */
export function parseSettingsForm(form: SettingsForm, current: SettingsInput | null = null): FormResult<SettingsInput> {
  const value: SettingsInput = {};
  const errors: Partial<Record<SettingField, string>> = {};
  for (const field of ['learningRate', 'l1', 'k'] as const) {
    if (form[field].trim() === '') continue;
    const parsed = parseNumber(field, form[field]);
    if (typeof parsed === 'string') errors[field] = parsed;
    else if (current?.[field] !== parsed) value[field] = parsed;
  }
  if (form.persistent !== '') {
    if (form.persistent !== 'true' && form.persistent !== 'false') errors.persistent = `${FIELD_LABELS.persistent} must be on or off`;
    else {
      const persistent = form.persistent === 'true';
      if (current?.persistent !== persistent) value.persistent = persistent;
    }
  }
  if (form.algorithm !== '') {
    if (!(ALGORITHMS as readonly string[]).includes(form.algorithm)) errors.algorithm = `${FIELD_LABELS.algorithm} must be one of ${ALGORITHMS.join(', ')}`;
    else if (current?.algorithm !== form.algorithm) value.algorithm = form.algorithm as Algorithm;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** The live hyper-parameter form: only what differs from the settings in force; nothing is an error. */
export function parseHyperparameters(form: SettingsForm, current: SettingsInput | null): FormResult<HyperparameterInput> {
  const result = parseSettingsForm(form, current);
  if (!result.ok) return result;
  return { ok: true, value: result.value };
}

/** The reset form: blank fields keep their values (`{}` restarts from the seed with the same settings). */
export function parseResetSettings(form: SettingsForm): FormResult<ResetSettingsInput> {
  const result = parseSettingsForm(form, null);
  if (!result.ok) return result;
  return { ok: true, value: result.value };
}

/** A form filled with `settings` (for the live hyper-parameter form). */
export function formFromSettings(settings: SettingsInput): SettingsForm {
  return {
    learningRate: settings.learningRate === undefined ? '' : String(settings.learningRate),
    l1: settings.l1 === undefined ? '' : String(settings.l1),
    k: settings.k === undefined ? '' : String(settings.k),
    persistent: settings.persistent === undefined ? '' : String(settings.persistent),
    algorithm: settings.algorithm ?? '',
  };
}

/** "learning rate 0.01, k 5" — what a command changed, for the status line. */
export function describeSettings(settings: SettingsInput): string {
  const parts = SETTING_FIELDS.filter((f) => settings[f] !== undefined).map((f) => {
    const v = settings[f];
    return `${FIELD_LABELS[f]} ${typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v)}`;
  });
  return parts.join(', ');
}
