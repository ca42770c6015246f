import { expect, test } from '@playwright/test';
import { openPlayground } from './helpers';

test('a lost GPU device is reported and recovered without reloading the page', async ({ page }) => {
  await openPlayground(page, 'webgpu');
  await page.getByTestId('tab-diagnostics').click();
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByTestId('simulate-loss').click();
  await expect(page.getByTestId('device-recovered')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  // Same page (no reload), and the reloaded model computes.
  expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
  await page.getByTestId('self-test-run').click();
  await expect(page.getByTestId('self-test-result')).toContainText('"onGpu": true');
  await expect(page.getByTestId('self-test-result')).toContainText('"onOurDevice": true');
  await page.getByTestId('tab-fill-mask').click();
  await page.getByTestId('fill-mask-run').click();
  await expect(page.getByTestId('fill-mask-result')).toBeVisible({ timeout: 120_000 });
});
