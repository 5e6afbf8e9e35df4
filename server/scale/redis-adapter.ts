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
export async function connectRedis(url: string, log: (line: string) => void = () => {}): Promise<RedisClient> {
  validateRedisUrl(url);
  const client = createRedisClient(url);
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) log(`rgflow: redis error: ${error.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) log('rgflow: redis connection restored');
    down = false;
  });
  await client.connect();
  return client;
}

/** The Socket.IO adapter over `client` (give it a dedicated connection). */
export function redisStreamsAdapter(client: RedisClient): ReturnType<typeof createAdapter> {
  return createAdapter(client, { streamName: ADAPTER_STREAM, maxLen: 10_000 });
}
