/**
 * Vite build of the browser app: client/ → dist/client (served by the rgflow server).
 * `npx vite --config client/vite.config.ts` runs a dev server that proxies the realtime
 * connection to an rgflow server on localhost:3000.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL('../dist/client', import.meta.url)),
    emptyOutDir: true,
    // One bundle (three.js is most of it): ~750 kB, ~205 kB gzip, inside the 1 MB gzip budget.
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: { '/socket.io': { target: 'http://localhost:3000', ws: true } },
  },
});
