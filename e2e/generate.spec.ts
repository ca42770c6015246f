import { expect, test, type Page } from '@playwright/test';
import { openPlayground } from './helpers';

/** Counts, in the page, the most streamed candidates ever shown at once (streaming can be quick). */
async function watchStream(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __maxStream: number };
    w.__maxStream = 0;
    new MutationObserver(() => {
      w.__maxStream = Math.max(w.__maxStream, document.querySelectorAll('[data-testid="similar-stream-item"]').length);
    }).observe(document.body, { childList: true, subtree: true });
  });
}

async function similarQuestions(page: Page): Promise<void> {
  await page.getByTestId('tab-similar').click();
  await page.getByTestId('similar-input').fill('今天天气怎么样');
  await page.getByTestId('similar-n').fill('12');
  await page.getByTestId('similar-maxlen').fill('8');
  await page.getByTestId('similar-temperature').fill('3');
  await page.getByTestId('similar-seed').fill('7');
  await watchStream(page);
  await page.getByTestId('similar-run').click();
  const results = page.getByTestId('similar-results');
  await expect(results).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('similar-status')).toHaveAttribute('data-state', 'done');
  // Candidates streamed in while sampling ran.
  expect(await page.evaluate(() => (window as unknown as { __maxStream: number }).__maxStream)).toBeGreaterThan(0);
  // Ranked by the cosine shown next to each candidate.
  const rows = results.getByTestId('similar-result');
  const count = await rows.count();
  expect(count).toBeGreaterThan(2);
  const scores: number[] = [];
  for (let i = 0; i < count; i++) {
    const score = Number(await rows.nth(i).getAttribute('data-score'));
    expect(score).toBeGreaterThanOrEqual(-1);
    expect(score).toBeLessThanOrEqual(1 + 1e-6);
    await expect(rows.nth(i).locator('.score')).toHaveText(score.toFixed(4));
    scores.push(score);
  }
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await expect(page.getByTestId('similar-speed')).toContainText(/tokens\/s on (webgpu|wasm)/);
}

test('on WebGPU, similar questions stream in ranked by cosine, and Gibbs animates and stops', async ({ page }) => {
  await openPlayground(page, 'webgpu');
  await expect(page.getByTestId('model-summary')).toContainText('webgpu');
  await similarQuestions(page);
  await expect(page.getByTestId('similar-speed')).toContainText('webgpu');
  await gibbsAnimatesAndStops(page);
});

test('similar questions, export, consistency and sentence search on the default backend', async ({ page }) => {
  await openPlayground(page);
  await similarQuestions(page);
  const download = page.waitForEvent('download');
  await page.getByTestId('similar-export-json').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('similar-questions.json');

  await page.getByTestId('similar-topk').fill('5');
  await page.getByTestId('consistency-run').click();
  await expect(page.getByTestId('consistency-result')).toBeVisible({ timeout: 60_000 });
  const plain = Number(await page.getByTestId('consistency-plain').getAttribute('data-hit'));
  const consistent = Number(await page.getByTestId('consistency-consistent').getAttribute('data-hit'));
  expect(consistent).toBeLessThanOrEqual(plain);

  const sentences = Array.from({ length: 60 }, (_, i) => `第${i}句：${'今天天气很好我们去公园'.slice(0, 3 + (i % 8))}`);
  await page.getByTestId('search-list').fill(sentences.join('\n'));
  await page.getByTestId('search-build').click();
  await expect(page.getByTestId('search-status')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('search-status')).toContainText('60');
  await page.getByTestId('search-query').fill(sentences[17]!);
  await page.getByTestId('search-run').click();
  const first = page.getByTestId('search-hit').first();
  await expect(first).toContainText(sentences[17]!);
  expect(Number(await first.getAttribute('data-score'))).toBeCloseTo(1, 4);
});

test('similar questions cancel mid-run', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('tab-similar').click();
  await page.getByTestId('similar-n').fill('200');
  await page.getByTestId('similar-maxlen').fill('64');
  await page.getByTestId('similar-temperature').fill('0.2');
  await page.getByTestId('similar-run').click();
  await expect(page.getByTestId('similar-stream')).toBeVisible({ timeout: 60_000 });
  const t0 = Date.now();
  await page.getByTestId('similar-stop').click();
  await expect(page.getByTestId('similar-status')).toHaveAttribute('data-state', 'cancelled', { timeout: 2_000 });
  expect(Date.now() - t0).toBeLessThan(2_000);
  await expect(page.getByTestId('similar-results')).toHaveCount(0);
});

async function gibbsAnimatesAndStops(page: Page): Promise<void> {
  await page.getByTestId('tab-gibbs').click();
  await page.getByTestId('gibbs-length').fill('8');
  await page.getByTestId('gibbs-steps').fill('100000');
  await page.getByTestId('gibbs-chains').fill('2');
  await page.getByTestId('gibbs-mh').check();
  await page.getByTestId('gibbs-run').click();
  const step = page.getByTestId('gibbs-step');
  await expect.poll(async () => Number(await step.getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThan(3);
  const seen = new Set<string>();
  for (let i = 0; i < 8 && seen.size < 2; i++) {
    seen.add((await step.getAttribute('data-step'))!);
    await page.waitForTimeout(150);
  }
  expect(seen.size).toBeGreaterThan(1); // the view advances step by step
  // Each chain shows its 8 tokens with exactly the resampled one highlighted.
  const chains = page.getByTestId('gibbs-chain');
  await expect(chains).toHaveCount(2);
  await expect(chains.first().getByTestId('gibbs-token')).toHaveCount(8);
  expect(await chains.first().locator('[data-current]').count()).toBe(1);
  await expect(page.getByTestId('gibbs-acceptance')).toBeVisible();

  const t0 = Date.now();
  await page.getByTestId('gibbs-stop').click();
  await expect(page.getByTestId('gibbs-status')).toHaveAttribute('data-state', 'cancelled', { timeout: 2_000 });
  expect(Date.now() - t0).toBeLessThan(2_000);
  const stopped = await step.getAttribute('data-step');
  await page.waitForTimeout(500);
  expect(await step.getAttribute('data-step')).toBe(stopped);
}

test('Gibbs sampling animates step by step and stops on request', async ({ page }) => {
  await openPlayground(page);
  await gibbsAnimatesAndStops(page);
});

test('Gibbs sampling runs to the end and shows the final sentences', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('tab-gibbs').click();
  await page.getByTestId('gibbs-text').fill('今天天气很好');
  await page.getByTestId('gibbs-steps').fill('20');
  await page.getByTestId('gibbs-burnin').fill('5');
  await page.getByTestId('gibbs-chains').fill('3');
  await page.getByTestId('gibbs-order').selectOption('sequential');
  await page.getByTestId('gibbs-run').click();
  await expect(page.getByTestId('gibbs-result')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('gibbs-final')).toHaveCount(3);
  await expect(page.getByTestId('gibbs-step')).toHaveAttribute('data-step', '20');
});
