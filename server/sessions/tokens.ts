/**
 * Join codes, session ids and host tokens.
 *
 * A join code is public (students type it); a host token is a secret (32 random bytes,
 * base64url, 43 characters) that only its holder sees once. The server keeps only the token's
 * SHA-256 hash (hex) and compares hashes in constant time.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { HOST_TOKEN_MAX_LENGTH, JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH } from '../../shared/protocol/schemas.js';

/** Returns a uniform integer in [0, max). */
export type RandomInt = (max: number) => number;

const cryptoRandomInt: RandomInt = (max) => randomInt(max);

/** Tries before `generateJoinCode` gives up; with 31⁶ ≈ 8.9·10⁸ codes a collision is rare. */
const MAX_CODE_ATTEMPTS = 100;

/**
 * A fresh 6-character join code from the unambiguous alphabet, not taken by a live session.
 * @param isTaken whether a live session already uses the code
 * @param random  uniform integers (crypto by default; tests pass a seeded one)
 */
export function generateJoinCode(isTaken: (code: string) => boolean, random: RandomInt = cryptoRandomInt): string {
  for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
    let code = '';
    for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += JOIN_CODE_ALPHABET[random(JOIN_CODE_ALPHABET.length)];
    if (!isTaken(code)) return code;
  }
  throw new Error('could not find a free join code');
}

/** A new session id: 11 base64url characters (64 random bits). */
export function generateSessionId(): string {
  return randomBytes(8).toString('base64url');
}

/** A new host token: 32 random bytes, base64url (43 characters). */
export function generateHostToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a host token, hex: the only form the server keeps. */
export function hashHostToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two token hashes (hex, as from `hashHostToken`). */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/** True when `token` hashes to `hash`, compared in constant time. */
export function verifyHostToken(token: string, hash: string): boolean {
  return hashesEqual(hashHostToken(token), hash);
}

/**
 * Why a host token chosen by an operator (`--host-token`, `RGFLOW_HOST_TOKEN`) is unacceptable,
 * or null when it is fine: 16–256 visible ASCII characters.
 */
export function hostTokenProblem(token: string): string | null {
  if (token.length < 16) return 'a host token must be at least 16 characters';
  if (token.length > HOST_TOKEN_MAX_LENGTH) return `a host token must be at most ${HOST_TOKEN_MAX_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(token)) return 'a host token may contain only visible ASCII characters';
  return null;
}
