/**
 * The admin console's build: a static single-page app under /console/, served by the service itself
 * (locally by `npm start`, in AWS by the stack's console function). Run with `npm run build:console`.
 */
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The bundle ships in the npm package and in a Lambda: no source maps, one chunk budget to watch.
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 150,
  },
});
