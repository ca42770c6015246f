import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { watPlugin } from './scripts/wat-plugin.ts';
import { wasmThreadsDepsPlugin, wasmThreadsPlugin } from './scripts/wasm-threads-plugin.ts';

// Cross-origin isolation lets the wasm backends use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), watPlugin(), wasmThreadsPlugin()],
  base: './',
  server: { host: '127.0.0.1', headers: isolationHeaders },
  preview: { host: '127.0.0.1', headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [watPlugin(), wasmThreadsPlugin()] },
  optimizeDeps: { rolldownOptions: { plugins: [wasmThreadsDepsPlugin()] } },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html', kernels: 'kernels.html' } },
  },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
