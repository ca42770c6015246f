import { expect, type Page } from '@playwright/test';

/** Opens the page (optionally forcing a backend) and waits for the backend and the bundled model. */
export async function openPlayground(page: Page, backend?: string): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(backend ? `./?backend=${backend}` : './');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 120_000 });
  expect(errors, `uncaught page errors: ${errors.join('; ')}`).toEqual([]);
}
