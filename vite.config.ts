// Builds apps/web: the join page (/), the operator dashboard (/dashboard) and the vertical party
// page (/vertical), served by the coordinator from apps/web/dist. Fleets and tests always use the
// built assets (the dev server reloads every open tab on a change).

import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const web = fileURLToPath(new URL('./apps/web/', import.meta.url));

export default defineConfig({
  root: web,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./apps/web/dist/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // tfjs with its WASM binaries is large by nature; the page loads it once and caches it.
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // @flotilla/models imports node: built-ins lazily, only in Node-only functions that the
      // browser never calls; the stubs Vite puts in their place are expected, not a problem.
      onwarn(warning, warn) {
        if (warning.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
        if (warning.message.includes('externalized for browser compatibility')) return;
        warn(warning);
      },
      input: {
        join: `${web}index.html`,
        dashboard: `${web}dashboard/index.html`,
        vertical: `${web}vertical/index.html`,
      },
    },
  },
  worker: { format: 'es' },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true } } },
});
