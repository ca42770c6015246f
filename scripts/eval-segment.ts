// `npm run eval:segment -- --model DIR --text FILE [--json OUT] [--layer L] [--threshold T]
//  [--metric euclidean|cosine] [--backend cpu|wasm|webgpu]`
//
// Unsupervised Perturbed-Masking segmentation against jieba (the default dictionary, no HMM),
// one sentence a line: word-boundary precision / recall / F1, micro-averaged over the file,
// printed beside the trivial segmenter that cuts between every two tokens (its recall is 1 and
// its precision is the share of gaps that are word boundaries: the number to beat).
import { readFileSync, writeFileSync } from 'node:fs';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { flagString, parseArgs } from '../src/cli/args';
import { CliError, loadModelDir, startBackend } from '../src/cli/common';
import type { DistanceMetric } from '../src/gpu/kernels';
import type { BoundaryScore } from '../src/tasks/explain/segment-eval';
import { evaluateSegmentation } from '../src/tasks/eval/task-evals';

function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number (got "${value}").`);
  return n;
}

function row(name: string, s: BoundaryScore): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  return `${name.padEnd(26)} ${pct(s.precision)} ${pct(s.recall)} ${pct(s.f1)}   ${s.correct}/${s.predicted} of ${s.gold}`;
}

async function main(): Promise<void> {
  const args = parseArgs(['eval-segment', ...process.argv.slice(2)]);
  const file = flagString(args, 'text');
  if (!file) throw new CliError('--text FILE is required (one sentence a line).');
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/\r$/, '').trim()).filter(Boolean);
  } catch {
    throw new CliError(`${file} cannot be read.`);
  }
  await startBackend(args);
  const session = await loadModelDir(args);
  const layer = optionalNumber(flagString(args, 'layer'), 'layer');
  const threshold = optionalNumber(flagString(args, 'threshold'), 'threshold');
  const metric = (flagString(args, 'metric') ?? 'euclidean') as DistanceMetric;
  const jieba = Jieba.withDict(dict);
  const sentences: unknown[] = [];
  const started = performance.now();
  const scores = await evaluateSegmentation(
    session,
    lines,
    (text) => jieba.cut(text, false),
    {
      maxTokens: Infinity,
      layer,
      threshold,
      metric,
      onSentence: (d) => sentences.push({ text: d.text, words: d.words, jieba: d.reference, threshold: d.threshold, ...d.score }),
    },
    { signal: new AbortController().signal, progress: (done, total) => process.stderr.write(`\r${done}/${total} sentences`) },
  );
  process.stderr.write('\n');
  const result = {
    model: flagString(args, 'model'),
    sentences: lines.length,
    layer: layer ?? session.model.config.numLayers,
    metric,
    threshold: threshold ?? 'per sentence (otsu)',
    perturbed_masking: scores.perturbedMasking,
    all_cuts_baseline: scores.allCutsBaseline,
    seconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${'word boundaries vs jieba'.padEnd(26)} ${'P'.padStart(7)} ${'R'.padStart(7)} ${'F1'.padStart(7)}   correct/predicted of gold\n`);
  process.stdout.write(`${row('perturbed masking', result.perturbed_masking)}\n${row('all cuts (baseline)', result.all_cuts_baseline)}\n`);
  const json = flagString(args, 'json');
  if (json) writeFileSync(json, `${JSON.stringify({ ...result, details: sentences }, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
});
