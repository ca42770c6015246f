// Our engine against onnxruntime-web on the same weights, side by side in one headless Chromium:
// builds the page (bench.html), serves it with vite preview (COOP/COEP, so ORT can use threads),
// and drives `window.benchPage` in a fresh browser context per pass and pair.
//
//   npm run bench -- --only ort            both benchmarks below
//   npm run bench -- --only ort-wasm       our wasm backend vs ORT wasm (1 and 2 threads)
//   npm run bench -- --only ort-webgpu     our WebGPU backend vs ORT's WebGPU EP
// Flags: --ort-model default|fixture|all (default: default), --ort-onnx FILE, --ort-passes N
// (default 3), --ort-no-build (reuse the last build), --ort-port P (default 4391; the build lives
// in dist-ortbench/, or dist-ortbench-P/ for another port, so that runs on two ports can overlap).
//
// Models. `default` is the playground's bundled model: ours loads public/models/default/model.bpg,
// ORT loads an ONNX export of the same weights, train/work/export/default.onnx. When that file is
// missing, or was exported from a different .bpg (the sha256 in default.onnx.json beside it
// differs), it is made with
//   /usr/bin/python3 train/export_onnx.py --bpg public/models/default/model.bpg --out train/work/export/default.onnx
// (Python with PyTorch; $PYTHON overrides the interpreter). The export reads the .bpg itself, not
// a training checkpoint: the .bpg stores its matrices in float16, so only its own numbers give
// logits within 1e-4. --ort-onnx FILE uses another export instead (made the same way, by hand).
// `fixture` is tests/fixtures/hf-tiny-bert-zh and its transformers export: the harness's own
// correctness reference (e2e/bench-harness.spec.ts runs on it).
//
// JSON keys (--json): for the default model forward_vs_ort_{wasm,webgpu}_{b1l16,b8l64,b1l128},
// similar_vs_ort_wasm, similar_recompute_vs_ort_wasm, perturbed_vs_ort_{wasm,webgpu}; the fixture
// run gives the same keys with the suffix `_fixture` (forward_vs_ort_wasm_b8l64_fixture, …).
// Each result carries `model` (name and shape).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, resolveChromium } from '../e2e/chromium';
import { flagString, parseArgs } from '../src/cli/args';
import { bestBy, compare, sideStats, type Comparison } from '../src/bench/aggregate';
import { shapeKey, shapeLabel } from '../src/bench/inputs';
import {
  BENCH_MODEL_PATHS,
  type BenchModelId,
  type BenchPageApi,
  type CheckReport,
  type EnvReport,
  type ForwardShape,
  type ModelReport,
  type PairSpec,
  type PerturbedReport,
  type ProfileReport,
  type SetupReport,
  type SimilarReport,
} from '../src/bench/protocol';
import { registerBenchmarks, type BenchResult } from './benchmarks';

const DEFAULT_PORT = 4391;
const FORWARD_SHAPES: ForwardShape[] = [
  { batch: 1, length: 16 },
  { batch: 8, length: 64 },
  { batch: 1, length: 128 },
];

const DEFAULT_BPG = 'public/models/default/model.bpg';
const DEFAULT_ONNX = 'train/work/export/default.onnx';

interface Options {
  passes: number;
  build: boolean;
  port: number;
  /** The build served on `port`: a run on another port never rebuilds a directory a concurrent run serves. */
  outDir: string;
  models: BenchModelId[];
  /** An ONNX export of the default model's weights to use instead of DEFAULT_ONNX. */
  onnx: string | null;
}

function options(): Options {
  const args = parseArgs(['bench', ...process.argv.slice(2)]);
  const passes = Number(flagString(args, 'ort-passes') ?? 3);
  if (!Number.isInteger(passes) || passes < 1) throw new Error(`--ort-passes must be a whole number ≥ 1 (got ${flagString(args, 'ort-passes')}).`);
  const model = flagString(args, 'ort-model') ?? 'default';
  const models: Record<string, BenchModelId[]> = { default: ['default'], fixture: ['fixture'], all: ['default', 'fixture'] };
  if (!models[model]) throw new Error(`--ort-model must be default, fixture or all (got ${model}).`);
  const onnx = flagString(args, 'ort-onnx') ?? null;
  if (onnx && !existsSync(onnx)) throw new Error(`--ort-onnx ${onnx}: no such file. Make one with /usr/bin/python3 train/export_onnx.py --bpg ${DEFAULT_BPG} --out ${onnx}.`);
  const port = Number(flagString(args, 'ort-port') ?? DEFAULT_PORT);
  const outDir = port === DEFAULT_PORT ? 'dist-ortbench' : `dist-ortbench-${port}`;
  return { passes, build: !args.flags.has('ort-no-build'), port, outDir, models: models[model]!, onnx };
}

