import { expect, test } from '@playwright/test';
import { openPlayground } from './helpers';

test('on a software adapter the page picks wasm and says why', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'warning' && /worker sent an error/.test(m.text()) && errors.push(m.text()));
  await openPlayground(page);
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend-reason')).toContainText(/software/i);
  await expect(page.getByTestId('adapter')).toContainText(/swiftshader/i);
  await expect(page.getByTestId('model-summary')).toContainText('wasm');
  // The page is cross-origin isolated, so the wasm backend runs threaded: one thread per core (up to 4).
  const cores = await page.evaluate(() => ({ cores: navigator.hardwareConcurrency, isolated: crossOriginIsolated }));
  expect(cores.isolated).toBe(true);
  await expect(page.getByTestId('wasm-threads')).toHaveAttribute('data-threads', String(Math.min(4, cores.cores)));
  // Our WebAssembly SIMD kernels run on the threaded (shared) heap, not their JS fallback.
  await expect(page.getByTestId('wasm-simd')).toHaveAttribute('data-simd', 'true');
  // The pthread workers started (a bundling fault kills each of them with a ReferenceError).
  expect(errors).toEqual([]);
});

test('forced WebGPU really runs a compute shader and tfjs ops on the GPU', async ({ page }) => {
  await openPlayground(page, 'webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('backend-reason')).toContainText('requested explicitly');
  await page.getByTestId('tab-diagnostics').click();
  await page.getByTestId('self-test-run').click();
  const pre = page.getByTestId('self-test-result');
  await expect(pre).toBeVisible();
  const result = JSON.parse((await pre.textContent())!) as {
    backend: string;
    shader: { ran: boolean; maxError: number; n: number };
    tfjsOp: { maxError: number; onGpu: boolean; onOurDevice: boolean };
    cpuForward: boolean;
  };
  expect(result.backend).toBe('webgpu');
  expect(result.shader.ran).toBe(true);
  expect(result.shader.n).toBe(1000);
  expect(result.shader.maxError).toBe(0);
  expect(result.tfjsOp.onGpu).toBe(true);
  expect(result.tfjsOp.onOurDevice).toBe(true);
  expect(result.tfjsOp.maxError).toBe(0);
  expect(result.cpuForward).toBe(false);
});

test('the UI switches between English and Chinese', async ({ page }) => {
  await openPlayground(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('BERT Playground');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('BERT 演练场');
  await expect(page.getByTestId('tab-fill-mask')).toHaveText('完形填空');
  await expect(page.getByTestId('backend-reason')).toContainText('软件实现');
});

test('tabs are keyboard usable', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('tab-fill-mask').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-similar')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('tab-similar')).toBeFocused();
  await expect(page.getByRole('tabpanel')).toContainText('SimBERT');
  await expect(page.getByTestId('similar-run')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('tab-diagnostics')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('self-test-run')).toBeVisible();
});
