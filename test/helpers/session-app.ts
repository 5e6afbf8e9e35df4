/**
 * Boots a real rgflow app on port 0 for realtime tests (small lattices, the plain JS backend so
 * no backend is measured), tracks the clients a test opens and closes everything afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { createApp, type AppOptions, type RgflowApp } from '../../server/app.js';
import type { NewSessionSettings } from '../../server/sessions/session-registry.js';
import type { EngineConfig } from '../../shared/protocol/worker-messages.js';
import { connectClient, type LiveClient } from './live-client.js';

/** A fixed host token for the default session of test apps. */
export const TEST_HOST_TOKEN = 'test-host-token-0123456789abcdefghijklmnop';

/** Small, fast engine settings for tests. */
export const SMALL_ENGINE: Partial<EngineConfig> = { L: 16, seed: 5, frameRate: 15, sweepsPerSecond: 2000, backend: 'js' };

export interface TestApp {
  server: RgflowApp;
  url: string;
  logLines: string[];
  /** Opens a tracked client (MessagePack, WebSocket, no reconnection unless asked). */
  client: (options?: Partial<ManagerOptions & SocketOptions>) => LiveClient;
  /** Creates a session with small settings; returns its id, code and host token. */
  createSession: (settings?: NewSessionSettings) => Promise<{ id: string; code: string; hostToken: string }>;
  close: () => Promise<void>;
}

export async function startTestApp(options: Partial<AppOptions> = {}): Promise<TestApp> {
  const clientDir = mkdtempSync(join(tmpdir(), 'rgflow-no-client-'));
  const logLines: string[] = [];
  const server = await createApp({
    session: SMALL_ENGINE,
    hostToken: TEST_HOST_TOKEN,
    clientDir,
    log: (line) => logLines.push(line),
    ...options,
  });
  await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  const clients: LiveClient[] = [];
  return {
    server,
    url,
    logLines,
    client: (clientOptions = {}) => {
      const socket = connectClient(url, clientOptions);
      clients.push(socket);
      return socket;
    },
    createSession: async (settings = {}) => {
      const { session, code, hostToken } = await server.registry.create({ ...settings, engine: { ...SMALL_ENGINE, ...settings.engine } });
      return { id: session.id, code, hostToken };
    },
    close: async () => {
      for (const socket of clients) socket.disconnect();
      await server.close();
      rmSync(clientDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the connect_error of `socket` (a refused handshake), or rejects if it connects. */
export function connectRefusal(socket: LiveClient, timeoutMs = 3000): Promise<{ message: string; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither connected nor refused')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      reject(new Error('the handshake was accepted'));
    });
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      clearTimeout(timer);
      resolve({ message: error.message, code: error.data?.code });
    });
  });
}

/** Resolves once `predicate` holds for an `event` payload received on `socket` (from now on). */
export function waitFor<T>(socket: LiveClient, event: string, predicate: (payload: T) => boolean, timeoutMs = 4000): Promise<T> {
  const untyped = socket as unknown as { on(e: string, l: (p: T) => void): void; off(e: string, l: (p: T) => void): void };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      untyped.off(event, listener);
      reject(new Error(`no matching '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T): void => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      untyped.off(event, listener);
      resolve(payload);
    };
    untyped.on(event, listener);
  });
}

/** Records every `event` payload `socket` receives from now on. */
export function record<T>(socket: LiveClient, event: string): T[] {
  const seen: T[] = [];
  (socket as unknown as { on(e: string, l: (p: T) => void): void }).on(event, (payload) => seen.push(payload));
  return seen;
}