/** Result keys of the fixture run carry a suffix; the default model's are the plain names. */
const keyOf = (model: BenchModelId, key: string) => (model === 'fixture' ? `${key}_fixture` : key);

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const say = (line: string) => process.stdout.write(`  ${line}\n`);

let built: Promise<void> | null = null;
function buildPage(opts: Options): Promise<void> {
  built ??= (async () => {
    if (!opts.build && existsSync(`${opts.outDir}/bench.html`)) return;
    say(`building the page into ${opts.outDir}/ ...`);
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', opts.outDir, '--logLevel', 'warn'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status}); run \`npx vite build --outDir ${opts.outDir}\` to see why.`);
  })();
  return built;
}

/** The default model's ONNX export: --ort-onnx, or DEFAULT_ONNX, exported again if missing or stale. */
function defaultOnnx(opts: Options): string {
  if (opts.onnx) {
    say(`default model: ORT loads ${opts.onnx} (--ort-onnx); ours loads ${DEFAULT_BPG}`);
    return opts.onnx;
  }
  if (!existsSync(DEFAULT_BPG)) throw new Error(`${DEFAULT_BPG} is missing: the default model is not bundled in this checkout.`);
  const digest = sha256(DEFAULT_BPG);
  const stampPath = `${DEFAULT_ONNX}.json`;
  const stamp = existsSync(stampPath) ? (JSON.parse(readFileSync(stampPath, 'utf8')) as { source_sha256?: string }) : null;
  if (existsSync(DEFAULT_ONNX) && stamp?.source_sha256 === digest) {
    say(`default model: ORT loads ${DEFAULT_ONNX}, exported from ${DEFAULT_BPG} (sha256 ${digest.slice(0, 12)})`);
    return DEFAULT_ONNX;
  }
  const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const args = ['train/export_onnx.py', '--bpg', DEFAULT_BPG, '--out', DEFAULT_ONNX];
  say(`exporting the default model to ONNX: ${python} ${args.join(' ')}`);
  const r = spawnSync(python, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${python} train/export_onnx.py failed (exit ${r.status ?? r.error?.message}). It needs Python with PyTorch (set $PYTHON); or pass --ort-onnx FILE with an export of ${DEFAULT_BPG}, or run --ort-model fixture.`);
  }
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { source_sha256: string };
  if (report.source_sha256 !== digest) throw new Error(`${DEFAULT_BPG} changed during the export; run the benchmark again.`);
  writeFileSync(stampPath, `${JSON.stringify(report, null, 2)}\n`);
  return DEFAULT_ONNX;
}

/** Puts the default model's two files into the build, where the page fetches them (BENCH_MODEL_PATHS). */
function stageDefaultModel(opts: Options): void {
  const onnx = defaultOnnx(opts);
  // The build copied public/ when it was made: copy the .bpg again so that --ort-no-build never pairs a new export with an old .bpg.
  for (const [from, to] of [[DEFAULT_BPG, BENCH_MODEL_PATHS.default.bpg], [onnx, BENCH_MODEL_PATHS.default.onnx]] as const) {
    const target = join(opts.outDir, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(from, target);
  }
}

async function waitForServer(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with code ${server.exitCode}; is the port already in use? Try --ort-port.`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`vite preview did not answer at ${url} within 60 s.`);
}

/** Serves the build and launches Chromium for `fn`; both are stopped afterwards, whatever happens. */
async function withBrowser<T>(opts: Options, model: BenchModelId, fn: (browser: Browser, pageUrl: string) => Promise<T>): Promise<T> {
  await buildPage(opts);
  if (model === 'default') stageDefaultModel(opts);
  const base = `http://127.0.0.1:${opts.port}`;
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(opts.port), '--strictPort', '--outDir', opts.outDir], {
    stdio: 'ignore',
  });
  let browser: Browser | null = null;
  try {
    await waitForServer(`${base}/bench.html`, server);
    browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS, headless: true });
    return await fn(browser, `${base}/bench.html`);
  } finally {
    await browser?.close();
    server.kill('SIGTERM');
  }
}

