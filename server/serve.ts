/**
 * The one entry that listens: `startServer` (what `rgflow serve` calls) and `runUntilSignal`
 * (which installs SIGINT/SIGTERM handlers; startServer itself has no process-wide side effects,
 * so tests can call it).
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Algorithm } from '../shared/physics/ising.js';
import { createApp, createClusterApp, type AppOptions, type ClusterApp } from './app.js';
import type { ClusterNode } from './scale/cluster-node.js';
import type { RedisClient } from './scale/redis-adapter.js';
import { openPersistence, type SessionPersistence } from './persistence/session-persistence.js';

export interface ServeOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to listen on; default: every interface. */
  host?: string;
  /** Linear lattice size of the default session. */
  L?: number;
  /** Initial coupling K = J/(k_B T) of the default session. */
  coupling?: number;
  seed?: number;
  algorithm?: Algorithm;
  /** Frame broadcast rate, Hz (default 15). */
  frameRate?: number;
  /** Target simulation rate, sweeps/s (default 1000). */
  sweepsPerSecond?: number;
  /** Browser origins allowed besides the server's own host. */
  allowedOrigins?: readonly string[];
  /** Where the URL and lifecycle lines go (default: stderr). */
  log?: (line: string) => void;
  /**
   * The SQLite data file (sessions, recordings, checkpoints; its directory is created), or
   * ':memory:' for a store that dies with the process. Saved sessions are resumed from it.
   * Undefined: no persistence at all (tests). The CLI defaults to ./data/rgflow.sqlite.
   */
  data?: string;
  /** Seconds between engine checkpoints (default 30; 0: only at shutdown). Needs `data`. */
  checkpointSeconds?: number;
  /** The default session's host token (else RGFLOW_HOST_TOKEN, else a fresh one, logged). */
  hostToken?: string;
  /**
   * Redis URL: this server is one node of a cluster (docs/architecture.md, "Several nodes"): rooms
   * are shared through the Redis Streams adapter, each session runs on exactly one node (a lease
   * in Redis), clients on any node reach every session, and a node that dies has its sessions
   * taken over from their last checkpoint. Every node must open the same `data` file.
   */
  redis?: string;
  /** With `redis`: this node's name in leases and logs (default: random). */
  nodeId?: string;
}

export interface RunningServer {
  /** Base URL for a browser on this machine, e.g. http://localhost:3000. */
  url: string;
  port: number;
  /** The default session's join code. */
  code: string;
  /** Sessions resumed from the data file, and how long createApp took to start them, ms. */
  resumed: { sessions: number; ms: number };
  /** The data file's absolute path (or ':memory:'), null without persistence. */
  data: string | null;
  /**
   * Saves a final checkpoint of every session (with `data`), disconnects everyone, stops the
   * engines, closes the recordings, the store and the port.
   */
  close: () => Promise<void>;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** Starts the live server and resolves once it is listening; logs its URL. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let redisUrl: string | undefined;
  if (options.redis !== undefined) {
    const { validateRedisUrl } = await import('./scale/redis-adapter.js');
    redisUrl = validateRedisUrl(options.redis).href;
  }
  const persistence: SessionPersistence | null =
    options.data === undefined ? null : openPersistence({ path: options.data, checkpointSeconds: options.checkpointSeconds, log });
  const resume = persistence?.resumeList() ?? [];
  const startedAt = performance.now();
  let cluster: ClusterNode | null = null;
  const redisClients: RedisClient[] = [];
  let untolerate = (): void => {};
  const closeRedisClients = async (): Promise<void> => {
    if (redisClients.length === 0) return;
    const { closeRedis } = await import('./scale/redis-adapter.js');
    await Promise.all(redisClients.map((client) => closeRedis(client)));
    // Late rejections of the adapter's fire-and-forget publishes land after this; let them pass quietly.
    setTimeout(untolerate, 2000).unref();
  };
  let created: ClusterApp;
  try {
    let adapter: AppOptions['adapter'];
    if (redisUrl !== undefined) {
      const { connectRedis, redisStreamsAdapter, tolerateRedisConnectionErrors } = await import('./scale/redis-adapter.js');
      untolerate = tolerateRedisConnectionErrors(log);
      const { ClusterNode } = await import('./scale/cluster-node.js');
      const adapterClient = await connectRedis(redisUrl, log);
      redisClients.push(adapterClient);
      const commandClient = await connectRedis(redisUrl, () => {}, () => void cluster?.redisRecovered());
      redisClients.push(commandClient);
      adapter = redisStreamsAdapter(adapterClient);
      cluster = new ClusterNode({
        redis: commandClient,
        nodeId: options.nodeId,
        loadSaved: (id) => persistence?.loadSaved(id) ?? null,
        savedIds: () => persistence?.savedIds() ?? [],
        log,
      });
      if (!persistence || persistence.path === ':memory:') log('rgflow: warning: without a shared --data file, a session whose node stops cannot be taken over by another');
    }
    const appOptions: AppOptions = {
      session: {
        L: options.L,
        coupling: options.coupling,
        seed: options.seed,
        algorithm: options.algorithm,
        frameRate: options.frameRate,
        sweepsPerSecond: options.sweepsPerSecond,
      },
      hostToken: options.hostToken,
      allowedOrigins: options.allowedOrigins,
      log,
      adapter,
      ...(persistence
        ? {
            resume,
            onSessionCreated: persistence.onSessionCreated,
            onSessionClosed: persistence.onSessionClosed,
            recordings: { store: persistence.store, authorizeDelete: persistence.authorizeDelete },
          }
        : {}),
    };
    created = cluster ? await createClusterApp({ ...appOptions, cluster }) : await createApp(appOptions);
  } catch (error) {
    persistence?.close();
    await closeRedisClients();
    throw error;
  }
  const resumedMs = performance.now() - startedAt;
  const { httpServer, io, engine, defaultSession } = created;
  if (persistence) {
    const what = resume.length > 0 ? `resumed ${resume.length} session${resume.length === 1 ? '' : 's'} in ${Math.round(resumedMs)} ms` : 'no saved session to resume';
    log(`rgflow: data file ${persistence.path}; ${what}`);
  }
  const close = once(async () => {
    try {
      await persistence?.beforeShutdown();
      await cluster?.stop();
      await created.close();
    } finally {
      persistence?.close();
      await closeRedisClients();
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, options.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await close();
    throw error;
  }
  persistence?.start();
  if (cluster) {
    cluster.start();
    log(`rgflow: cluster node ${cluster.nodeId}: rooms and sessions shared through Redis (${new URL(redisUrl!).host})`);
  }
  const port = (httpServer.address() as AddressInfo).port;
  const host = options.host === undefined || WILDCARD_HOSTS.has(options.host) ? 'localhost' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (engine) {
    const { temperature, coupling } = engine.temperature;
    log(`rgflow: serving ${url} (L=${engine.config.L}, K=${coupling.toFixed(4)}, T=${temperature.toFixed(3)})`);
  } else {
    log(`rgflow: serving ${url} (the default session runs on another node)`);
  }
  return {
    url,
    port,
    code: defaultSession?.code ?? (await cluster?.defaultCode()) ?? '',
    resumed: { sessions: resume.length, ms: resumedMs },
    data: persistence?.path ?? null,
    close,
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= fn());
}

/** Resolves after SIGINT or SIGTERM has closed `server`; the handlers are removed afterwards. */
export function runUntilSignal(server: RunningServer, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log(`rgflow: ${signal}, shutting down`);
      server.close().then(resolve, (error: unknown) => {
        log(`rgflow: error while closing: ${String(error)}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
