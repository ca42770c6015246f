// The page as a newcomer opens it: no file chosen, the bundled default model (trained for the
// playground) loads by itself and every tab runs on it with answers a trained model gives.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openPlayground } from './helpers';

const index = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as { id: string; name: string }[];
const defaultModel = index[0]!;

async function topCandidates(page: Page, text: string): Promise<string[]> {
  await page.getByTestId('tab-fill-mask').click();
  await page.getByTestId('fill-mask-input').fill(text);
  await page.getByTestId('fill-mask-run').click();
  const table = page.getByTestId('fill-mask-result').locator('table.candidates').first();
  await expect(table).toBeVisible({ timeout: 120_000 });
  return table.locator('tbody tr .token').allTextContents();
}

test('the page opens on the trained default model and fills masks like a trained model', async ({ page }) => {
  expect(defaultModel.id).toBe('default');
  await openPlayground(page, undefined, { model: null });
  await expect(page.getByTestId('model-name')).toHaveText(defaultModel.name);
  await expect(page.getByTestId('model-layers')).toHaveText('4');
  await expect(page.getByTestId('model-format')).toHaveText('native');
  await expect(page.getByTestId('model-description')).toContainText('trained');
  // The model card, served beside the weights, opens in the panel with the measured scores.
  await page.getByTestId('model-card').locator('summary').click();
  await expect(page.getByTestId('model-card-text')).toContainText('mlm_top1', { timeout: 30_000 });
  // Words of the software manuals it was trained on.
  expect((await topCandidates(page, '选择文件菜单中的[MASK]存命令。'))[0]).toBe('保');
  expect((await topCandidates(page, '请在对话框中输入密[MASK]。')).slice(0, 3)).toContain('码');
});

test('similar questions on the default model: ranked candidates, mostly close to the input, not all copies', async ({ page }) => {
  await openPlayground(page, undefined, { model: null });
  const input = '如何在表格中插入新的一行？';
  await page.getByTestId('tab-similar').click();
  await page.getByTestId('similar-input').fill(input);
  await page.getByTestId('similar-n').fill('16');
  await page.getByTestId('similar-seed').fill('3');
  await page.getByTestId('similar-run').click();
  const results = page.getByTestId('similar-results');
  await expect(results).toBeVisible({ timeout: 180_000 });
  const rows = results.getByTestId('similar-result');
  const scores = (await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-score')))));
  expect(scores.length).toBeGreaterThan(2);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  // A trained similarity pool puts its best rewrites close to the input.
  expect(scores[0]!).toBeGreaterThan(0.5);
  const texts = await rows.locator('.token').allTextContents();
  const bare = (t: string) => t.replace(/[？?。，,\s]/g, '');
  expect(texts.some((t) => bare(t) !== bare(input))).toBe(true);
  // The generator rewrites the question rather than writing anything: most of the best
  // candidates share a word (two characters in a row) with it.
  const bigrams = new Set([...bare(input)].slice(1).map((c, i) => bare(input)[i]! + c));
  const related = texts.slice(0, 3).filter((t) => [...bare(t)].slice(1).some((c, i) => bigrams.has(bare(t)[i]! + c)));
  expect(related.length, `top candidates: ${texts.slice(0, 3).join(' / ')}`).toBeGreaterThanOrEqual(2);
});

test('segmentation and spans run on the default model', async ({ page }) => {
  await openPlayground(page, undefined, { model: null });
  const sentence = '打开文件菜单选择保存命令';
  await page.getByTestId('tab-segmentation').click();
  await page.getByTestId('seg-input').fill(sentence);
  await page.getByTestId('seg-run').click();
  await expect(page.getByTestId('seg-result')).toBeVisible({ timeout: 120_000 });
  const words = await page.getByTestId('segment').allTextContents();
  expect(words.join('')).toBe(sentence);
  expect(words.length).toBeGreaterThan(2);
  expect(words.length).toBeLessThan([...sentence].length);

  await page.getByTestId('tab-spans').click();
  await expect(page.getByTestId('spans-no-head')).toHaveCount(0);
  // The span head was trained on the UI terms LibreOffice's help marks with 「」: a menu name.
  await page.getByTestId('spans-input').fill('选择格式菜单中的字符命令，打开字符对话框。');
  await page.getByTestId('spans-run').click();
  await expect(page.getByTestId('spans-text')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('spans-legend-item')).toHaveText([/^ui_term \(\d+\)$/]);
  const found = await page.getByTestId('span-row').evaluateAll((rows) => rows.map((r) => r.querySelector('.token')!.textContent!));
  expect(found).toContain('格式');
});

test('another bundled model can be picked, the address remembers it, and an unknown one is reported', async ({ page }) => {
  await openPlayground(page, undefined, { model: null });
  // The linear-attention twin: same shape, attention "linear", and it fills masks too.
  await page.getByTestId('bundled-select').selectOption('default-linear');
  await page.getByTestId('load-bundled').click();
  await expect(page.getByTestId('model-name')).toHaveText(index[1]!.name, { timeout: 120_000 });
  await expect(page.getByTestId('model-summary')).toContainText('linear');
  expect(await topCandidates(page, '选择文件菜单中的[MASK]存命令。')).toHaveLength(5);
  await page.getByTestId('bundled-select').selectOption('tiny-fixture');
  await page.getByTestId('load-bundled').click();
  await expect(page.getByTestId('model-layers')).toHaveText('2', { timeout: 120_000 });
  expect(new URL(page.url()).searchParams.get('model')).toBe('tiny-fixture');
  await page.reload();
  await expect(page.getByTestId('model-layers')).toHaveText('2', { timeout: 120_000 });

  await page.goto('./?model=bert-large');
  await expect(page.getByTestId('model-error')).toContainText('There is no bundled model "bert-large"', { timeout: 120_000 });
  await expect(page.getByTestId('model-name')).toHaveText(defaultModel.name);
});

test('Gibbs sampling and attributions run on the default model', async ({ page }) => {
  await openPlayground(page, undefined, { model: null });
  await page.getByTestId('tab-gibbs').click();
  await page.getByTestId('gibbs-length').fill('8');
  await page.getByTestId('gibbs-steps').fill('40');
  await page.getByTestId('gibbs-burnin').fill('10');
  await page.getByTestId('gibbs-chains').fill('2');
  await page.getByTestId('gibbs-run').click();
  await expect(page.getByTestId('gibbs-status')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const chains = page.getByTestId('gibbs-chain');
  await expect(chains).toHaveCount(2);
  // 40 steps over 8 positions leave no [MASK] behind.
  const tokens = await chains.first().getByTestId('gibbs-token').allTextContents();
  expect(tokens).toHaveLength(8);
  expect(tokens.join('')).not.toContain('[MASK]');

  await page.getByTestId('tab-attributions').click();
  await page.getByTestId('ig-input').fill('选择文件菜单中的[MASK]存命令。');
  await page.getByTestId('ig-target-token').fill('保');
  await page.getByTestId('ig-run').click();
  await expect(page.getByTestId('ig-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('ig-painted')).toHaveText('[CLS]选择文件菜单中的[MASK]存命令。[SEP]');
  // The model predicts 保 there, so F(x) is a log-probability well above that of a uniform guess.
  expect(Number(await page.getByTestId('ig-fx').textContent())).toBeGreaterThan(Math.log(1 / 7395));
});
