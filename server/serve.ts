/**
 * The one entry that listens: `startServer` (what `rgflow serve` calls) and `runUntilSignal`
 * (which installs SIGINT/SIGTERM handlers; startServer itself has no process-wide side effects,
 * so tests can call it).
 */
import type { AddressInfo } from 'node:net';
import type { Algorithm } from '../shared/physics/ising.js';
import { createApp } from './app.js';

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
}

export interface RunningServer {
  /** Base URL for a browser on this machine, e.g. http://localhost:3000. */
  url: string;
  port: number;
  /** Disconnects everyone, stops the engine, closes the port. */
  close: () => Promise<void>;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** Starts the live server and resolves once it is listening; logs its URL. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { httpServer, close, engine } = await createApp({
    session: {
      L: options.L,
      coupling: options.coupling,
      seed: options.seed,
      algorithm: options.algorithm,
      frameRate: options.frameRate,
      sweepsPerSecond: options.sweepsPerSecond,
    },
    allowedOrigins: options.allowedOrigins,
    log,
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
  const port = (httpServer.address() as AddressInfo).port;
  const host = options.host === undefined || WILDCARD_HOSTS.has(options.host) ? 'localhost' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const { temperature, coupling } = engine.temperature;
  log(`rgflow: serving ${url} (L=${engine.config.L}, K=${coupling.toFixed(4)}, T=${temperature.toFixed(3)})`);
  return { url, port, close };
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
