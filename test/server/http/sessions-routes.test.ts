/**
 * REST for sessions against a real app on port 0: the health check; the session list (public
 * facts only — no token or hash anywhere in it); creating a session, whose host token then makes
 * a socket its host; every malformed body refused with `{ error: { code, message } }` and the
 * matching status, creating nothing; the cap on sessions; the per-address limit on creation
 * requests (16 here: every request counts, valid or not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateSessionResponse, RestErrorBody, SessionListResponse } from '../../../shared/protocol/events.js';
import { nextEvent } from '../../helpers/live-client.js';
import { startTestApp, TEST_HOST_TOKEN, type TestApp } from '../../helpers/session-app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ maxSessions: 3, http: { createLimit: { perSecond: 0.001, burst: 16 } } });
});

afterAll(async () => {
  await app?.close();
});

function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> {
  return fetch(`${app.url}/api/sessions`, { method: 'POST', headers, body });
}

async function list(): Promise<SessionListResponse> {
  const response = await fetch(`${app.url}/api/sessions`);
  expect(response.status).toBe(200);
  return (await response.json()) as SessionListResponse;
}

describe('GET', () => {
  it('/healthz answers {"ok": true}', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('/api/sessions lists the default session with its public facts and no secret', async () => {
    const response = await fetch(`${app.url}/api/sessions`);
    const text = await response.text();
    const { sessions } = JSON.parse(text) as SessionListResponse;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ id: 'default', name: 'Default session', policy: 'free', participants: 0, status: 'running', paused: false });
    expect(sessions[0].code).toMatch(/^[A-HJ-KM-NP-Z2-9]{6}$/);
    expect(sessions[0].temperature).toBeCloseTo(1 / 0.408, 12);
    expect(Object.keys(sessions[0]).sort()).toEqual(['code', 'createdAt', 'epoch', 'id', 'name', 'participants', 'paused', 'policy', 'status', 'sweeps', 'temperature']);
    expect(text).not.toMatch(/token|hash/i);
    expect(text).not.toContain(TEST_HOST_TOKEN);
  });
});

describe('POST /api/sessions', () => {
  it('creates a session and answers its id, code and host token once; the token makes a host', async () => {
    const response = await post(JSON.stringify({ name: 'Physics 101', L: 16, temperature: 2, seed: 4, layers: [16, 4] }));
    expect(response.status).toBe(201);
    const created = (await response.json()) as CreateSessionResponse;
    expect(created).toMatchObject({ name: 'Physics 101' });
    expect(created.hostToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { sessions } = await list();
    const summary = sessions.find((s) => s.id === created.id)!;
    expect(summary).toMatchObject({ code: created.code, name: 'Physics 101', temperature: 2, participants: 0 });
    expect(JSON.stringify(sessions)).not.toContain(created.hostToken);

    const host = app.client({ auth: { sessionCode: created.code, hostToken: created.hostToken } });
    const welcome = await nextEvent(host, 'welcome');
    expect(welcome).toMatchObject({ role: 'host', sessionId: created.id, settings: { L: 16, layers: [16, 4], seed: 4 } });
    await expect.poll(async () => (await list()).sessions.find((s) => s.id === created.id)!.participants).toBe(1);
    host.disconnect();
  });

  const refused: [string, string, Record<string, string> | undefined, number, string][] = [
    ['an unknown key', '{"name": "x", "hostToken": "mine"}', undefined, 400, 'invalid-payload'],
    ['a __proto__ key', '{"__proto__": {"L": 16}}', undefined, 400, 'invalid-payload'],
    ['an odd L', '{"L": 15}', undefined, 400, 'invalid-payload'],
    ['L as a string', '{"L": "16"}', undefined, 400, 'invalid-payload'],
    ['a temperature out of range', '{"temperature": 0.1}', undefined, 400, 'invalid-payload'],
    ['a name with a control character', '{"name": "a\\u0007b"}', undefined, 400, 'invalid-payload'],
    ['a name of 61 characters', JSON.stringify({ name: 'x'.repeat(61) }), undefined, 400, 'invalid-payload'],
    ['layers too large for the lattice (a cross-field rule)', '{"L": 128, "layers": [16384]}', undefined, 400, 'invalid-payload'],
    ['an array', '[]', undefined, 400, 'invalid-payload'],
    ['a number', '42', undefined, 400, 'invalid-payload'],
    ['broken JSON', '{"name": ', undefined, 400, 'invalid-payload'],
    ['a form body', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'invalid-payload'],
    ['a body over 4 kB', JSON.stringify({ name: 'x', padding: 'y'.repeat(5000) }), undefined, 413, 'payload-too-large'],
  ];

  it.each(refused)('refuses %s with a JSON error and creates nothing', async (_what, body, headers, status, code) => {
    const before = (await list()).sessions.length;
    const response = await post(body, headers);
    expect(response.status).toBe(status);
    const error = (await response.json()) as RestErrorBody;
    expect(error.error.code).toBe(code);
    expect(typeof error.error.message).toBe('string');
    expect((await list()).sessions.length).toBe(before);
    expect(({} as Record<string, unknown>).L).toBeUndefined();
  });

  it('caps the number of sessions (503 too-many-sessions), then limits creations per address (429)', async () => {
    const second = await post(JSON.stringify({ L: 16 }));
    expect(second.status).toBe(201);
    expect((await list()).sessions).toHaveLength(3);
    const third = await post(JSON.stringify({ L: 16 }));
    expect(third.status).toBe(503);
    expect(((await third.json()) as RestErrorBody).error.code).toBe('too-many-sessions');
    const limited = await post(JSON.stringify({ L: 16 }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(((await limited.json()) as RestErrorBody).error.code).toBe('rate-limited');
  });

  it('answers other methods with a JSON error', async () => {
    const response = await fetch(`${app.url}/api/sessions`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as RestErrorBody).error.code).toBe('not-found');
  });
});
