// Turns a set of model files into config + vocabulary + canonical float32 weights.
// Formats: Hugging Face (config.json, vocab.txt, model.safetensors | pytorch_model.bin),
// Google/bert4keras TF checkpoints (bert_config.json, vocab.txt, *.ckpt.index + *.ckpt.data-*),
// and the native format (one file holding config, vocabulary and tensors).
import { parseBertConfig, type BertConfig } from './config';
import type { ModelFile } from './files';
import { readSafetensors } from './weights/safetensors';
import { WeightFormatError, type ByteProgress, type RawTensor } from './weights/types';
import { readTorchCheckpoint } from './weights/torch-pickle';
import { readTfCheckpoint } from './weights/tf-bundle';
import { readNative, NATIVE_EXTENSION } from './weights/native';
import { toCanonical } from './weights/names';

export type ModelFormat = 'huggingface-safetensors' | 'huggingface-pytorch' | 'tf-checkpoint' | 'native';

export interface LoadedFiles {
  format: ModelFormat;
  config: BertConfig;
  rawConfig: Record<string, unknown>;
  vocabText: string;
  tensors: Map<string, RawTensor>;
  /** Names transposed from [in, out] or ignored (optimizer slots), for the user to see. */
  transposed: string[];
  ignored: string[];
  totalBytes: number;
  /** Extra data carried by the native format (e.g. task heads' metadata). */
  extra?: unknown;
}

interface Plan {
  format: ModelFormat;
  config?: ModelFile;
  vocab?: ModelFile;
  weights: ModelFile[];
}

function find(files: ModelFile[], test: (name: string) => boolean): ModelFile | undefined {
  return files.find((f) => test(f.name));
}

export function planLoad(files: ModelFile[]): Plan {
  const native = find(files, (n) => n.endsWith(NATIVE_EXTENSION));
  if (native) return { format: 'native', weights: [native], vocab: find(files, (n) => n === 'vocab.txt') };
  const tfIndex = find(files, (n) => n.endsWith('.index'));
  if (tfIndex) {
    const stem = tfIndex.name.slice(0, -'.index'.length);
    const data = find(files, (n) => n.startsWith(`${stem}.data-`));
    if (!data) throw new WeightFormatError(`${tfIndex.name} needs its data file ${stem}.data-00000-of-00001 next to it.`);
    return {
      format: 'tf-checkpoint',
      config: find(files, (n) => n === 'bert_config.json') ?? find(files, (n) => n === 'config.json'),
      vocab: find(files, (n) => n === 'vocab.txt'),
      weights: [tfIndex, data],
    };
  }
  const st = find(files, (n) => n.endsWith('.safetensors'));
  const pt = find(files, (n) => n === 'pytorch_model.bin' || n.endsWith('.bin') || n.endsWith('.pt'));
  const weights = st ?? pt;
  if (!weights) {
    const names = files.map((f) => f.name).join(', ') || 'nothing';
    throw new WeightFormatError(
      `No weights found among: ${names}. Choose model.safetensors or pytorch_model.bin (with config.json and vocab.txt), ` +
        `a TF checkpoint (bert_model.ckpt.index + .data-00000-of-00001 with bert_config.json and vocab.txt), or a ${NATIVE_EXTENSION} file.`,
    );
  }
  return {
    format: st ? 'huggingface-safetensors' : 'huggingface-pytorch',
    config: find(files, (n) => n === 'config.json') ?? find(files, (n) => n === 'bert_config.json'),
    vocab: find(files, (n) => n === 'vocab.txt'),
    weights: [weights],
  };
}

function parseJson(bytes: Uint8Array, name: string): Record<string, unknown> {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new WeightFormatError(`${name} is not a valid JSON object.`);
}

/** Reads every file of the plan with combined byte progress, then parses it. */
export async function loadModelFiles(files: ModelFile[], onProgress?: ByteProgress, signal?: AbortSignal): Promise<LoadedFiles> {
  const plan = planLoad(files);
  const parts = [plan.config, plan.vocab, ...plan.weights].filter((f): f is ModelFile => Boolean(f));
  const sizes = parts.map((f) => f.size);
  const loaded = parts.map(() => 0);
  const report = () => {
    const total = sizes.reduce((a, b) => a + b, 0);
    const done = loaded.reduce((a, b) => a + b, 0);
    onProgress?.(done, Math.max(total, done));
  };
  const contents = await Promise.all(
    parts.map((f, i) =>
      f.read((done, total) => {
        loaded[i] = done;
        sizes[i] = Math.max(total, sizes[i]!);
        report();
      }, signal),
    ),
  );
  const byFile = new Map(parts.map((f, i) => [f, contents[i]!]));
  const totalBytes = contents.reduce((a, c) => a + c.byteLength, 0);

  let rawConfig: Record<string, unknown>;
  let vocabText: string | undefined;
  let raw: RawTensor[];
  let extra: unknown;
  let source: 'hf' | 'tf' | 'native';
  if (plan.format === 'native') {
    const nat = readNative(byFile.get(plan.weights[0]!)!);
    rawConfig = nat.config as Record<string, unknown>;
    vocabText = nat.vocabText;
    raw = nat.tensors;
    extra = nat.extra;
    source = 'native';
  } else {
    if (!plan.config) {
      throw new WeightFormatError(
        plan.format === 'tf-checkpoint' ? 'bert_config.json is missing: add it next to the checkpoint.' : 'config.json is missing: add it next to the weights.',
      );
    }
    rawConfig = parseJson(byFile.get(plan.config)!, plan.config.name);
    if (plan.format === 'tf-checkpoint') {
      raw = readTfCheckpoint(byFile.get(plan.weights[0]!)!, byFile.get(plan.weights[1]!)!);
      source = 'tf';
    } else if (plan.format === 'huggingface-safetensors') {
      raw = readSafetensors(byFile.get(plan.weights[0]!)!);
      source = 'hf';
    } else {
      raw = readTorchCheckpoint(byFile.get(plan.weights[0]!)!);
      source = 'hf';
    }
  }
  if (plan.vocab) vocabText = new TextDecoder().decode(byFile.get(plan.vocab)!);
  if (!vocabText) throw new WeightFormatError('vocab.txt is missing: the tokenizer needs it. Add it next to the weights.');
  const config = parseBertConfig(rawConfig);
  const vocabSize = vocabText.split('\n').filter((line, i, all) => line.length > 0 || i < all.length - 1).length;
  if (vocabSize !== config.vocabSize) {
    throw new WeightFormatError(
      `vocab.txt has ${vocabSize} entries but the config says vocab_size ${config.vocabSize}: the vocabulary does not belong to these weights.`,
    );
  }
  const canonical = toCanonical(raw, source);
  return {
    format: plan.format,
    config,
    rawConfig,
    vocabText,
    tensors: canonical.tensors,
    transposed: canonical.transposed,
    ignored: canonical.ignored,
    totalBytes,
    extra,
  };
}
