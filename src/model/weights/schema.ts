// What a BERT checkpoint must hold for a given config, in canonical (HF) names and [out, in]
// linear layout, and the one-shot validation that turns canonical tensors into float32 weights.
import type { BertConfig } from '../config';
import { numElements, toFloat32, WeightFormatError, type RawTensor } from './types';

export type TensorGroup = 'core' | 'pooler' | 'mlm' | 'decoder' | 'nsp' | 'buffer';

export interface ExpectedTensor {
  name: string;
  shape: number[];
  optional: boolean;
  /** Optional tensors come in groups that are present together (a head) or not at all. */
  group: TensorGroup;
}

export interface Weight {
  shape: number[];
  data: Float32Array;
}

export interface ValidatedWeights {
  /** Every expected tensor present, plus tied fallbacks for the MLM decoder. */
  weights: Map<string, Weight>;
  hasMlmHead: boolean;
  hasPooler: boolean;
  hasNsp: boolean;
  /** Names of tensors the model does not use. */
  unexpected: string[];
}

export const WORD_EMBEDDINGS = 'bert.embeddings.word_embeddings.weight';
export const DECODER_WEIGHT = 'cls.predictions.decoder.weight';
export const DECODER_BIAS = 'cls.predictions.decoder.bias';
export const MLM_BIAS = 'cls.predictions.bias';

export function expectedTensors(config: BertConfig): ExpectedTensor[] {
  const { hiddenSize: H, intermediateSize: I, vocabSize: V } = config;
  const list: ExpectedTensor[] = [];
  const add = (name: string, shape: number[], group: TensorGroup = 'core') =>
    list.push({ name, shape, optional: group !== 'core', group });
  const linear = (prefix: string, out: number, inp: number, group: TensorGroup = 'core') => {
    add(`${prefix}.weight`, [out, inp], group); // [out, in]: y = x·Wᵀ + b
    add(`${prefix}.bias`, [out], group);
  };
  const layerNorm = (prefix: string, group: TensorGroup = 'core') => {
    add(`${prefix}.weight`, [H], group);
    add(`${prefix}.bias`, [H], group);
  };
  add(WORD_EMBEDDINGS, [V, H]);
  add('bert.embeddings.position_embeddings.weight', [config.maxPositions, H]);
  add('bert.embeddings.token_type_embeddings.weight', [config.typeVocabSize, H]);
  layerNorm('bert.embeddings.LayerNorm');
  add('bert.embeddings.position_ids', [1, config.maxPositions], 'buffer');
  for (let l = 0; l < config.numLayers; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const x of ['query', 'key', 'value']) linear(`${p}.attention.self.${x}`, H, H);
    linear(`${p}.attention.output.dense`, H, H);
    layerNorm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, I, H);
    linear(`${p}.output.dense`, H, I);
    layerNorm(`${p}.output.LayerNorm`);
  }
  linear('bert.pooler.dense', H, H, 'pooler');
  linear('cls.predictions.transform.dense', H, H, 'mlm');
  layerNorm('cls.predictions.transform.LayerNorm', 'mlm');
  add(MLM_BIAS, [V], 'mlm');
  // The decoder is tied to the word embeddings; many files omit it (and its bias copy).
  add(DECODER_WEIGHT, [V, H], 'decoder');
  add(DECODER_BIAS, [V], 'decoder');
  linear('cls.seq_relationship', 2, H, 'nsp');
  return list;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function countNonFinite(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) n++;
  return n;
}

/**
 * Checks canonical tensors against the config and widens them to float32. Throws ONE
 * WeightFormatError listing every problem (missing, mis-shaped, non-finite, incomplete heads,
 * vocabulary or layer-count mismatch), so the user can fix the config or file in one go.
 */
export function validateWeights(config: BertConfig, tensors: Map<string, RawTensor>): ValidatedWeights {
  const expected = expectedTensors(config);
  const problems: string[] = [];
  const weights = new Map<string, Weight>();
  const present = (name: string) => tensors.has(name);

  const word = tensors.get(WORD_EMBEDDINGS);
  if (word && word.shape.length === 2 && word.shape[1] === config.hiddenSize && word.shape[0] !== config.vocabSize) {
    problems.push(
      `the word embeddings have ${word.shape[0]} rows but the config's vocab_size is ${config.vocabSize}: ` +
        'the config (or vocab.txt) belongs to another model; use the config.json that came with these weights.',
    );
  }
  for (const e of expected) {
    const t = tensors.get(e.name);
    if (!t) {
      if (!e.optional) problems.push(`missing ${e.name} ${fmt(e.shape)}`);
      continue;
    }
    if (e.group === 'buffer') continue;
    const vocabRows = e.name === WORD_EMBEDDINGS && t.shape[1] === config.hiddenSize && t.shape.length === 2;
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      if (!vocabRows) problems.push(`${e.name}: expected ${fmt(e.shape)}, got ${fmt(t.shape)}`);
      continue;
    }
    try {
      const data = toFloat32(t);
      const bad = countNonFinite(data);
      if (bad > 0) problems.push(`${e.name} holds ${bad} NaN/Inf values of ${numElements(t.shape)}; the file is corrupt or was saved after training diverged`);
      weights.set(e.name, { shape: e.shape, data });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }

  // Optional heads are all-or-nothing; cls.predictions.bias and the decoder bias stand in for each other.
  const groupComplete = (group: TensorGroup, label: string, substitutes: Record<string, string> = {}): boolean => {
    const members = expected.filter((e) => e.group === group);
    const has = members.filter((e) => present(e.name) || (substitutes[e.name] && present(substitutes[e.name]!)));
    if (has.length === 0) return false;
    if (has.length < members.length) {
      const missing = members.filter((e) => !has.includes(e)).map((e) => e.name);
      problems.push(`incomplete ${label}: missing ${missing.join(', ')}`);
      return false;
    }
    return true;
  };
  const hasPooler = groupComplete('pooler', 'pooler');
  const hasNsp = groupComplete('nsp', 'next-sentence head');
  const hasMlmHead = groupComplete('mlm', 'masked-LM head', { [MLM_BIAS]: DECODER_BIAS });

  const layerNumbers = [...tensors.keys()].map((n) => /^bert\.encoder\.layer\.(\d+)\./.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  const deepest = Math.max(-1, ...layerNumbers);
  if (deepest >= config.numLayers) {
    problems.push(`the weights have ${deepest + 1} encoder layers but the config's num_hidden_layers is ${config.numLayers}; use the config.json that came with these weights`);
  }

  if (problems.length > 0) {
    throw new WeightFormatError(
      `The weights do not fit the config (hidden ${config.hiddenSize}, ${config.numLayers} layers, vocab ${config.vocabSize}, ` +
        `intermediate ${config.intermediateSize}):\n${problems.map((p) => ` - ${p}`).join('\n')}`,
    );
  }

  if (hasMlmHead) {
    if (!weights.has(MLM_BIAS)) weights.set(MLM_BIAS, weights.get(DECODER_BIAS)!);
    if (!weights.has(DECODER_WEIGHT)) weights.set(DECODER_WEIGHT, weights.get(WORD_EMBEDDINGS)!);
    if (!weights.has(DECODER_BIAS)) weights.set(DECODER_BIAS, weights.get(MLM_BIAS)!);
  } else {
    weights.delete(DECODER_WEIGHT);
    weights.delete(DECODER_BIAS);
  }
  const known = new Set(expected.map((e) => e.name));
  const unexpected = [...tensors.keys()].filter((n) => !known.has(n));
  return { weights, hasMlmHead, hasPooler, hasNsp, unexpected };
}
