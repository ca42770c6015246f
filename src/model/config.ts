// BERT configuration as read from Hugging Face `config.json` or Google/bert4keras `bert_config.json`.
import { WeightFormatError } from './weights/types';

export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';
export type AttentionKind = 'softmax' | 'linear';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
  /** `linear`: elu+1 linear attention (Katharopoulos et al. 2020) instead of softmax attention. */
  attention: AttentionKind;
  padTokenId: number;
}

const ACT_ALIASES: Record<string, HiddenAct> = {
  gelu: 'gelu', gelu_python: 'gelu', gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new', relu: 'relu',
};

function positiveInt(raw: Record<string, unknown>, key: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new WeightFormatError(
      v === undefined
        ? `config is missing "${key}" (a positive integer).`
        : `config "${key}" must be a positive integer, got ${JSON.stringify(v)}.`,
    );
  }
  return v;
}

/** Parses either config flavour; throws WeightFormatError naming the bad or missing field. */
export function parseBertConfig(raw: unknown): BertConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WeightFormatError('config is not a JSON object.');
  }
  const r = raw as Record<string, unknown>;
  const hiddenSize = positiveInt(r, 'hidden_size');
  const numHeads = positiveInt(r, 'num_attention_heads');
  if (hiddenSize % numHeads !== 0) {
    throw new WeightFormatError(`config hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads}.`);
  }
  const act = String(r.hidden_act ?? 'gelu');
  const hiddenAct = ACT_ALIASES[act];
  if (!hiddenAct) {
    throw new WeightFormatError(`config hidden_act "${act}" is not supported (use gelu, gelu_new or relu).`);
  }
  const attention = String(r.attention ?? 'softmax');
  if (attention !== 'softmax' && attention !== 'linear') {
    throw new WeightFormatError(`config attention "${attention}" is not supported (use softmax or linear).`);
  }
  const eps = r.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) throw new WeightFormatError('config layer_norm_eps must be a positive number.');
  return {
    vocabSize: positiveInt(r, 'vocab_size'),
    hiddenSize,
    numLayers: positiveInt(r, 'num_hidden_layers'),
    numHeads,
    intermediateSize: positiveInt(r, 'intermediate_size'),
    maxPositions: positiveInt(r, 'max_position_embeddings', 512),
    typeVocabSize: positiveInt(r, 'type_vocab_size', 2),
    hiddenAct,
    layerNormEps: eps,
    attention,
    padTokenId: typeof r.pad_token_id === 'number' ? r.pad_token_id : 0,
  };
}

/** The HF-style JSON the native format and `convert` write. */
export function configToJson(c: BertConfig): Record<string, unknown> {
  return {
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    hidden_act: c.hiddenAct,
    layer_norm_eps: c.layerNormEps,
    attention: c.attention,
    pad_token_id: c.padTokenId,
  };
}
