/**
 * What a connection may not do, on both transports (RELIABILITY.md, tests 5 and 6): a foreign
 * Origin is refused with HTTP 403 before any handshake, also with a valid host token; a wrong
 * host token, or another session's, is refused with `unauthorized`; a message over the size limit
 * closes only the connection that sent it, while a bystander in the same session keeps its frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../../server/realtime/socket-server.js';
import type { FramePayload } from '../../../shared/protocol/events.js';
import { connected, nextEvent, type UntypedEmitter } from '../../helpers/live-client.js';
import { connectRefusal, record, startTestApp, TEST_HOST_TOKEN, waitFor, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;
let session: { id: string; code: string; hostToken: string };

beforeAll(async () => {
  app = await startTestApp();
  session = await app.createSession({ name: 'Limits' });
});

afterAll(async () => {
  await app?.close();
});

describe.each([['websocket'], ['polling']])('over %s', (transport) => {
  const transports = [transport];

  it('refuses a foreign Origin, even with the right host token, and accepts the page’s own', async () => {
    const foreign = app.client({ transports, extraHeaders: { origin: 'http://evil.example' }, auth: { sessionCode: session.code, hostToken: session.hostToken } });
    const refused = await connectRefusal(foreign);
    expect(refused.code).toBeUndefined();
    const own = app.client({ transports, extraHeaders: { origin: app.url }, auth: { sessionCode: session.code, hostToken: session.hostToken } });
    expect((await nextEvent(own, 'welcome')).role).toBe('host');
  });

  it('refuses a wrong host token and another session’s token with `unauthorized`', async () => {
    for (const hostToken of ['wrong', session.hostToken.slice(0, -1), `${session.hostToken}x`, TEST_HOST_TOKEN]) {
      const socket = app.client({ transports, auth: { sessionCode: session.code, hostToken } });
      expect(await connectRefusal(socket)).toEqual({ message: 'wrong host token', code: 'unauthorized' });
    }
    const defaultHost = app.client({ transports, auth: { hostToken: TEST_HOST_TOKEN } });
    expect((await nextEvent(defaultHost, 'welcome')).role).toBe('host');
  });

  it('closes only the connection that sends an oversized message', async () => {
    const offender = app.client({ transports, auth: { sessionCode: session.code } });
    const bystander = app.client({ auth: { sessionCode: session.code } });
    await Promise.all([nextEvent(offender, 'welcome'), nextEvent(bystander, 'welcome')]);
    let bystanderDropped = false;
    bystander.on('disconnect', () => {
      bystanderDropped = true;
    });
    const dropped = new Promise<string>((resolve) => offender.once('disconnect', resolve));
    (offender as unknown as UntypedEmitter).emit('proposeTemperature', { temperature: 2, padding: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES * 5) });
    expect(['transport close', 'transport error']).toContain(await dropped);
    const frames = record<FramePayload>(bystander, 'frame');
    await waitFor<FramePayload>(bystander, 'frame', () => frames.length >= 3);
    expect(bystanderDropped).toBe(false);
    expect(app.server.registry.get(session.id)!.engine.temperature.temperature).not.toBe(2);
  });
});

describe('raw requests', () => {
  it('refuses a foreign-Origin handshake: 403 on polling, 400 "origin not allowed" on a direct WebSocket upgrade', async () => {
    const polling = await fetch(`${app.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(polling.status).toBe(403);
    await polling.body?.cancel();
    const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${app.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: { origin: 'https://evil.example' } });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('open', () => reject(new Error('the WebSocket was accepted')));
      ws.once('error', () => undefined);
    });
    expect(refusal).toEqual({ status: 400, body: 'origin not allowed' });
  });

  it('accepts a connection without an Origin header (not a browser)', async () => {
    const socket = app.client({ auth: { sessionCode: session.code } });
    await connected(socket);
  });
});
