import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openPlayground } from './helpers';

const FIXTURE = 'tests/fixtures/hf-tiny-bert-zh';
const reference = JSON.parse(readFileSync('tests/fixtures/reference/tiny-bert-zh-reference.json', 'utf8')) as {
  ig_cases: { id: string; texts: string[]; target_token: string; inputs: { tokens: string[][] }; float32: { F_x: number; rules: { trapezoid: { attributions: number[]; completeness_gap: number } } } }[];
};
const igCase = reference.ig_cases.find((c) => c.id === 'ig_single')!;

async function values(page: Page, testId: string): Promise<number[]> {
  return page.getByTestId(testId).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
}

test('attributions are painted over the original text, match the reference and show the completeness gap', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('tab-attributions').click();
  await page.getByTestId('ig-input').fill(igCase.texts[0]!);
  await page.getByTestId('ig-target-token').fill(igCase.target_token);
  await page.getByTestId('ig-run').click();
  const result = page.getByTestId('ig-result');
  await expect(result).toBeVisible({ timeout: 120_000 });
  // The painted line reads as the user's text, with [CLS]/[SEP] as chips around it.
  await expect(page.getByTestId('ig-painted')).toHaveText(`[CLS]${igCase.texts[0]}[SEP]`);
  const tokens = page.getByTestId('ig-token');
  await expect(tokens).toHaveCount(igCase.inputs.tokens[0]!.length);
  const shown = await values(page, 'ig-token');
  const want = igCase.float32.rules.trapezoid.attributions;
  shown.forEach((v, i) => expect(Math.abs(v - want[i]!), `token ${i}`).toBeLessThanOrEqual(2e-4));
  await expect(tokens.nth(1)).toHaveAttribute('title', /^北 #1: -?\d/);
  // F(x) and the gap beside the picture.
  await expect(page.getByTestId('ig-fx')).toHaveText(igCase.float32.F_x.toPrecision(4));
  const gap = Number(await page.getByTestId('ig-gap').getAttribute('data-value'));
  expect(Math.abs(gap - igCase.float32.rules.trapezoid.completeness_gap)).toBeLessThanOrEqual(2e-4);
  await expect(page.getByTestId('ig-gap')).toBeVisible();
  await expect(page.getByTestId('ig-bars').locator('rect')).toHaveCount(want.length);
  // Both exports produce files.
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ig-export-png').click()]);
  expect(png.suggestedFilename()).toBe('attributions.png');
  const bytes = readFileSync((await png.path())!);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ig-export-json').click()]);
  const saved = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { completenessGap: number };
  expect(saved.completenessGap).toBeCloseTo(gap, 12);
});

test('segmentation draws the impact heatmap, words that follow the threshold slider, and the tree', async ({ page }) => {
  const sentence = '今天天气很好我们一起去公园散步';
  const n = [...sentence].length;
  await openPlayground(page);
  await page.getByTestId('tab-segmentation').click();
  await page.getByTestId('seg-input').fill(sentence);
  await page.getByTestId('seg-run').click();
  await expect(page.getByTestId('seg-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('impact-cell')).toHaveCount(n * n);
  await expect(page.getByTestId('impact-cell').nth(1).locator('title')).toHaveText(/^f\(今#0, 天#1\) = \d/);
  const segments = page.getByTestId('segment');
  await expect(page.getByTestId('segments')).toHaveText(sentence.replace(/\s/g, ''));
  const atDefault = await segments.count();
  expect(atDefault).toBeGreaterThan(1);
  expect(atDefault).toBeLessThan(n);
  // The tree is built on the words at the default threshold: one leaf per word, a binary split per inner node.
  await expect(page.getByTestId('tree-leaf')).toHaveCount(atDefault);
  await expect(page.getByTestId('tree-node')).toHaveCount(atDefault - 1);
  expect((await page.getByTestId('tree-leaf').allTextContents()).join('')).toBe(sentence);
  // The slider re-segments on the page: at its top every token is a word, at its bottom one word.
  const slider = page.getByTestId('threshold-slider');
  await slider.fill(await slider.getAttribute('max') as string);
  await expect(segments).toHaveCount(n);
  await slider.fill(await slider.getAttribute('min') as string);
  await expect(segments).toHaveCount(1);
  await expect(segments.first()).toHaveText(sentence);
});

test('a model without an MLM head: Attributions says what is missing, Segmentation still works', async ({ page }) => {
  await openPlayground(page);
  // The fixture's safetensors with every cls.* tensor dropped from the header.
  const full = readFileSync(`${FIXTURE}/model.safetensors`);
  const headerLen = Number(full.readBigUInt64LE(0));
  const header = JSON.parse(full.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  for (const name of Object.keys(header)) if (name.startsWith('cls.')) delete header[name];
  const newHeader = Buffer.from(JSON.stringify(header), 'utf8');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(newHeader.length));
  await page.getByTestId('file-input').setInputFiles([
    { name: 'config.json', mimeType: 'application/json', buffer: readFileSync(`${FIXTURE}/config.json`) },
    { name: 'vocab.txt', mimeType: 'text/plain', buffer: readFileSync(`${FIXTURE}/vocab.txt`) },
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.concat([size, newHeader, full.subarray(8 + headerLen)]) },
  ]);
  await expect(page.getByTestId('model-summary')).toContainText(/MLM head\s*no/, { timeout: 120_000 });
  await page.getByTestId('tab-attributions').click();
  await expect(page.getByTestId('ig-no-mlm')).toContainText('cls.predictions');
  await expect(page.getByTestId('ig-run')).toBeDisabled();
  await page.getByTestId('tab-segmentation').click();
  await page.getByTestId('seg-input').fill('北京是中国的首都');
  await page.getByTestId('seg-run').click();
  await expect(page.getByTestId('impact-cell')).toHaveCount(64, { timeout: 120_000 });
});
