/**
 * The client side of `rgflow bench serve`, run as its own process so the server's figures
 * are not mixed with the load generator's: opens N socket.io-client connections to the
 * default session (in batches), then for `seconds` counts frames per client and the latency
 * from the hub's emit (`emittedAt`, same machine clock) to receipt. Prints one JSON object.
 * Marks the window on stderr with the lines `measuring` and `measured` (serve-bench.ts reads the
 * server's own figures for exactly that window), and keeps the clients connected for a second
 * after `measured` so that those figures are read before the clients' teardown loads the server.
 *
 * Usage: node load-clients.js <url> <clients> <seconds> [default|msgpack] [weightClients]
 * (weightClients: how many of the clients subscribe to weight snapshots; default all)
 */
import { io, type Socket } from 'socket.io-client';
import msgpackParser from 'socket.io-msgpack-parser';

interface FrameLike {
  emittedAt?: number;
  seq?: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const [url, clientsArg, secondsArg, parserArg = 'msgpack', weightClientsArg] = process.argv.slice(2);
  const clients = Number(clientsArg);
  const seconds = Number(secondsArg);
  const weightClients = weightClientsArg === undefined ? clients : Number(weightClientsArg);
  if (!url || !Number.isInteger(clients) || clients < 1 || !(seconds > 0) || !Number.isInteger(weightClients) || weightClients < 0) {
    process.stderr.write('usage: load-clients <url> <clients> <seconds> [default|msgpack] [weightClients]\n');
    process.exit(2);
  }
  const sockets: Socket[] = [];
  const frames = new Uint32Array(clients);
  const latencies: number[] = [];
  let weightSnapshots = 0;
  let measuring = false;
  let disconnects = 0;
  let connectFailures = 0;
  const parser = parserArg === 'msgpack' ? { parser: msgpackParser } : {};
  const batch = 25;
  for (let start = 0; start < clients; start += batch) {
    const wave: Promise<void>[] = [];
    for (let i = start; i < Math.min(clients, start + batch); i++) {
      const auth = { weights: i < weightClients };
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth, ...parser });
      sockets.push(socket);
      socket.on('weights', () => {
        if (measuring) weightSnapshots++;
      });
      socket.on('frame', (frame: FrameLike) => {
        if (!measuring) return;
        frames[i]++;
        if (typeof frame.emittedAt === 'number') latencies.push(Date.now() - frame.emittedAt);
      });
      socket.on('disconnect', () => {
        if (measuring) disconnects++;
      });
      wave.push(
        new Promise<void>((resolve) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', () => {
            connectFailures++;
            resolve();
          });
        }),
      );
    }
    await Promise.all(wave);
    process.stderr.write(`connected ${Math.min(clients, start + batch)}/${clients}\n`);
  }
  measuring = true;
  process.stderr.write('measuring\n');
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  process.stderr.write('measured\n');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const socket of sockets) socket.disconnect();
  const perClient = Array.from(frames, (n) => n / elapsed).sort((a, b) => a - b);
  const sorted = Float64Array.from(latencies).sort();
  const mean = perClient.reduce((a, b) => a + b, 0) / Math.max(1, perClient.length);
  process.stdout.write(
    `${JSON.stringify({
      clients,
      weight_clients: Math.min(clients, weightClients),
      weight_snapshots_received: weightSnapshots,
      seconds: elapsed,
      connect_failures: connectFailures,
      disconnects,
      frames_per_second_per_client: { mean, min: perClient[0] ?? 0, p05: perClient[Math.floor(0.05 * perClient.length)] ?? 0 },
      latency_ms: {
        samples: sorted.length,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        max: sorted.length ? sorted[sorted.length - 1] : NaN,
      },
    })}\n`,
  );
  process.exit(0);
}

void main();
