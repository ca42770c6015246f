// The WGSL kernels in real Chromium (WebGPU on SwiftShader when there is no GPU): kernels.html?verify
// runs every kernel at n = 1, 7, 64, 513 (d = 32, 64) and n = 2048 (d = 64) with padding and
// compares against the float64 references; any WebGPU error, NaN or leak fails a row.
import { expect, test } from '@playwright/test';
import type { VerifyResults } from '../src/kernels-page/protocol';

const KERNELS = [
  'linearAttention bidirectional', 'linearAttention causal', 'linearAttention unilm', 'linearAttentionStep vs causal',
  'globalPointerScores', 'globalPointerScores shared head + biases', 'pairDistance euclidean', 'pairDistance cosine',
];
const SHAPES: Array<[n: number, d: number]> = [[1, 32], [7, 32], [64, 32], [513, 32], [1, 64], [7, 64], [64, 64], [513, 64], [2048, 64]];
const TOLERANCE = 1e-5;

test('every WGSL kernel matches its float64 reference in Chromium, without WebGPU errors', async ({ page }) => {
  test.setTimeout(150_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto('./kernels.html?verify');
  const pre = page.locator('#results');
  await expect(pre).toBeAttached({ timeout: 140_000 });
  const results = JSON.parse((await pre.textContent())!) as VerifyResults;
  const replay = `(seed ${results.seed}; replay with kernels.html?verify&seed=${results.seed})`;

  expect(results.error, `the page could not run ${replay}`).toBeUndefined();
  expect(results.backend, 'the kernels must run on the WebGPU backend').toBe('webgpu');
  expect(results.adapter, 'a WebGPU adapter must be reported').not.toBeNull();
  expect(results.tolerance).toBe(TOLERANCE);
  expect(results.deviceWarning, 'tfjs must run on the device initBackend created').toBeUndefined();

  const ran = new Set(results.rows.map((r) => `${r.kernel} n=${r.n} d=${r.d}`));
  const expected = KERNELS.flatMap((k) => SHAPES.map(([n, d]) => `${k} n=${n} d=${d}`));
  expect(expected.filter((e) => !ran.has(e)), `cases that did not run ${replay}`).toEqual([]);
  expect(results.rows.length).toBeGreaterThanOrEqual(KERNELS.length * SHAPES.length);

  for (const r of results.rows) {
    const what = `${r.kernel} B=${r.batch} H=${r.heads} n=${r.n} d=${r.d}: maxRelErr=${r.maxRelErr} ` +
      `nonFinite=${r.nonFinite} sentinelMismatches=${r.sentinelMismatches} leaked=${r.leakedTensors} ` +
      `error=${r.error ?? 'none'} ${replay}`;
    expect(r.validationErrors, `WebGPU errors in ${what}`).toEqual([]);
    expect(r.error, what).toBeUndefined();
    expect(r.maxRelErr, what).toBeLessThanOrEqual(TOLERANCE);
    expect(r.ok, what).toBe(true);
  }
  // Exactly equal to the float64 references everywhere would mean the kernel output was not read.
  expect(Math.max(...results.rows.map((r) => r.maxRelErr)), replay).toBeGreaterThan(0);
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'done');
  expect(pageErrors, replay).toEqual([]);
});
