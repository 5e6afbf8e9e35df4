/**
 * Join codes (6 characters from the unambiguous alphabet, never one a live session holds),
 * host tokens (32 random bytes, base64url), their SHA-256 hash against a published test vector,
 * and the constant-time comparison.
 */
import { describe, expect, it } from 'vitest';
import { JOIN_CODE_ALPHABET, joinCodeSchema } from '../../../shared/protocol/schemas.js';
import {
  generateHostToken,
  generateJoinCode,
  generateSessionId,
  hashesEqual,
  hashHostToken,
  hostTokenProblem,
  verifyHostToken,
} from '../../../server/sessions/tokens.js';

/** A seeded linear congruential generator of integers in [0, max). */
function seededRandom(seed: number): (max: number) => number {
  let state = seed >>> 0;
  return (max) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % max;
  };
}

describe('join codes', () => {
  it('are 6 characters from an alphabet without 0, O, 1, I or L', () => {
    expect(JOIN_CODE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(new Set(JOIN_CODE_ALPHABET).size).toBe(JOIN_CODE_ALPHABET.length);
    for (let i = 0; i < 200; i++) {
      const code = generateJoinCode(() => false);
      expect(code).toMatch(new RegExp(`^[${JOIN_CODE_ALPHABET}]{6}$`));
      expect(joinCodeSchema.parse(code.toLowerCase())).toBe(code);
    }
  });

  it('never repeat a code a live session holds', () => {
    const live = new Set<string>();
    const random = seededRandom(5);
    for (let i = 0; i < 2000; i++) live.add(generateJoinCode((code) => live.has(code), random));
    expect(live.size).toBe(2000);
  });

  it('skip taken codes and give up when every try is taken', () => {
    const first = generateJoinCode(() => false, seededRandom(9));
    const second = generateJoinCode((code) => code === first, seededRandom(9));
    expect(second).not.toBe(first);
    expect(() => generateJoinCode(() => true)).toThrow(/free join code/);
  });

  it('are read case-insensitively and rejected when they contain other characters', () => {
    expect(joinCodeSchema.parse(' abc234 ')).toBe('ABC234');
    for (const bad of ['ABC23', 'ABC2345', 'ABC23O', 'ABC231', '', 'ÄBC234']) expect(joinCodeSchema.safeParse(bad).success).toBe(false);
  });
});

describe('host tokens', () => {
  it('are 32 random bytes in base64url (43 characters), all different', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const token = generateHostToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      tokens.add(token);
    }
    expect(tokens.size).toBe(100);
    expect(generateSessionId()).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });

  it('hash with SHA-256 (FIPS 180-2 test vector for "abc")', () => {
    expect(hashHostToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('verify only the exact token, comparing hashes of equal length only', () => {
    const token = generateHostToken();
    const hash = hashHostToken(token);
    expect(verifyHostToken(token, hash)).toBe(true);
    expect(verifyHostToken(`${token}x`, hash)).toBe(false);
    expect(verifyHostToken(token.slice(1), hash)).toBe(false);
    expect(verifyHostToken('', hash)).toBe(false);
    expect(hashesEqual(hash, hash.slice(2))).toBe(false);
    expect(hashesEqual('zz', 'zz')).toBe(false);
  });

  it('chosen by an operator must be 16–256 visible ASCII characters', () => {
    expect(hostTokenProblem('correct-horse-battery')).toBeNull();
    expect(hostTokenProblem('short')).toMatch(/at least 16/);
    expect(hostTokenProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(hostTokenProblem('with spaces in it!!')).toMatch(/visible ASCII/);
  });
});
