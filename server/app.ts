/**
 * The rgflow HTTP + realtime app, separate from listening so tests boot it on port 0:
 * express (health check, the built client), Socket.IO, and the live default session whose
 * engine runs in a worker thread.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import { TEMPERATURE_LIMITS } from '../shared/protocol/schemas.js';
import type { EngineConfig } from '../shared/protocol/worker-messages.js';
import { resolveEngineConfig } from './engine/engine-config.js';
import { SessionEngine } from './engine/session-engine.js';
import { attachLiveSession } from './realtime/live-session.js';
import { createSocketServer, type LiveServer } from './realtime/socket-server.js';
import { defaultClientDir, staticClient } from './static-client.js';

/** Id of the session every page joins. */
export const DEFAULT_SESSION_ID = 'default';

export interface AppOptions {
  /** Settings of the live default session; defaults in engine/engine-config.ts. */
  session?: Partial<EngineConfig>;
  /** Browser origins allowed besides the server's own host, `scheme://host[:port]`. */
  allowedOrigins?: readonly string[];
  /** Directory of the built client; defaults to dist/client. */
  clientDir?: string;
  /** Where lifecycle and error lines go (default: stderr). */
  log?: (line: string) => void;
}

export interface RgflowApp {
  app: Express;
  httpServer: HttpServer;
  io: LiveServer;
  /** The default session's engine handle (temperature in force, latest frame). */
  engine: SessionEngine;
  /** Disconnects every client, stops the engine worker and closes the HTTP server. */
  close: () => Promise<void>;
}

/**
 * Builds the app and starts the default session's engine; resolves once the engine is ready.
 * Rejects with a RangeError for a bad session setting. Does not listen.
 */
export async function createApp(options: AppOptions = {}): Promise<RgflowApp> {
  const config = resolveEngineConfig(options.session);
  const engine = new SessionEngine(config, { log: options.log });
  await engine.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(staticClient(options.clientDir ?? defaultClientDir()));

  const httpServer = createServer(app);
  const io = createSocketServer(httpServer, { allowedOrigins: options.allowedOrigins });
  const detach = attachLiveSession(io, engine, {
    sessionId: DEFAULT_SESSION_ID,
    settings: {
      algorithm: config.algorithm,
      L: config.L,
      seed: config.seed,
      frameRate: config.frameRate,
      sweepsPerSecond: config.sweepsPerSecond,
      temperatureLimits: { min: TEMPERATURE_LIMITS.min, max: TEMPERATURE_LIMITS.max },
    },
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      detach();
      await engine.close();
      await io.close();
    })();
    return closing;
  };
  return { app, httpServer, io, engine, close };
}
