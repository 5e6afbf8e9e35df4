/**
 * Scale-out plumbing: a Redis connection and Socket.IO's Redis Streams adapter, so several
 * Node processes share rooms (broadcasts, server-side emits with acks, connection state
 * recovery — the pub/sub Redis adapter cannot recover connections, the Streams one can).
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';

function createRedisClient(url: string) {
  return createClient({
    url,
    socket: { reconnectStrategy: (retries: number) => Math.min(2000, 50 * 2 ** retries), connectTimeout: 5000 },
  });
}

export type RedisClient = ReturnType<typeof createRedisClient>;

/** Stream the adapter writes to; one per deployment. */
export const ADAPTER_STREAM = 'rgflow:socket.io';

/** Throws a clear error unless `url` is a redis:// or rediss:// URL. */
export function validateRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`--redis must be a URL such as redis://127.0.0.1:6379, got '${url}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RangeError(`--redis must use redis:// or rediss://, got '${parsed.protocol}'`);
  }
  return parsed;
}

/**
 * Connects to Redis; reconnects by itself after outages (exponential backoff capped at 2 s)
 * and logs state changes once each.
 */
export async function connectRedis(url: string, log: (line: string) => void = () => {}, onRestored?: () => void): Promise<RedisClient> {
  validateRedisUrl(url);
  const client = createRedisClient(url);
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) log(`rgflow: redis error: ${error.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) {
      log('rgflow: redis connection restored');
      onRestored?.();
    }
    down = false;
  });
  await client.connect();
  return client;
}

type AdapterFactory = ReturnType<typeof createAdapter>;
type StreamsAdapter = ReturnType<AdapterFactory>;

/**
 * The Socket.IO adapter over `client` (give it a dedicated connection). The Streams adapter
 * publishes a broadcast to Redis *before* delivering it locally and drops the local delivery if
 * publishing fails, so while Redis is down even this node's own clients would get nothing (the
 * publish waits in the client's offline queue). Here a broadcast made while Redis is not ready
 * is delivered locally only: a Redis outage cuts nodes off from each other, never a node from
 * its own clients. (Those packets carry no recovery offset; a client that drops meanwhile
 * resyncs from a full `welcome`.)
 */
export function redisStreamsAdapter(client: RedisClient): AdapterFactory {
  // ~3 minutes of broadcasts at 15 frames/s: enough to recover a 2-minute gap, without keeping
  // hundreds of 1 MB weight snapshots in Redis.
  const factory = createAdapter(client, { streamName: ADAPTER_STREAM, maxLen: 3_000 });
  // Socket.IO calls the adapter with `new`: a plain function returning an object serves.
  return function localWhenRedisIsDown(nsp: Parameters<AdapterFactory>[0]): StreamsAdapter {
    const adapter = factory(nsp);
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet, opts) => {
      if (client.isReady) return broadcast(packet, opts);
      return broadcast(packet, { ...opts, flags: { ...opts.flags, local: true } });
    };
    return adapter;
  } as AdapterFactory;
}

/** Errors node-redis rejects pending commands with when a connection drops or closes. */
const CONNECTION_ERRORS = new Set(['DisconnectsClientError', 'ClientClosedError', 'ClientOfflineError', 'SocketClosedUnexpectedlyError', 'ConnectionTimeoutError']);

/**
 * The Streams adapter fires some publishes (server-side emits, heartbeats) without handling
 * their promise; when Redis drops, or the connection is closed at shutdown, they reject unhandled,
 * which would end the process. This handler swallows exactly those connection errors (logged
 * once per second at most) and leaves every other unhandled rejection to Node's default.
 * Returns a function that removes it.
 */
export function tolerateRedisConnectionErrors(log: (line: string) => void): () => void {
  let lastLog = 0;
  const handler = (reason: unknown): void => {
    const name = reason instanceof Error ? reason.constructor.name : '';
    if (CONNECTION_ERRORS.has(name)) {
      const now = Date.now();
      if (now - lastLog > 1000) log(`rgflow: a Redis command was dropped (${name}); the cluster catches up once Redis is back`);
      lastLog = now;
      return;
    }
    process.off('unhandledRejection', handler);
    throw reason; // not ours: as if no handler were installed
  };
  process.on('unhandledRejection', handler);
  return () => process.off('unhandledRejection', handler);
}

/** Closes `client` gracefully (pending replies first) within `ms`, else drops the connection. */
export async function closeRedis(client: RedisClient, ms = 1000): Promise<void> {
  const timer = new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
  await Promise.race([client.quit().then(() => undefined, () => undefined), timer]);
  if (client.isOpen) client.destroy();
}