type Api = BenchPageApi;
type Result<K extends keyof Api> = Awaited<ReturnType<Api[K]>>;

async function call<K extends keyof Api>(page: Page, method: K, ...args: Parameters<Api[K]>): Promise<Result<K>> {
  return (await page.evaluate(
    ({ method, args }) => {
      const api = window.benchPage;
      if (!api) throw new Error('window.benchPage is missing: the page did not start.');
      return (api[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    },
    { method, args: args as unknown[] },
  )) as Result<K>;
}

/** A fresh context (no shared cache, compiled wasm or GPU device) holding one page with one pair. */
async function withPair<T>(browser: Browser, url: string, spec: PairSpec, fn: (page: Page, setup: SetupReport) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => window.benchPage !== undefined, undefined, { timeout: 60_000 });
    const setup = await call(page, 'setup', spec);
    const out = await fn(page, setup);
    if (errors.length) throw new Error(`The benchmark page threw: ${errors.join('; ')}`);
    return out;
  } finally {
    await context.close();
  }
}

async function checked(page: Page, shape: ForwardShape, model: BenchModelId): Promise<CheckReport> {
  const c = await call(page, 'check', shape);
  if (!c.ok) {
    const hint = model === 'default' ? ` Is the ONNX file an export of ${DEFAULT_BPG} itself (train/export_onnx.py --bpg), not of a training checkpoint?` : '';
    throw new Error(`${shapeLabel(shape)}: our logits and ORT's differ by ${c.maxAbsDiff} (> ${c.tolerance}); not timing a wrong answer.${hint}`);
  }
  return c;
}

interface PeerRuns {
  threads: number;
  /** Our wasm backend's threads in these pairs (1 on WebGPU, where it does not apply). */
  oursThreads: number;
  setup: SetupReport;
  forward: Map<string, number[][]>; // shape key → per-pass peer times
  oursForward: Map<string, number[][]>;
  similar: SimilarReport[];
  perturbed: PerturbedReport[];
}

function push(map: Map<string, number[][]>, key: string, times: number[]): void {
  map.set(key, [...(map.get(key) ?? []), times]);
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(ms >= 10 ? 1 : 2);
}

function printProfile(p: ProfileReport): void {
  say(`profile ours/${p.backend} ${p.workload}: wall ${fmt(p.wallMs)} ms, kernels ${fmt(p.kernelMs)} ms in ${p.kernelCalls} calls (${p.timerNote})`);
  for (const k of p.kernels.slice(0, 6)) say(`    ${k.name.padEnd(48)} ${fmt(k.totalMs).padStart(8)} ms ×${k.calls}`);
}

/** The profile of one workload, compact, for the JSON results. */
function profileSummary(profiles: ProfileReport[], workload: string): Record<string, unknown> | null {
  const p = profiles.find((x) => x.workload === workload);
  if (!p) return null;
  return { wall_ms: p.wallMs, kernel_ms: p.kernelMs, kernel_calls: p.kernelCalls, top: p.kernels.slice(0, 6).map((k) => ({ kernel: k.name, ms: k.totalMs, calls: k.calls })) };
}

interface Row {
  key: string;
  label: string;
  cmp: Comparison;
  peerLabel: string;
  maxAbsDiff: number;
}

/** Our side of a row: the backend, and on wasm the thread count of the pair it was best in. */
function oursLabel(backend: string, best: { oursThreads: number }, pairs: number): string {
  return backend === 'wasm' ? `${backend} ×${best.oursThreads}${pairs > 1 ? ' (best)' : ''}` : backend;
}

function modelLine(m: ModelReport): string {
  return `${m.id} model "${m.name}" (${m.format}): ${m.layers} layers, hidden ${m.hidden}, ${m.heads} heads, FFN ${m.intermediate}, vocab ${m.vocab}, ${(m.parameters / 1e6).toFixed(2)} M parameters; sentence vectors: ${m.pooling}`;
}

