import { expect, test } from '@playwright/test';
import { openPlayground } from './helpers';

test('a long worker job reports progress, keeps the page responsive, and cancels within a second', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('tab-diagnostics').click();
  // Far more forwards than the test lasts (a tiny-model forward takes a few ms), so the job is
  // certainly still running when Cancel is clicked.
  const TOTAL = 50_000;
  await page.getByTestId('stress-count').fill(String(TOTAL));
  await page.getByTestId('stress-run').click();
  const status = page.getByTestId('stress-status');
  await expect(status).toHaveAttribute('data-state', 'running');
  // Wait until some forwards are done, so the job is really in flight.
  const progress = page.getByTestId('stress-progress').locator('progress');
  await expect.poll(async () => Number(await progress.getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(5);

  // The main thread is free while the worker computes: a click updates the UI at once.
  const tick = page.getByTestId('ui-tick');
  const t0 = Date.now();
  await tick.click();
  await expect(tick).toHaveText('UI 1', { timeout: 1_000 });
  expect(Date.now() - t0).toBeLessThan(1_000);

  const before = Number(await progress.getAttribute('value'));
  expect(before).toBeLessThan(TOTAL);
  const t1 = Date.now();
  await page.getByTestId('stress-cancel').click();
  await expect(status).toHaveAttribute('data-state', 'cancelled', { timeout: 1_000 });
  expect(Date.now() - t1).toBeLessThan(1_000);
  const after = Number(await progress.getAttribute('value'));
  expect(after).toBeLessThan(TOTAL);
  // Nothing runs on after the cancel.
  await page.waitForTimeout(500);
  expect(Number(await progress.getAttribute('value'))).toBe(after);
});
