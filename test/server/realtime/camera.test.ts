/**
 * "Follow the host": the host's page shares its 3D camera (`shareCamera`, volatile, rate-limited);
 * every page in the session receives it as `camera` with who shared it. Students may not share,
 * and the camera is not recorded (a replay has its own camera).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, delay } from '../../helpers/live-client.js';
import { startTestApp, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;
let session: { id: string; code: string; hostToken: string };

beforeAll(async () => {
  app = await startTestApp();
  session = await app.createSession({ name: 'Camera' });
});

afterAll(async () => {
  await app?.close();
});

describe('shareCamera', () => {
  it('reaches every page from the host, is refused from a student, and is not recorded', async () => {
    const hub = app.server.registry.get(session.id)!;
    const recorded: string[] = [];
    hub.attachRecorder({ record: (type) => void recorded.push(type), marker: () => {} });
    const host = app.client({ auth: { sessionCode: session.code, hostToken: session.hostToken } });
    const student = app.client({ auth: { sessionCode: session.code } });
    const hostWelcome = await nextEvent(host, 'welcome');
    await nextEvent(student, 'welcome');
    const seen = nextEvent(student, 'camera');
    expect(await host.timeout(3000).emitWithAck('shareCamera', { position: [10, 20, 30], target: [0, 1, 0] })).toEqual({ ok: true });
    expect(await seen).toEqual({ position: [10, 20, 30], target: [0, 1, 0], by: hostWelcome.clientId });
    expect(await student.timeout(3000).emitWithAck('shareCamera', { position: [1, 1, 1], target: [0, 0, 0] })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await host.timeout(3000).emitWithAck('shareCamera', { position: [1e9, 0, 0], target: [0, 0, 0] } as never)).toMatchObject({ ok: false, code: 'invalid-payload' });
    await delay(100);
    expect(recorded).not.toContain('camera');
  });
});