function printTable(env: EnvReport, model: ModelReport, rows: Row[], load: [number, number]): void {
  say('');
  say(modelLine(model));
  say(`engine (tfjs ${env.tfjsVersion}) vs onnxruntime-web ${env.ortVersion}; ${env.userAgent.match(/(Headless)?Chrom(e|ium)\/[\d.]+/)?.[0] ?? env.userAgent}`);
  say(`adapter: ${env.adapter ?? 'none'}; crossOriginIsolated ${env.crossOriginIsolated}; ${env.hardwareConcurrency} logical cores; load average ${load[0].toFixed(1)} → ${load[1].toFixed(1)}`);
  say(`${'workload'.padEnd(32)}${'ours median (min) ms'.padStart(22)}  ${'peer'.padEnd(22)}${'median (min) ms'.padStart(18)}${'ratio'.padStart(8)}${'max|Δ|'.padStart(10)}`);
  for (const r of rows) {
    const o = `${fmt(r.cmp.ours.medianMs)} (${fmt(r.cmp.ours.minMs)})`;
    const p = `${fmt(r.cmp.peer.medianMs)} (${fmt(r.cmp.peer.minMs)})`;
    say(`${r.label.padEnd(32)}${o.padStart(22)}  ${r.peerLabel.padEnd(22)}${p.padStart(18)}${r.cmp.ratio.toFixed(2).padStart(7)}x${r.maxAbsDiff.toExponential(1).padStart(10)}`);
  }
  say('ratio = peer median / our median (above 1: we are faster); every time includes reading the logits back.');
}

function resultOf(row: Row, env: EnvReport, extra: Record<string, unknown>): BenchResult {
  return {
    ratio: row.cmp.ratio,
    ours_ms: row.cmp.ours.medianMs,
    peer_ms: row.cmp.peer.medianMs,
    ours_min_ms: row.cmp.ours.minMs,
    peer_min_ms: row.cmp.peer.minMs,
    ratio_of_minimums: row.cmp.ratioOfMinimums,
    ours_pass_medians_ms: row.cmp.ours.passMediansMs,
    peer_pass_medians_ms: row.cmp.peer.passMediansMs,
    runs: row.cmp.ours.runs,
    max_abs_diff: row.maxAbsDiff,
    adapter: env.adapter ?? 'none',
    tfjs: env.tfjsVersion,
    ort: env.ortVersion,
    ...extra,
    note: `${row.label}, ${row.peerLabel}`,
  };
}

async function pageEnv(browser: Browser, url: string): Promise<EnvReport> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => window.benchPage !== undefined);
    return await call(page, 'env');
  } finally {
    await context.close();
  }
}

interface Plan {
  ours: 'wasm' | 'webgpu';
  peer: 'ort-wasm' | 'ort-webgpu';
  threadOptions: number[];
  warmup: number;
  reps: number;
  similar: boolean;
  perturbed: boolean;
  /** Timed runs per pass of each end-to-end workload (after one warm-up). */
  endToEndReps: number;
}

async function runPlan(plan: Plan): Promise<Record<string, BenchResult>> {
  const opts = options();
  const results: Record<string, BenchResult> = {};
  for (const model of opts.models) Object.assign(results, await runPlanOn(plan, model, opts));
  return results;
}

