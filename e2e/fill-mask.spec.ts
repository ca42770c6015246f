import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openPlayground } from './helpers';

const FIXTURE = 'tests/fixtures/hf-tiny-bert-zh';
const vocab = readFileSync(`${FIXTURE}/vocab.txt`, 'utf8').split('\n');

interface MaskLogits { batch: number; position: number; logits: number[] }
const reference = JSON.parse(readFileSync('tests/fixtures/reference/tiny-bert-zh-reference.json', 'utf8')) as {
  cases: { id: string; texts: string[]; outputs: { mlm_logits_at_mask?: MaskLogits[] } }[];
};
const maskCase = reference.cases.find((c) => c.id === 'mask_two')!;

/** Top-5 tokens and probabilities per mask from the Hugging Face reference logits. */
function expectedTop5(): { token: string; p: number }[][] {
  return maskCase.outputs.mlm_logits_at_mask!.map(({ logits }) => {
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return logits
      .map((_, i) => i)
      .sort((a, b) => logits[b]! - logits[a]!)
      .slice(0, 5)
      .map((i) => ({ token: vocab[i]!, p: exps[i]! / sum }));
  });
}

async function loadFixtureThroughFileInput(page: Page, weights: string, format: string) {
  await page.getByTestId('file-input').setInputFiles([`${FIXTURE}/config.json`, `${FIXTURE}/vocab.txt`, `${FIXTURE}/${weights}`]);
  await expect(page.getByTestId('model-format')).toHaveText(format, { timeout: 120_000 });
}

async function predictAndCheck(page: Page) {
  await page.getByTestId('tab-fill-mask').click();
  await page.getByTestId('fill-mask-input').fill(maskCase.texts[0]!);
  await page.getByTestId('fill-mask-run').click();
  const result = page.getByTestId('fill-mask-result');
  await expect(result).toBeVisible({ timeout: 120_000 });
  const tables = result.locator('table.candidates');
  await expect(tables).toHaveCount(2);
  const expected = expectedTop5();
  for (let m = 0; m < 2; m++) {
    const rows = tables.nth(m).locator('tbody tr');
    await expect(rows).toHaveCount(5);
    for (let k = 0; k < 5; k++) {
      await expect(rows.nth(k).locator('.token')).toHaveText(expected[m]![k]!.token);
      const shown = Number((await rows.nth(k).locator('.num').textContent())!.replace('%', ''));
      expect(Math.abs(shown - expected[m]![k]!.p * 100)).toBeLessThanOrEqual(0.051);
    }
  }
}

for (const [weights, format] of [
  ['model.safetensors', 'huggingface-safetensors'],
  ['pytorch_model.bin', 'huggingface-pytorch'],
] as const) {
  test(`fill-mask on WebGPU matches Hugging Face after loading ${weights} through the file input`, async ({ page }) => {
    await openPlayground(page, 'webgpu');
    await loadFixtureThroughFileInput(page, weights, format);
    await expect(page.getByTestId('model-summary')).toContainText('webgpu');
    await predictAndCheck(page);
  });
}

test('a truncated weight file gives a clear error and the previous model stays usable', async ({ page }) => {
  await openPlayground(page);
  const full = readFileSync(`${FIXTURE}/model.safetensors`);
  await page.getByTestId('file-input').setInputFiles([
    { name: 'config.json', mimeType: 'application/json', buffer: readFileSync(`${FIXTURE}/config.json`) },
    { name: 'vocab.txt', mimeType: 'text/plain', buffer: readFileSync(`${FIXTURE}/vocab.txt`) },
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: full.subarray(0, full.length >> 1) },
  ]);
  await expect(page.getByTestId('model-error')).toContainText(/truncated/i);
  await expect(page.getByTestId('model-summary')).toBeVisible();
  await predictAndCheck(page);
});

test('text over the length limit is refused with a message', async ({ page }) => {
  await openPlayground(page);
  await page.getByTestId('fill-mask-input').fill(`${'很'.repeat(300)}[MASK]`);
  await page.getByTestId('fill-mask-run').click();
  await expect(page.getByTestId('fill-mask-error')).toContainText('at most 128');
});
