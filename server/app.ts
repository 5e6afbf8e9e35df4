/**
 * The rgflow HTTP + realtime app, separate from listening so tests boot it on port 0:
 * express (health check, /api/sessions, the built client), Socket.IO, and the session
 * registry with its default session, whose engine runs in a worker thread.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import { sessionRoom } from '../shared/protocol/events.js';
import type { EngineConfig } from '../shared/protocol/worker-messages.js';
import type { SessionEngine } from './engine/session-engine.js';
import { createRecordingsRouter, type RecordingsRouterOptions } from './http/recordings-routes.js';
import { sessionsRoutes, type SessionsRoutesOptions } from './http/sessions-routes.js';
import { statsRouter } from './http/stats-route.js';
import { mappingRouter } from './http/mapping-route.js';
import { attachSessionGateway, registryResolver, roomEmitter } from './realtime/session-gateway.js';
import { createSocketServer, type LiveServer } from './realtime/socket-server.js';
import type { RateLimitConfig } from './sessions/rate-limit.js';
import type { SavedSession, SessionHub } from './sessions/session-hub.js';
import { DEFAULT_SESSION_ID, SessionRegistry, type CloseReason, type CreatedSession } from './sessions/session-registry.js';
import { defaultClientDir, staticClient } from './static-client.js';
import type { Store } from './store/session-store.js';
import { LeaseHeldError, type ClusterNode } from './scale/cluster-node.js';

export { DEFAULT_SESSION_ID };

/** Environment variable holding the default session's host token (same as `--host-token`). */
export const HOST_TOKEN_ENV = 'RGFLOW_HOST_TOKEN';

/** Settings of the default session that sessions created later inherit: how the server runs, not which experiment. */
const OPERATIONAL_SETTINGS = ['backend', 'frameRate', 'sweepsPerSecond', 'burnInSweeps', 'weightsInterval', 'metricsInterval'] as const;

export interface AppOptions {
  /**
   * Settings of the default session; defaults in engine/engine-config.ts. Sessions created later
   * inherit its operational ones (backend, frame rate, sweeps/s, burn-in, weight and metric intervals).
   */
  session?: Partial<EngineConfig>;
  /**
   * The default session's host token (`--host-token`); else the RGFLOW_HOST_TOKEN environment
   * variable; else a fresh one, logged once at startup.
   */
  hostToken?: string;
  /** Browser origins allowed besides the server's own host, `scheme://host[:port]`. */
  allowedOrigins?: readonly string[];
  /** Directory of the built client; defaults to dist/client. */
  clientDir?: string;
  /** Where lifecycle and error lines go (default: stderr). */
  log?: (line: string) => void;
  /** Sessions at most, the default one included (default 4: each runs an engine worker). */
  maxSessions?: number;
  /** Participants per session at most (default 500). */
  maxParticipants?: number;
  /** Per-connection rate limits of the realtime layer (defaults in sessions/rate-limit.ts). */
  rateLimits?: Partial<RateLimitConfig>;
  /** REST limits (POST /api/sessions per address). */
  http?: SessionsRoutesOptions;
  /**
   * Hook for the recorder and the checkpointer: called with every session as it is created,
   * before its engine starts (so nothing it broadcasts is missed), the default one included.
   * Attach with `hub.attachRecorder({ record, marker })`.
   */
  onSessionCreated?: (hub: SessionHub) => void;
  /** Called after a session has been closed (idle, at shutdown, or handed over to another node). */
  onSessionClosed?: (hub: SessionHub, why: CloseReason) => void;
  /**
   * Startup resume: sessions saved by a previous process (`hub.checkpoint()`), restarted with
   * their id, code, name, policy and host token hash, each engine from its checkpoint. A saved
   * `default` session replaces the fresh one (`hostToken`, when given, replaces its saved hash).
   * One that fails to start is logged and skipped.
   */
  resume?: readonly { session: SavedSession; checkpoint: Uint8Array | null }[];
  /** Mounts `/api/recordings` over this store (docs/recording-format.md, "HTTP"). */
  recordings?: { store: Pick<Store, 'recordings'> } & RecordingsRouterOptions;
  /** The Socket.IO adapter (with --redis: the Redis Streams adapter), installed before any session starts. */
  adapter?: Parameters<LiveServer['adapter']>[0];
}

/** With --redis: this node's part in the cluster (scale/cluster-node.ts). */
export interface ClusterAppOptions extends AppOptions {
  cluster: ClusterNode;
}

/** A cluster node's app: the default session may run on another node. */
export interface ClusterApp extends Omit<RgflowApp, 'defaultSession' | 'engine'> {
  /** The default session's hub when this node runs it. */
  defaultSession: SessionHub | null;
  engine: SessionEngine | null;
}

