/**
 * Serves the built browser app (dist/client, from `npm run build`). When it has not been built,
 * `/` answers 503 with a plain sentence saying how to build it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/**
 * dist/client, resolved from this module: server/static-client.ts (sources, under vitest or tsx)
 * and dist/server/static-client.js (compiled) both find it.
 */
export function defaultClientDir(): string {
  const fromSources = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSources ? '../dist/client' : '../client', import.meta.url));
}

/** Router that serves `clientDir`, or the 503 hint at `/` while it is not built. */
export function staticClient(clientDir: string): Router {
  const router = express.Router();
  const index = join(clientDir, 'index.html');
  router.get('/', (_req, res, next) => {
    if (existsSync(index)) {
      next();
      return;
    }
    res.status(503).type('text/plain').send('The rgflow client is not built yet: run `npm run build`, then reload this page.\n');
  });
  router.use(express.static(clientDir, { index: 'index.html' }));
  return router;
}
