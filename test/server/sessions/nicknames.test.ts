/**
 * Nicknames: trimmed and NFC-normalized, 1–24 characters counted as code points, no control or
 * format characters (bidi overrides included); generated ones look like "Curious Quark 42",
 * pass the same rule and avoid names already taken.
 */
import { describe, expect, it } from 'vitest';
import { generateNickname, validateNickname } from '../../../server/sessions/nicknames.js';

function seededRandom(seed: number): (max: number) => number {
  let state = seed >>> 0;
  return (max) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % max;
  };
}

describe('validateNickname', () => {
  it('trims and NFC-normalizes', () => {
    expect(validateNickname('  Ada  ')).toEqual({ ok: true, nickname: 'Ada' });
    expect(validateNickname('Noe\u0308l')).toEqual({ ok: true, nickname: 'Noël' });
  });

  it('accepts 24 characters counted as code points and refuses 25', () => {
    expect(validateNickname('x'.repeat(24)).ok).toBe(true);
    expect(validateNickname('🧲'.repeat(24)).ok).toBe(true);
    expect(validateNickname('x'.repeat(25)).ok).toBe(false);
    expect(validateNickname('🧲'.repeat(25)).ok).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['a NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['a bell', 'a\u0007'],
    ['a right-to-left override', 'evil\u202Etxt'],
    ['a zero-width space', 'a\u200Bb'],
    ['a line separator', 'a\u2028b'],
    ['a lone surrogate', 'a\uD800b'],
  ])('refuses %s', (_what, name) => {
    expect(validateNickname(name).ok).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [null, undefined, 42, {}, ['Ada']]) expect(validateNickname(value).ok).toBe(false);
  });
});

describe('generateNickname', () => {
  it('makes "Adjective Noun NN" names that pass validation', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 500; i++) {
      const name = generateNickname(random);
      expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ [1-9]\d$/);
      expect(validateNickname(name)).toEqual({ ok: true, nickname: name });
    }
  });

  it('avoids names already taken', () => {
    const random = seededRandom(2);
    const taken = new Set<string>();
    for (let i = 0; i < 300; i++) taken.add(generateNickname(random, (name) => taken.has(name)));
    expect(taken.size).toBe(300);
  });
});
