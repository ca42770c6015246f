import { expect, type Page } from '@playwright/test';

/**
 * Opens the page (optionally forcing a backend) and waits for the backend and a bundled model:
 * the tiny fixture by default (fast, and the reference values are computed on it); pass
 * `model: null` to open the page as a user does, on the default model.
 */
export async function openPlayground(page: Page, backend?: string, options: { model?: string | null } = {}): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const params = new URLSearchParams();
  if (backend) params.set('backend', backend);
  const model = options.model === undefined ? 'tiny-fixture' : options.model;
  if (model) params.set('model', model);
  const query = params.toString();
  await page.goto(query ? `./?${query}` : './');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('model-summary')).toBeVisible({ timeout: 120_000 });
  expect(errors, `uncaught page errors: ${errors.join('; ')}`).toEqual([]);
}
