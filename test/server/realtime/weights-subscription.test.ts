/**
 * Weight snapshots (about 1 MB each at the default size) go only to connections that ask for
 * them — in the handshake (`auth.weights`) or later with `subscribe` — so a classroom of
 * lattice-only views does not pay for them. Starting a subscription sends the latest one at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeightsPayload } from '../../../shared/protocol/engine-events.js';
import { delay, nextEvent, type LiveClient } from '../../helpers/live-client.js';
import { startTestApp, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;
let code: string;

function countWeights(socket: LiveClient): { count: number } {
  const seen = { count: 0 };
  socket.on('weights', () => seen.count++);
  return seen;
}

beforeAll(async () => {
  app = await startTestApp();
  ({ code } = await app.createSession({ name: 'Weights', engine: { weightsInterval: 0.5 } }));
});

afterAll(async () => {
  await app?.close();
});

describe('weight snapshots are opt-in', () => {
  it('a connection that did not ask gets none, neither in welcome nor later; one that asked gets them', async () => {
    const plain = app.client({ auth: { sessionCode: code } });
    const asking = app.client({ auth: { sessionCode: code, weights: true } });
    const plainSeen = countWeights(plain);
    const askingSeen = countWeights(asking);
    const [plainWelcome] = await Promise.all([nextEvent(plain, 'welcome'), nextEvent(asking, 'welcome')]);
    expect(plainWelcome.weights).toBeNull();
    await nextEvent(asking, 'weights', 10_000);
    await expect.poll(() => askingSeen.count, { timeout: 10_000 }).toBeGreaterThanOrEqual(2); // the one awaited and at least one more
    expect(plainSeen.count).toBe(0);
    // both still get frames
    await Promise.all([nextEvent(plain, 'frame'), nextEvent(asking, 'frame')]);
  });

  it('subscribe starts the stream with the latest snapshot at once and stops it again', async () => {
    const socket = app.client({ auth: { sessionCode: code } });
    await nextEvent(socket, 'welcome');
    const first = nextEvent(socket, 'weights', 3000);
    await expect(socket.timeout(3000).emitWithAck('subscribe', { weights: true })).resolves.toEqual({ ok: true, weights: true });
    const snapshot: WeightsPayload = await first;
    expect(snapshot.layers.length).toBeGreaterThan(0);
    await expect(socket.timeout(3000).emitWithAck('subscribe', { weights: false })).resolves.toEqual({ ok: true, weights: false });
    await delay(100); // a snapshot already on the wire may still arrive
    const seen = countWeights(socket);
    await delay(1200);
    expect(seen.count).toBe(0);
  });

  it('a bad subscribe is refused with invalid-payload and changes nothing', async () => {
    const socket = app.client({ auth: { sessionCode: code } });
    await nextEvent(socket, 'welcome');
    await expect(socket.timeout(3000).emitWithAck('subscribe', { weights: 'yes' } as never)).resolves.toMatchObject({ ok: false, code: 'invalid-payload' });
    const seen = countWeights(socket);
    await delay(1000);
    expect(seen.count).toBe(0);
  });
});
