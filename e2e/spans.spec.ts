// The Spans tab: the fixture model plus a seeded random Efficient GlobalPointer head (built here
// as a safetensors file with a config.json naming the labels) loaded through the file input;
// labelled spans are drawn under the text on the default backend and on WebGPU, and both agree.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openPlayground } from './helpers';

const FIXTURE = 'tests/fixtures/hf-tiny-bert-zh';
const LABELS = ['ui_term', 'menu'];
const HEAD_SIZE = 16;
const TEXT = '在工具菜单中选择选项，然后打开语言设置对话框。';

/** Uniform values with the given mean and spread from a 32-bit LCG (deterministic). */
function seeded(n: number, seed: number, mean: number, spread: number): Buffer {
  let s = seed >>> 0;
  const out = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.writeFloatLE(mean + (s / 2 ** 32 * 2 - 1) * spread, i * 4);
  }
  return out;
}

/** The fixture's model.safetensors with span_head.* tensors appended, and its config naming the labels. */
function modelWithSpanHead(): { weights: Buffer; config: Buffer } {
  const full = readFileSync(`${FIXTURE}/model.safetensors`);
  const headerLen = Number(full.readBigUInt64LE(0));
  const header = JSON.parse(full.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  const data = full.subarray(8 + headerLen);
  const hidden = 64;
  const types = LABELS.length;
  // Biases shifted down so that only the higher-scoring pairs clear the default threshold 0.
  const extra: [string, number[], Buffer][] = [
    ['span_head.dense.weight', [2 * HEAD_SIZE, hidden], seeded(2 * HEAD_SIZE * hidden, 1, 0, 0.26)],
    ['span_head.dense.bias', [2 * HEAD_SIZE], seeded(2 * HEAD_SIZE, 2, 0, 0.5)],
    ['span_head.bias_dense.weight', [2 * types, hidden], seeded(2 * types * hidden, 3, 0, 0.3)],
    ['span_head.bias_dense.bias', [2 * types], seeded(2 * types, 4, -3.5, 0.5)],
  ];
  let offset = data.length;
  for (const [name, shape, bytes] of extra) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(headerBytes.length));
  const config = JSON.parse(readFileSync(`${FIXTURE}/config.json`, 'utf8')) as Record<string, unknown>;
  config.span_head = { labels: LABELS, head_size: HEAD_SIZE, type: 'efficient_global_pointer' };
  return {
    weights: Buffer.concat([size, headerBytes, data, ...extra.map((e) => e[2])]),
    config: Buffer.from(JSON.stringify(config), 'utf8'),
  };
}

interface Row { label: string; start: number; end: number; text: string; score: number }

async function loadWithSpanHead(page: Page): Promise<void> {
  const { weights, config } = modelWithSpanHead();
  await page.getByTestId('file-input').setInputFiles([
    { name: 'config.json', mimeType: 'application/json', buffer: config },
    { name: 'vocab.txt', mimeType: 'text/plain', buffer: readFileSync(`${FIXTURE}/vocab.txt`) },
    { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: weights },
  ]);
  await expect(page.getByTestId('model-name')).toHaveText('model.safetensors', { timeout: 120_000 });
}

async function readRows(page: Page): Promise<Row[]> {
  return page.getByTestId('span-row').evaluateAll((rows) =>
    rows.map((r) => ({
      label: r.getAttribute('data-label')!,
      start: Number(r.getAttribute('data-start')),
      end: Number(r.getAttribute('data-end')),
      text: r.querySelector('.token')!.textContent!,
      score: Number(r.getAttribute('data-score')),
    })),
  );
}

