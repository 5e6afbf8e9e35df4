/**
 * Scale-out building blocks against a real redis-server: the Redis Streams adapter relays a
 * room broadcast and server-side emits between two Socket.IO servers, and the per-session
 * lease gives a session to exactly one node, moving it only after the holder stops renewing.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, redisStreamsAdapter, validateRedisUrl, type RedisClient } from '../../../server/scale/redis-adapter.js';
import { SessionLease } from '../../../server/scale/session-lease.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';

let redis: RedisServer;
const clients: RedisClient[] = [];

async function client(): Promise<RedisClient> {
  const c = await connectRedis(redis.url);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const c of clients) await c.quit().catch(() => c.destroy());
  await redis.stop();
});

async function socketServer(): Promise<{ io: Server; http: HttpServer; url: string }> {
  const http = createServer();
  const io = new Server(http, { adapter: redisStreamsAdapter(await client()) });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

function connected(url: string): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe('Redis Streams adapter between two Socket.IO servers', () => {
  it('a broadcast to a room on node A reaches a client connected to node B, and serverSideEmit acks come back', async () => {
    const a = await socketServer();
    const b = await socketServer();
    b.io.on('connection', (socket) => socket.join('s:demo'));
    b.io.on('ping-owner', (payload: { n: number }, ack: (reply: { n: number }) => void) => ack({ n: payload.n + 1 }));
    const student = await connected(b.url);
    const received = new Promise<unknown>((resolve) => student.once('frame', resolve));
    // The adapter needs a moment to see the remote socket in the room.
    await new Promise((r) => setTimeout(r, 200));
    a.io.to('s:demo').emit('frame', { seq: 7 });
    expect(await received).toEqual({ seq: 7 });
    const replies = await a.io.serverSideEmitWithAck('ping-owner', { n: 41 });
    expect(replies).toEqual([{ n: 42 }]);
    student.disconnect();
    for (const s of [a, b]) {
      s.io.close();
    }
  });
});

describe('SessionLease', () => {
  it('gives a session to exactly one node and never lets another renew or release it', async () => {
    const c = await client();
    const first = new SessionLease(c, 'lease-1', 'node-a', { ttlMs: 5000 });
    const second = new SessionLease(c, 'lease-1', 'node-b', { ttlMs: 5000 });
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    expect(await second.renew()).toBe(false);
    await second.release();
    expect(await first.holder()).toBe('node-a');
    expect(await first.tryAcquire()).toBe(true); // re-acquiring one's own lease renews it
    await first.release();
    expect(await second.tryAcquire()).toBe(true);
    await second.release();
  });

  it('moves to another node only after the holder stops renewing and the lease lapses', async () => {
    const c = await client();
    const crashed = new SessionLease(c, 'lease-2', 'node-a', { ttlMs: 300 });
    const standby = new SessionLease(c, 'lease-2', 'node-b', { ttlMs: 300 });
    expect(await crashed.tryAcquire()).toBe(true);
    expect(await standby.tryAcquire()).toBe(false);
    await new Promise((r) => setTimeout(r, 450));
    expect(await standby.tryAcquire()).toBe(true);
    expect(await crashed.renew()).toBe(false);
    await standby.release();
  });

  it('rejects bad options and URLs', () => {
    expect(() => validateRedisUrl('http://x')).toThrow(/redis:\/\//);
    expect(() => validateRedisUrl('not a url')).toThrow(/URL/);
    expect(validateRedisUrl('redis://127.0.0.1:6379').port).toBe('6379');
  });
});
