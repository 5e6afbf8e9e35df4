/**
 * Test helpers for talking to a live rgflow server with a real socket.io-client.
 */
import { io, type Socket, type SocketOptions, type ManagerOptions } from 'socket.io-client';
import * as msgpackParser from 'socket.io-msgpack-parser';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol/events.js';

export type LiveClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket whose emits are not type-checked, for sending what a hostile client would. */
export interface UntypedEmitter {
  emit(event: string, ...args: unknown[]): unknown;
}

/** Opens a new connection (never shared with another client in the test), speaking MessagePack like the page. */
export function connectClient(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): LiveClient {
  return io(url, { forceNew: true, reconnection: false, transports: ['websocket'], parser: msgpackParser, ...options });
}

/** Resolves with the first `event` payload on `socket`, or rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: LiveClient,
  event: E,
  timeoutMs = 3000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no '${String(event)}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]): void => {
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    };
    socket.on(event, listener as never);
  });
}

/** Resolves once `socket` is connected, rejects with the connect error. */
export function connected(socket: LiveClient, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) {
      resolve();
      return;
    }
    const timer = setTimeout(() => reject(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
