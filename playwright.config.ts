import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, resolveChromium } from './e2e/chromium';

// E2E_PORT / E2E_OUT_DIR let several builds be tested side by side (default: dist on 4173).
const PORT = Number(process.env.E2E_PORT ?? 4173);
const OUT_DIR = process.env.E2E_OUT_DIR ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // WebGPU on SwiftShader is slow and the machine has two cores: one browser at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: resolveChromium(), args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 900 },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort --outDir ${OUT_DIR}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
