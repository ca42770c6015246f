// `npm run eval:model -- --model DIR [--json FILE] [--heldout-dir DIR] [--limit N]
//  [--backend wasm|cpu|webgpu] [--only mlm,segment,paraphrase,generation,linear]
//  [--linear-model DIR] [--seed S] [--segment-max-tokens T] [--gen-n N]`
//
// The playground's own quality numbers for a model, on the training pipeline's held-out data
// (train/work/heldout.txt and pairs_heldout.tsv):
//   mlm_top1/5                   masked-character accuracy (%), ~15% of CJK characters masked
//   segment_f1_vs_jieba          Perturbed-Masking word-boundary F1 (%) against jieba (no HMM)
//   segment_f1_all_cuts_baseline the same for cutting every gap (the number to beat)
//   paraphrase_retrieval_top1    % of held-out pairs whose partner is the nearest right side
//   generation_mean_cosine       mean cosine of similar-question top-5 to the input
//   generation_non_copy_share    % of that top-5 that is not the input up to punctuation/case
//   linear_mlm_top1              mlm_top1 of --linear-model, by default DIR-linear beside the model
//                                when it exists (null without one)
// A metric left out by --only is null.
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { flagString, parseArgs, type ParsedArgs } from '../src/cli/args';
import { CliError, filesFromDirectory, loadModelDir, startBackend } from '../src/cli/common';
import type { TaskContext } from '../src/tasks/context';
import { checkHeldoutFiles, readHeldoutPairs, readHeldoutSentences } from '../src/tasks/eval/heldout-files';
import { evaluateMlm } from '../src/tasks/eval/mlm-eval';
import { evaluateGeneration, evaluateParaphraseRetrieval, evaluateSegmentation } from '../src/tasks/eval/task-evals';
import { loadSession } from '../src/tasks/session';

const METRICS = ['mlm', 'segment', 'paraphrase', 'generation', 'linear'] as const;
type Metric = (typeof METRICS)[number];

function intFlag(args: ParsedArgs, name: string, fallback: number, min = 1): number {
  const v = flagString(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer ≥ ${min} (got "${v}").`);
  return n;
}

function chosenMetrics(args: ParsedArgs): Set<Metric> {
  const only = flagString(args, 'only');
  if (!only) return new Set(METRICS);
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(METRICS as readonly string[]).includes(n));
  if (bad.length) throw new CliError(`--only: unknown metric ${bad.join(', ')}; choose from ${METRICS.join(', ')}.`);
  return new Set(names as Metric[]);
}

function stderrContext(): TaskContext {
  return {
    signal: new AbortController().signal,
    progress: (done, total, unit, label) => process.stderr.write(`\r${label ?? ''} ${done}/${total} ${unit}   `),
  };
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const args = parseArgs(['eval-model', ...process.argv.slice(2)]);
  if (!flagString(args, 'model')) throw new CliError('--model DIR is required (a folder with config.json, vocab.txt and weights).');
  const metrics = chosenMetrics(args);
  // The linear-attention twin is looked up beside the model (public/models/default → default-linear).
  const besideLinear = `${flagString(args, 'model')!.replace(/\/+$/, '')}-linear`;
  const linearDir = flagString(args, 'linear-model') ?? (existsSync(join(besideLinear, 'config.json')) || existsSync(join(besideLinear, 'model.bpg')) ? besideLinear : undefined);
  if (flagString(args, 'only')?.split(',').includes('linear') && !linearDir) throw new CliError('--only linear needs --linear-model DIR.');
  const heldoutDir = flagString(args, 'heldout-dir') ?? 'train/work';
  const limit = intFlag(args, 'limit', 500);
  const seed = intFlag(args, 'seed', 1, 0);
  const needSentences = ['mlm', 'segment', 'generation'].some((m) => metrics.has(m as Metric)) || (metrics.has('linear') && !!linearDir);
  checkHeldoutFiles(heldoutDir, needSentences, metrics.has('paraphrase'));
  const report = await startBackend(args);
  const session = await loadModelDir(args);
  const ctx = stderrContext();
  const started = performance.now();
  const sentences = needSentences ? readHeldoutSentences(heldoutDir, limit) : [];

  const result: Record<string, number | null> = {
    mlm_top1: null, mlm_top5: null, segment_f1_vs_jieba: null, segment_f1_all_cuts_baseline: null,
    paraphrase_retrieval_top1: null, generation_mean_cosine: null, generation_non_copy_share: null, linear_mlm_top1: null,
  };
  const details: Record<string, unknown> = {};
  const step = async (name: Metric, run: () => Promise<void>) => {
    if (!metrics.has(name)) return;
    const t = performance.now();
    await run();
    process.stderr.write(`\r${name}: ${((performance.now() - t) / 1000).toFixed(1)} s${' '.repeat(30)}\n`);
  };

  await step('mlm', async () => {
    const r = await evaluateMlm(session, sentences, { seed }, ctx);
    result.mlm_top1 = round(r.top1Percent);
    result.mlm_top5 = round(r.top5Percent);
    details.mlm = r;
  });
  await step('segment', async () => {
    const jieba = Jieba.withDict(dict);
    const maxTokens = intFlag(args, 'segment-max-tokens', 48, 2);
    const r = await evaluateSegmentation(session, sentences, (t) => jieba.cut(t, false), { maxTokens }, ctx);
    result.segment_f1_vs_jieba = round(100 * r.perturbedMasking.f1);
    result.segment_f1_all_cuts_baseline = round(100 * r.allCutsBaseline.f1);
    details.segment = { ...r, maxTokens };
  });
  await step('paraphrase', async () => {
    const pairs = readHeldoutPairs(heldoutDir, intFlag(args, 'pairs-limit', 1000));
    const r = await evaluateParaphraseRetrieval(session, pairs, {}, ctx);
    result.paraphrase_retrieval_top1 = round(r.top1Percent);
    details.paraphrase = r;
  });
  await step('generation', async () => {
    const n = intFlag(args, 'gen-n', 20);
    const r = await evaluateGeneration(session, sentences.slice(0, intFlag(args, 'gen-limit', 50)), { n, k: 5, seed }, ctx);
    result.generation_mean_cosine = round(r.meanCosine, 4);
    result.generation_non_copy_share = round(r.nonCopyPercent);
    details.generation = { ...r, n };
  });
  session.model.dispose();
  if (linearDir) {
    await step('linear', async () => {
      const linear = await loadSession(basename(linearDir), filesFromDirectory(linearDir));
      try {
        const r = await evaluateMlm(linear, sentences, { seed }, ctx);
        result.linear_mlm_top1 = round(r.top1Percent);
        details.linear = r;
      } finally {
        linear.model.dispose();
      }
    });
  }

  process.stdout.write(`model ${flagString(args, 'model')} on ${report.backend}, held-out ${heldoutDir}, limit ${limit}\n`);
  for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(30)} ${value === null ? '—' : String(value)}\n`);
  const json = flagString(args, 'json');
  if (json) {
    const out = { model: flagString(args, 'model'), heldoutDir, limit, seed, seconds: round((performance.now() - started) / 1000, 1), ...result, details };
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`\nerror: ${(e as Error).message}\n`);
  process.exit(1);
});
