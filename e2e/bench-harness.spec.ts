// The benchmark page (bench.html) runs our engine and onnxruntime-web on the fixture model and
// refuses to time unless both give the same logits. Correctness of the harness only: no timing
// assertions here (timings live in `npm run bench -- --only ort`).
import { expect, test, type Page } from '@playwright/test';
import { BENCH_MODEL_PATHS, type BenchPageApi, type PairSpec } from '../src/bench/protocol';

type Api = BenchPageApi;

async function openBench(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('./bench.html');
  await page.waitForFunction(() => window.benchPage !== undefined, undefined, { timeout: 60_000 });
  return errors;
}

async function call<K extends keyof Api>(page: Page, method: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> {
  return (await page.evaluate(
    ({ method, args }) => (window.benchPage![method] as (...a: unknown[]) => Promise<unknown>)(...args),
    { method, args: args as unknown[] },
  )) as Awaited<ReturnType<Api[K]>>;
}

const B1L16 = { batch: 1, length: 16 };

test('wasm vs ORT wasm: same logits, and no timing before the check', async ({ page }) => {
  const errors = await openBench(page);
  const env = await call(page, 'env');
  expect(env.crossOriginIsolated).toBe(true);
  expect(env.ortVersion).toBe('1.30.0');

  const spec: PairSpec = { ours: 'wasm', peer: 'ort-wasm', threads: 1, logPlacement: true };
  const setup = await call(page, 'setup', spec);
  expect(setup.ours.backend).toBe('wasm');
  expect(setup.peer.executionProviders).toEqual(['wasm']);
  expect(setup.peer.placement).toEqual({ CPUExecutionProvider: expect.any(Number) });

  await expect(call(page, 'timeForward', B1L16, 0, 1, false)).rejects.toThrow(/has not been checked/);
  for (const shape of [B1L16, { batch: 4, length: 32 }]) {
    const check = await call(page, 'check', shape);
    expect(check.ok).toBe(true);
    expect(check.values).toBe(shape.batch * shape.length * 21128);
    expect(check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(check.maxAbsDiff).toBeGreaterThan(0); // two different runtimes: exact equality would mean one side was not run
  }
  const t = await call(page, 'timeForward', B1L16, 1, 2, true);
  expect(t.ours).toHaveLength(2);
  expect(t.peer).toHaveLength(2);
  expect([...t.ours, ...t.peer].every((ms) => ms > 0)).toBe(true);
  await expect(page.getByTestId('bench-log')).toContainText('max |Δlogit|');
  expect(errors).toEqual([]);
});

test('webgpu vs ORT WebGPU EP at B1×L16: the EP really runs the graph and the logits agree', async ({ page }) => {
  const errors = await openBench(page);
  const setup = await call(page, 'setup', { ours: 'webgpu', peer: 'ort-webgpu', threads: 1, logPlacement: true });
  expect(setup.ours.backend).toBe('webgpu');
  expect(setup.peer.executionProviders).toEqual(['webgpu']);
  expect(setup.peer.webgpuDevice).toBe(true);
  // Most nodes on the WebGPU EP; ORT keeps a few small shape computations on the CPU by design.
  const placement = setup.peer.placement!;
  expect(placement.WebGpuExecutionProvider).toBeGreaterThan(50);
  expect(placement.CPUExecutionProvider ?? 0).toBeLessThan(placement.WebGpuExecutionProvider!);
  const check = await call(page, 'check', B1L16);
  expect(check.ok).toBe(true);
  expect(check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  expect(errors).toEqual([]);
});

test('end-to-end workloads: both sides agree before similar questions and Perturbed Masking run', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = await openBench(page);
  await call(page, 'setup', { ours: 'wasm', peer: 'ort-wasm', threads: 1 });
  await expect(call(page, 'timeSimilar', 0, false)).rejects.toThrow(/check\(\)/);
  await call(page, 'check', B1L16);
  const r = await call(page, 'timeSimilar', 0, false); // warm-up runs only
  expect(r.maxLogitDiff).toBeLessThanOrEqual(1e-4);
  expect(r.maxVectorDiff).toBeLessThanOrEqual(1e-4);
  expect(r.oursTop.length).toBeGreaterThan(0);
  expect(r.peerTop).toHaveLength(r.oursRecomputeTop.length);

  const pm = await call(page, 'timePerturbed', 0, false);
  expect(pm.tokens).toBe(24);
  expect(pm.copies).toBe(24 + (24 * 23) / 2);
  expect(pm.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  expect(pm.maxAbsDiff).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('the page button checks and times a threaded ORT pair', async ({ page }) => {
  const errors = await openBench(page);
  await page.getByTestId('bench-pair').selectOption('wasm vs ORT wasm (2 threads)');
  await page.getByTestId('bench-run').click();
  const status = page.getByTestId('bench-status');
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(status).toContainText('ours median');
  await expect(page.getByTestId('bench-log')).toContainText('×2 threads');
  expect(errors).toEqual([]);
});

test('the default model: a build without its ONNX export says how to make one', async ({ page, request }) => {
  // The driver (npm run bench -- --only ort --ort-model default) puts the export into its own
  // build; an ordinary build has only the .bpg, which the page must still find.
  // vite preview answers a missing file with index.html (status 200).
  const isHtml = async (path: string) => (await request.get(`./${path}`)).headers()['content-type']?.includes('text/html') ?? true;
  test.skip(!(await isHtml(BENCH_MODEL_PATHS.default.onnx)), 'this build holds the default model\'s ONNX export');
  expect(await isHtml(BENCH_MODEL_PATHS.default.bpg)).toBe(false);
  const errors = await openBench(page);
  await expect(call(page, 'setup', { ours: 'wasm', peer: 'ort-wasm', threads: 1, model: 'default' })).rejects.toThrow(/--ort-model default/);
  expect(errors).toEqual([]);
});
