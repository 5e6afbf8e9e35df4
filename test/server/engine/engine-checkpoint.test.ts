/**
 * The checkpoint format: an engine state survives encode → decode with every typed array intact,
 * and anything that is not an intact checkpoint of this version — truncated, a flipped bit,
 * random bytes, foreign MessagePack, another version, a state whose sizes contradict its
 * settings — is refused with a CheckpointError that says why.
 */
import { decode, encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../shared/learn/backends/js.js';
import { Rng } from '../../../shared/physics/rng.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  checkpointInfo,
  crc32,
  decodeCheckpoint,
  encodeCheckpoint,
} from '../../../server/engine/engine-checkpoint.js';
import { resolveEngineConfig, settingsOf } from '../../../server/engine/engine-config.js';
import { LiveEngine, type EngineStateSnapshot } from '../../../server/engine/live-engine.js';

const settings = settingsOf(resolveEngineConfig({ L: 8, layers: [16, 4], batchSize: 20, bufferSize: 200, backend: 'js', seed: 9, persistent: true }));

function state(): EngineStateSnapshot {
  const engine = new LiveEngine(settings, 0.42, createJsBackend());
  for (let t = 0; t < 60; t++) engine.advance();
  engine.paused = true;
  return engine.snapshot();
}

/** Re-encodes a checkpoint whose body was changed by `edit` (with a valid checksum). */
function withBody(edit: (s: EngineStateSnapshot) => unknown): Uint8Array {
  const blob = encodeCheckpoint(state());
  const envelope = decode(blob) as { body: Uint8Array };
  const good = decodeCheckpoint(blob);
  const edited = edit(good) ?? good;
  const body = decode(encodeCheckpoint(edited as EngineStateSnapshot)) as { body: Uint8Array; tick: number };
  return encode({ ...envelope, tick: body.tick, body: body.body, checksum: crc32(body.body) });
}

describe('engine checkpoints', () => {
  it('round-trip the whole state with its typed arrays', () => {
    const original = state();
    const blob = encodeCheckpoint(original);
    const back = decodeCheckpoint(blob);
    expect(back).toEqual(original);
    expect(back.simulation.sampler.spins).toBeInstanceOf(Int8Array);
    expect(back.training.trainers[0].rbm.weights).toBeInstanceOf(Float32Array);
    expect(back.training.trainers[0].persistentChains).toBeInstanceOf(Float32Array);
    expect(back.training.rng).toBeInstanceOf(Uint32Array);
    expect(back.simulation.energy.kept).toBeInstanceOf(Float64Array);
    expect(checkpointInfo(blob)).toEqual({ version: CHECKPOINT_VERSION, tick: 60 });
  });

  it('decodes from a Buffer at an odd offset inside a larger pool (as a database driver hands it back)', () => {
    const original = state();
    const blob = encodeCheckpoint(original);
    const pool = Buffer.alloc(blob.length + 7, 0xab);
    Buffer.from(blob).copy(pool, 3);
    expect(decodeCheckpoint(pool.subarray(3, 3 + blob.length))).toEqual(original);
  });

  it('computes the standard CRC-32 (zlib’s check value for "123456789")', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('refuses a truncated blob, a flipped bit, random bytes and an empty blob', () => {
    const blob = encodeCheckpoint(state());
    const flipped = blob.slice();
    flipped[Math.floor(blob.length * 0.7)] ^= 0x10;
    const random = new Uint8Array(4096);
    const rng = new Rng(5);
    for (let i = 0; i < random.length; i++) random[i] = rng.nextUint32() & 0xff;
    expect(() => decodeCheckpoint(blob.subarray(0, blob.length - 100))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(flipped)).toThrow(/checksum mismatch/);
    expect(() => decodeCheckpoint(random)).toThrow(/not an rgflow engine checkpoint/);
    expect(() => decodeCheckpoint(new Uint8Array(0))).toThrow(/not an rgflow engine checkpoint/);
  });

  it('refuses foreign MessagePack and another format version', () => {
    expect(() => decodeCheckpoint(encode({ hello: 'world' }))).toThrow(/not an rgflow engine checkpoint/);
    expect(() => decodeCheckpoint(encode([1, 2, 3]))).toThrow(/not an rgflow engine checkpoint/);
    const body = encode({});
    const future = encode({ format: CHECKPOINT_FORMAT, version: 2, tick: 0, checksum: crc32(body), body });
    expect(() => decodeCheckpoint(future)).toThrow(/version 2 is not supported/);
  });

  it('refuses a state whose sizes or fields contradict its settings, naming what is wrong', () => {
    expect(() => decodeCheckpoint(withBody((s) => ({ ...s, settings: { ...s.settings, layers: [16, 9] } })))).toThrow(/layer 2 is 16×4/);
    expect(() => decodeCheckpoint(withBody((s) => void (s.simulation.sampler.spins[3] = 0)))).toThrow(/spins ±1/);
    expect(() => decodeCheckpoint(withBody((s) => void (s.training.trainers[0].weightVelocity = new Float32Array(3))))).toThrow(/velocities/);
    expect(() => decodeCheckpoint(withBody((s) => ({ ...s, extra: 1 })))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(withBody((s) => ({ ...s, settings: { ...s.settings, L: 7 } })))).toThrow(/invalid: L must be an even integer/);
    expect(() => decodeCheckpoint(withBody((s) => void (s.training.rng = new Uint32Array(4))))).toThrow(/generator state/);
  });
});
