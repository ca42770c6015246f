// CLI commands of the engine: inspect, tokenize, forward, convert.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { configToJson } from '../model/config';
import { BertTokenizer } from '../model/tokenizer';
import { inspectCheckpoint } from '../model/weights/inspect';
import { writeNative } from '../model/weights/native';
import { DECODER_BIAS, DECODER_WEIGHT, MLM_BIAS, WORD_EMBEDDINGS } from '../model/weights/schema';
import type { RawTensor } from '../model/weights/types';
import { loadModelFiles } from '../model/load';
import { forwardJson } from '../tasks/forward-json';
import { flagString, type ParsedArgs } from './args';
import { CliError, filesFromDirectory, loadModelDir, parseJsonLine, printJson, startBackend, stdinLines } from './common';

export async function inspectCommand(args: ParsedArgs): Promise<void> {
  const path = args.positional[0];
  if (!path) throw new CliError('inspect needs a checkpoint path (a .safetensors, pytorch_model.bin, .ckpt.index or .bpg file).');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new CliError(`${path} cannot be read.`);
  }
  printJson(inspectCheckpoint(basename(path), bytes));
}

export async function tokenizeCommand(args: ParsedArgs): Promise<void> {
  const vocabPath = flagString(args, 'vocab') ?? (flagString(args, 'model') ? join(flagString(args, 'model')!, 'vocab.txt') : undefined);
  if (!vocabPath) throw new CliError('tokenize needs --model DIR or --vocab FILE.');
  let vocabText: string;
  try {
    vocabText = readFileSync(vocabPath, 'utf8');
  } catch {
    throw new CliError(`${vocabPath} cannot be read.`);
  }
  const tokenizer = BertTokenizer.fromVocabText(vocabText, { doLowerCase: !args.flags.has('cased') });
  for await (const line of stdinLines()) {
    const tokens = tokenizer.tokenize(line);
    printJson({ tokens, ids: tokenizer.convertTokensToIds(tokens), input_ids: tokenizer.encode(line).ids });
  }
}

export async function forwardCommand(args: ParsedArgs): Promise<void> {
  await startBackend(args);
  const session = await loadModelDir(args);
  let n = 0;
  for await (const line of stdinLines()) {
    n++;
    const request = parseJsonLine(line, n);
    printJson(await forwardJson(session, request));
    if (args.flags.has('memory')) process.stderr.write(`tensors: ${tf.memory().numTensors}\n`);
  }
}

export async function convertCommand(args: ParsedArgs): Promise<void> {
  const dir = flagString(args, 'model');
  const out = flagString(args, 'out');
  if (!dir || !out) throw new CliError('convert needs --model DIR and --out DIR.');
  const dtype = flagString(args, 'dtype') ?? 'float16';
  if (dtype !== 'float16' && dtype !== 'float32') throw new CliError('--dtype must be float16 or float32.');
  const loaded = await loadModelFiles(filesFromDirectory(dir));
  const bytes = writeNative({
    config: { ...configToJson(loaded.config), ...pickExtraConfig(loaded.rawConfig) },
    tensors: withoutTiedCopies(loaded.tensors),
    vocabText: loaded.vocabText,
    dtype,
    extra: loaded.extra as Record<string, unknown> | undefined,
  });
  mkdirSync(out, { recursive: true });
  const file = join(out, 'model.bpg');
  writeFileSync(file, bytes);
  printJson({ written: file, bytes: bytes.byteLength, tensors: loaded.tensors.size, dtype, format: loaded.format, ignored: loaded.ignored, transposed: loaded.transposed.length });
}

/** Drops the MLM decoder's copies of the word embeddings / output bias: the loader re-ties them. */
function withoutTiedCopies(tensors: Map<string, RawTensor>): RawTensor[] {
  const same = (a?: RawTensor, b?: RawTensor) =>
    Boolean(a && b && a.dtype === b.dtype && a.bytes.byteLength === b.bytes.byteLength && a.bytes.every((x, i) => x === b.bytes[i]));
  return [...tensors.values()].filter(
    (t) =>
      !(t.name === DECODER_WEIGHT && same(t, tensors.get(WORD_EMBEDDINGS))) &&
      !(t.name === DECODER_BIAS && same(t, tensors.get(MLM_BIAS))),
  );
}

/** Keys of the source config worth carrying over (task heads' settings). */
function pickExtraConfig(raw: Record<string, unknown>): Record<string, unknown> {
  const keep: Record<string, unknown> = {};
  for (const key of ['span_head', 'span_types', 'span_head_size', 'pool', 'id2label', 'label2id', 'architectures']) if (key in raw) keep[key] = raw[key];
  return keep;
}