async function runPlanOn(plan: Plan, modelId: BenchModelId, opts: Options): Promise<Record<string, BenchResult>> {
  const load0 = loadavg()[0]!;
  return withBrowser(opts, modelId, async (browser, url) => {
    const env = await pageEnv(browser, url);
    const diffs = new Map<string, number>();
    const profileLog: ProfileReport[] = [];
    let model: ModelReport | null = null;
    // Placement and per-kernel profile in their own context: verbose logging must not be timed.
    await withPair(browser, url, { ours: plan.ours, peer: plan.peer, threads: plan.threadOptions[0]!, logPlacement: true, model: modelId }, async (page, setup) => {
      model = setup.model;
      say(modelLine(setup.model));
      const c = await checked(page, FORWARD_SHAPES[0]!, modelId);
      const placement = setup.peer.placement ? Object.entries(setup.peer.placement).map(([ep, n]) => `${ep} ${n}`).join(', ') : 'not reported';
      say(`${plan.peer}: EP ${setup.peer.executionProviders.join(',')}, node placement: ${placement}; webgpu device set: ${setup.peer.webgpuDevice ?? 'n/a'}; first check ${c.maxAbsDiff.toExponential(2)}`);
      say(`ours: ${setup.ours.backend} (${setup.ours.reason}), ${setup.ours.threads} thread(s); adapter ${setup.ours.adapter ?? 'none'}`);
      const profiles = [];
      for (const shape of FORWARD_SHAPES) profiles.push(await call(page, 'profile', shape));
      if (plan.perturbed) profiles.push(await call(page, 'profile', 'perturbed'));
      profiles.forEach(printProfile);
      profileLog.push(...profiles);
    });
    const runs = new Map<number, PeerRuns>();
    for (let pass = 0; pass < opts.passes; pass++) {
      const order = pass % 2 === 0 ? plan.threadOptions : [...plan.threadOptions].reverse();
      for (const threads of order) {
        // On wasm both sides get the same thread count in a pair, and each its best pair below.
        const spec: PairSpec = { ours: plan.ours, peer: plan.peer, threads, oursThreads: plan.ours === 'wasm' ? threads : undefined, model: modelId };
        await withPair(browser, url, spec, async (page, setup) => {
          const r: PeerRuns = runs.get(threads) ?? { threads, oursThreads: setup.ours.threads, setup, forward: new Map(), oursForward: new Map(), similar: [], perturbed: [] };
          runs.set(threads, r);
          for (const shape of FORWARD_SHAPES) {
            const c = await checked(page, shape, modelId);
            diffs.set(shapeKey(shape), Math.max(diffs.get(shapeKey(shape)) ?? 0, c.maxAbsDiff));
            const t = await call(page, 'timeForward', shape, plan.warmup, plan.reps, pass % 2 === 1);
            push(r.forward, shapeKey(shape), t.peer);
            push(r.oursForward, shapeKey(shape), t.ours);
          }
          if (plan.similar) r.similar.push(await call(page, 'timeSimilar', plan.endToEndReps, pass % 2 === 1));
          if (plan.perturbed) r.perturbed.push(await call(page, 'timePerturbed', plan.endToEndReps, pass % 2 === 1));
          say(`pass ${pass + 1}/${opts.passes}, ORT ×${threads}: done`);
        });
      }
    }

    const all = [...runs.values()];
    const rows: Row[] = [];
    const results: Record<string, BenchResult> = {};
    const m = model as ModelReport | null; // set by the first page, which ran before any timing
    if (!m) throw new Error('The benchmark page reported no model.');
    const modelInfo = { model: { id: m.id, name: m.name, format: m.format, layers: m.layers, hidden: m.hidden, heads: m.heads, vocab: m.vocab, parameters: m.parameters } };
    const peerName = plan.peer === 'ort-wasm' ? 'ORT wasm' : 'ORT webgpu';
    for (const shape of FORWARD_SHAPES) {
      const k = shapeKey(shape);
      // Each side's best thread count, as a user would set it for this workload.
      const oursBest = bestBy(all, (r) => sideStats(r.oursForward.get(k)!).medianMs);
      const ours = oursBest.oursForward.get(k)!;
      const best = bestBy(all, (r) => sideStats(r.forward.get(k)!).medianMs);
      const row: Row = {
        key: keyOf(modelId, `forward_vs_${plan.peer.replace('-', '_')}_${k}`),
        label: `forward ${shapeLabel(shape)} ${oursLabel(plan.ours, oursBest, all.length)}`,
        cmp: compare(ours, best.forward.get(k)!),
        peerLabel: `${peerName} ×${best.threads}${all.length > 1 ? ' (best)' : ''}`,
        maxAbsDiff: diffs.get(k)!,
      };
      rows.push(row);
      const perThreads = Object.fromEntries(all.flatMap((r) => [
        [`peer_ms_${r.threads}_threads`, sideStats(r.forward.get(k)!).medianMs],
        [`ours_ms_${r.oursThreads}_threads`, sideStats(r.oursForward.get(k)!).medianMs],
      ]));
      results[row.key] = resultOf(row, env, { ...modelInfo, ours_backend: plan.ours, ours_threads: oursBest.oursThreads, peer_threads: best.threads, ...perThreads, ours_profile: profileSummary(profileLog, `forward ${shapeLabel(shape)}`) });
    }
    if (plan.similar) {
      const best = bestBy(all, (r) => sideStats(r.similar.map((s) => s.peer)).medianMs);
      const oursBest = bestBy(all, (r) => sideStats(r.similar.map((s) => s.ours)).medianMs);
      const recomputeBest = bestBy(all, (r) => sideStats(r.similar.map((s) => s.oursRecompute)).medianMs);
      const ours = oursBest.similar.map((s) => s.ours);
      const recompute = recomputeBest.similar.map((s) => s.oursRecompute);
      const same = all.every((r) => r.similar.every((s) => s.sameRanking));
      const sameRecompute = all.every((r) => r.similar.every((s) => s.recomputeSameRanking));
      const shared = Math.min(...all.flatMap((r) => r.similar.map((s) => s.sharedTop)));
      const networkDiff = Math.max(...all.flatMap((r) => r.similar.flatMap((s) => [s.maxLogitDiff, s.maxVectorDiff])));
      const sample = all[0]!.similar[0]!;
      const row: Row = {
        key: keyOf(modelId, 'similar_vs_ort_wasm'),
        label: `similar ×${sample.candidates} ${oursLabel(plan.ours, oursBest, all.length)}`,
        cmp: compare(ours, best.similar.map((s) => s.peer)),
        peerLabel: `${peerName} ×${best.threads}${all.length > 1 ? ' (best)' : ''}`,
        maxAbsDiff: networkDiff,
      };
      rows.push(row);
      const agreement = { ...modelInfo, pooling: m.pooling, same_ranking: same, shared_top: shared, same_ranking_without_cache: sameRecompute, peer_threads: best.threads };
      results[row.key] = resultOf(row, env, { ...agreement, ours_threads: oursBest.oursThreads, ours_algorithm: 'the app task: UniLM sampling with a KV cache', peer_algorithm: 'full sequence every step (the export has no KV inputs)' });
      const same_algorithm: Row = {
        ...row, key: keyOf(modelId, 'similar_recompute_vs_ort_wasm'), label: `similar, no KV cache ${oursLabel(plan.ours, recomputeBest, all.length)}`,
        cmp: compare(recompute, best.similar.map((s) => s.peer)),
      };
      rows.push(same_algorithm);
      results[same_algorithm.key] = resultOf(same_algorithm, env, { ...agreement, ours_threads: recomputeBest.oursThreads, ours_algorithm: 'full sequence every step, as the peer' });
      say(`similar: networks agree to ${networkDiff.toExponential(1)}; no-cache recipe ranks as the peer: ${sameRecompute}; the task's top ${sample.peerTop.length} shares ≥ ${shared} with the peer's (one flipped draw shifts all later ones)`);
    }
    if (plan.perturbed) {
      const best = bestBy(all, (r) => sideStats(r.perturbed.map((s) => s.peer)).medianMs);
      const oursBest = bestBy(all, (r) => sideStats(r.perturbed.map((s) => s.ours)).medianMs);
      const sample = all[0]!.perturbed[0]!;
      const row: Row = {
        key: keyOf(modelId, `perturbed_vs_${plan.peer.replace('-', '_')}`),
        label: `perturbed masking ${sample.tokens} tok ${oursLabel(plan.ours, oursBest, all.length)}`,
        cmp: compare(oursBest.perturbed.map((s) => s.ours), best.perturbed.map((s) => s.peer)),
        peerLabel: `${peerName} ×${best.threads}${all.length > 1 ? ' (best)' : ''}`,
        maxAbsDiff: Math.max(...all.flatMap((r) => r.perturbed.map((s) => s.maxAbsDiff))),
      };
      rows.push(row);
      results[row.key] = resultOf(row, env, {
        ...modelInfo,
        copies: sample.copies, batches: sample.batches, batch_size: sample.batchSize, peer_threads: best.threads, ours_threads: oursBest.oursThreads,
        peer_graph: 'the export without its MLM head, last hidden state as output', max_abs_diff_unit: 'impact (Euclidean distance)',
        ours_profile: profileSummary(profileLog, 'perturbed masking'),
      });
    }
    printTable(env, m, rows, [load0, loadavg()[0]!]);
    return results;
  });
}

registerBenchmarks([
  {
    name: 'ort-wasm',
    run: () => runPlan({ ours: 'wasm', peer: 'ort-wasm', threadOptions: [1, 2], warmup: 3, reps: 10, similar: true, perturbed: true, endToEndReps: 2 }),
  },
  {
    // WebGPU on a software adapter takes seconds per B8×L64 run: fewer repetitions.
    name: 'ort-webgpu',
    run: () => runPlan({ ours: 'webgpu', peer: 'ort-webgpu', threadOptions: [1], warmup: 1, reps: 3, similar: false, perturbed: true, endToEndReps: 1 }),
  },
]);