/** Runs the tab on TEXT and checks what is drawn; returns the listed spans. */
async function runAndCheck(page: Page): Promise<Row[]> {
  await page.getByTestId('tab-spans').click();
  await expect(page.getByTestId('spans-head-info')).toContainText('ui_term, menu');
  await page.getByTestId('spans-input').fill(TEXT);
  await page.getByTestId('spans-run').click();
  await expect(page.getByTestId('spans-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('spans-legend-item')).toHaveText([/^ui_term \(\d+\)$/, /^menu \(\d+\)$/]);

  const rows = await readRows(page);
  expect(rows.length).toBeGreaterThan(1);
  for (const r of rows) {
    expect(LABELS).toContain(r.label);
    expect(r.score).toBeGreaterThan(0);
    expect(r.text).toBe(TEXT.slice(r.start, r.end));
  }
  // Every listed span is underlined in the text (marks carry its label), except those past the
  // last lane, which the page counts.
  const marks = await page.getByTestId('span-mark').evaluateAll((ms) => ms.map((m) => ({ label: m.getAttribute('data-label')!, span: m.getAttribute('data-span')! })));
  const spansMarked = new Set(marks.map((m) => m.span));
  const more = page.getByTestId('spans-more-lanes');
  const undrawn = (await more.count()) > 0 ? Number(await more.getAttribute('data-count')) : 0;
  expect(spansMarked.size).toBeGreaterThan(1);
  expect(spansMarked.size + undrawn).toBe(rows.length);
  for (const m of marks) expect(LABELS).toContain(m.label);
  await expect(page.getByTestId('spans-text')).toHaveText(TEXT);

  // Hover shows the label and score.
  const first = page.getByTestId('span-mark').first();
  const label = await first.getAttribute('data-label');
  await first.hover();
  await expect(page.getByTestId('spans-hover')).toContainText(new RegExp(`^${label} · -?\\d+\\.\\d{3} · `));

  // A higher threshold hides the lower spans without running again.
  const high = [...rows].sort((a, b) => b.score - a.score)[Math.floor(rows.length / 2)]!.score;
  const cut = Math.floor(high * 10) / 10;
  await page.getByTestId('spans-threshold').fill(String(cut));
  await expect(page.getByTestId('spans-threshold-value')).toHaveText(cut.toFixed(1));
  const fewer = await readRows(page);
  expect(fewer.length).toBe(rows.filter((r) => r.score > cut).length);
  expect(fewer.length).toBeLessThan(rows.length);
  // Hiding a label in the legend hides its spans.
  await page.getByTestId('spans-threshold').fill('0');
  await page.getByTestId('spans-legend-item').filter({ hasText: 'menu' }).click();
  await expect(page.getByTestId('span-row')).toHaveCount(rows.filter((r) => r.label === 'ui_term').length);
  await page.getByTestId('spans-legend-item').filter({ hasText: 'menu' }).click();
  return rows;
}

test.describe.serial('spans tab', () => {
  const found: Record<string, Row[]> = {};

  test('a model without a span head: the tab says what is missing', async ({ page }) => {
    await openPlayground(page);
    await page.getByTestId('tab-spans').click();
    await expect(page.getByTestId('spans-no-head')).toContainText('span_head.dense.weight');
    await expect(page.getByTestId('spans-run')).toBeDisabled();
  });

  for (const backend of [undefined, 'webgpu'] as const) {
    test(`labelled spans are drawn over the text (${backend ?? 'default backend'})`, async ({ page }) => {
      await openPlayground(page, backend);
      await loadWithSpanHead(page);
      if (backend) await expect(page.getByTestId('model-summary')).toContainText(backend);
      found[backend ?? 'default'] = await runAndCheck(page);
    });
  }

  test('the default backend and WebGPU find the same spans', () => {
    const [a, b] = [found.default, found.webgpu];
    expect(a && b, 'both backend runs above must have passed').toBeTruthy();
    const key = (r: Row) => `${r.label}:${r.start}-${r.end}`;
    expect(b!.map(key).sort()).toEqual(a!.map(key).sort());
    const byKey = new Map(a!.map((r) => [key(r), r.score]));
    for (const r of b!) expect(Math.abs(r.score - byKey.get(key(r))!)).toBeLessThanOrEqual(1e-4);
  });

  test('text over the length limit is refused with a message', async ({ page }) => {
    await openPlayground(page);
    await loadWithSpanHead(page);
    await page.getByTestId('tab-spans').click();
    await page.getByTestId('spans-input').fill('很'.repeat(300));
    await page.getByTestId('spans-run').click();
    await expect(page.getByTestId('spans-error')).toContainText('at most 128');
  });
});
