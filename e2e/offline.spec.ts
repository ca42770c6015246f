import { expect, test } from '@playwright/test';
import { openPlayground } from './helpers';

test('downloaded weights are cached: a reload loads the model with the model files unreachable', async ({ page }) => {
  await openPlayground(page);
  // The cache entry is written after the download completes; wait for it.
  await expect
    .poll(() => page.evaluate(async () => (await Promise.all((await caches.keys()).map(async (k) => (await (await caches.open(k)).keys()).length))).reduce((a, b) => a + b, 0)))
    .toBeGreaterThanOrEqual(3);
  // Every model file request fails from now on: only the cache can serve the reload.
  await page.route('**/models/tiny-fixture/**', (route) => route.abort('internetdisconnected'));
  await page.reload();
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('model-layers')).toHaveText('2');
  await expect(page.getByTestId('model-error')).toHaveCount(0);
});