export interface RgflowApp {
  app: Express;
  httpServer: HttpServer;
  io: LiveServer;
  registry: SessionRegistry;
  /** The default session's hub. */
  defaultSession: SessionHub;
  /** The default session's engine handle (temperature in force, latest frame). */
  engine: SessionEngine;
  /** Disconnects every client, stops every engine worker and closes the HTTP server. */
  close: () => Promise<void>;
}

/**
 * Builds the app and starts the default session's engine; resolves once the engine is ready.
 * Rejects with a RangeError for a bad session setting or host token. Does not listen.
 */
export async function createApp(options: AppOptions = {}): Promise<RgflowApp> {
  const built = await buildApp(options, null);
  if (!built.defaultSession || !built.engine) throw new Error('the default session did not start');
  return { ...built, defaultSession: built.defaultSession, engine: built.engine };
}

/**
 * The app of one cluster node (`rgflow serve --redis`): sessions start only where their lease is
 * taken, connections reach sessions on any node, `GET /api/sessions` lists the whole cluster.
 * Call `options.cluster.start()` afterwards.
 */
export function createClusterApp(options: ClusterAppOptions): Promise<ClusterApp> {
  return buildApp(options, options.cluster);
}

async function buildApp(options: AppOptions, cluster: ClusterNode | null): Promise<ClusterApp> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const io = createSocketServer(httpServer, { allowedOrigins: options.allowedOrigins });
  if (options.adapter) io.adapter(options.adapter);

  const registry = new SessionRegistry({
    emitterFor: (sessionId) => roomEmitter(io, sessionId),
    maxSessions: options.maxSessions,
    maxParticipants: options.maxParticipants,
    defaults: Object.fromEntries(OPERATIONAL_SETTINGS.map((key) => [key, options.session?.[key]]).filter(([, value]) => value !== undefined)),
    log,
    onSessionCreated: options.onSessionCreated,
    onSessionClosed: (hub, why) => {
      // Only a session that ended for good sends its participants away. One closed by a stopping
      // server resumes after the restart (or, in a cluster, on another node; so does one handed
      // over): its clients reconnect by themselves and get a fresh welcome — a forced disconnect
      // ('io server disconnect') would stop socket.io-client from reconnecting at all.
      if (why === 'ended') {
        const room = sessionRoom(hub.id);
        io.to(room).emit('error', { code: 'not-found', message: 'this session has ended', event: null });
        io.in(room).disconnectSockets(true);
      }
      if (cluster && why === 'ended') void cluster.forget(hub.id);
      options.onSessionClosed?.(hub, why);
    },
    ...(cluster ? { beforeStart: cluster.beforeStart } : {}),
  });
  cluster?.attach(registry, io);
  const given = options.hostToken ?? process.env[HOST_TOKEN_ENV];
  const givenToken = given === '' ? undefined : given;
  const savedDefault = options.resume?.find(({ session }) => session.id === DEFAULT_SESSION_ID);
  let created: CreatedSession | null = null;
  try {
    created = savedDefault
      ? await registry.restore(savedDefault.session, savedDefault.checkpoint, givenToken)
      : await registry.createDefault({ engine: options.session }, givenToken);
  } catch (error) {
    if (cluster && error instanceof LeaseHeldError) {
      log(`rgflow: the default session runs on another node (${error.message}); this node relays it`);
    } else {
      await registry.closeAll();
      io.close();
      throw error;
    }
  }
  const defaultSession = created?.session ?? null;
  if (created) {
    const token = givenToken ? 'host token as given' : savedDefault ? 'host token unchanged from the last run' : `host token ${created.hostToken} (set ${HOST_TOKEN_ENV} or --host-token to choose one)`;
    log(`rgflow: default session, join code ${created.code}; ${token}`);
  }
  for (const { session, checkpoint } of options.resume ?? []) {
    if (session.id === DEFAULT_SESSION_ID) continue;
    try {
      const resumed = await registry.restore(session, checkpoint);
      log(`rgflow: resumed session ${resumed.code} (${session.name})`);
    } catch (error) {
      if (error instanceof LeaseHeldError) continue; // another node runs it
      log(`rgflow: could not resume session ${session.code} (${session.name}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  attachSessionGateway(io, cluster ? cluster.resolver() : registryResolver(registry), { rateLimits: options.rateLimits, replays: options.recordings?.store.recordings });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/api/stats', statsRouter({ connections: () => io.engine.clientsCount }));
  app.use('/api/mapping', mappingRouter());
  app.use('/api/sessions', sessionsRoutes(registry, options.http, cluster ? () => cluster.listSummaries() : undefined));
  if (options.recordings) {
    const { store, ...routerOptions } = options.recordings;
    app.use(createRecordingsRouter(store, { log, ...routerOptions }));
  }
  app.use(staticClient(options.clientDir ?? defaultClientDir()));

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await registry.closeAll();
      await io.close();
    })();
    return closing;
  };
  return { app, httpServer, io, registry, defaultSession, engine: defaultSession?.engine ?? null, close };
}
