/**
 * Nicknames: the validation rule (shared with the handshake schema) and anonymous generated
 * names such as "Curious Quark 42", built from an adjective, a word from physics and a number
 * 10–99: 40 · 40 · 90 = 144,000 names.
 */
import { nicknameSchema } from '../../shared/protocol/schemas.js';
import type { RandomInt } from './tokens.js';

const ADJECTIVES = [
  'Curious', 'Brave', 'Calm', 'Clever', 'Cosmic', 'Eager', 'Gentle', 'Happy', 'Jolly', 'Keen',
  'Lively', 'Lucky', 'Mellow', 'Nimble', 'Patient', 'Quiet', 'Quick', 'Radiant', 'Sharp', 'Sunny',
  'Swift', 'Witty', 'Bold', 'Bright', 'Cheerful', 'Daring', 'Fearless', 'Friendly', 'Glowing', 'Humble',
  'Playful', 'Proud', 'Steady', 'Spinning', 'Critical', 'Frozen', 'Ordered', 'Random', 'Thermal', 'Coupled',
] as const;

const NOUNS = [
  'Quark', 'Photon', 'Gluon', 'Muon', 'Boson', 'Fermion', 'Neutrino', 'Electron', 'Proton', 'Neutron',
  'Magnon', 'Phonon', 'Spin', 'Domain', 'Lattice', 'Vortex', 'Soliton', 'Dipole', 'Kelvin', 'Tensor',
  'Vector', 'Scalar', 'Field', 'Wave', 'Particle', 'Atom', 'Nucleus', 'Pion', 'Kaon', 'Axion',
  'Graviton', 'Polaron', 'Exciton', 'Plasmon', 'Anyon', 'Qubit', 'Crystal', 'Magnet', 'Cluster', 'Block',
] as const;

export type NicknameCheck = { ok: true; nickname: string } | { ok: false; reason: string };

/** Trims and NFC-normalizes `raw`, then checks it: 1–24 characters, no control or format characters. */
export function validateNickname(raw: unknown): NicknameCheck {
  const parsed = nicknameSchema.safeParse(raw);
  if (parsed.success) return { ok: true, nickname: parsed.data };
  return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid nickname' };
}

/**
 * An anonymous nickname not in `taken` (after a few tries it accepts a repeat).
 * @param random uniform integers in [0, max)
 */
export function generateNickname(random: RandomInt, taken: (nickname: string) => boolean = () => false): string {
  let name = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    name = `${ADJECTIVES[random(ADJECTIVES.length)]} ${NOUNS[random(NOUNS.length)]} ${10 + random(90)}`;
    if (!taken(name)) return name;
  }
  return name;
}
