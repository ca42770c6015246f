// A loaded model ready for tasks: weights on the active backend plus its tokenizer.
import * as tf from '@tensorflow/tfjs';
import { BertModel } from '../model/bert';
import type { ModelFile } from '../model/files';
import { loadModelFiles, type LoadedFiles, type ModelFormat } from '../model/load';
import { BertTokenizer } from '../model/tokenizer';
import { validateWeights } from '../model/weights/schema';
import type { ByteProgress } from '../model/weights/types';

export interface ModelSummary {
  name: string;
  format: ModelFormat;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  attention: 'softmax' | 'linear';
  parameters: number;
  bytes: number;
  hasMlmHead: boolean;
  hasPooler: boolean;
  backend: string;
  ignoredTensors: number;
  transposedTensors: number;
}

export interface Session {
  model: BertModel;
  tokenizer: BertTokenizer;
  summary: ModelSummary;
  files: LoadedFiles;
}

/** Uploads loaded files to the active backend. The caller disposes the previous session. */
export function createSession(name: string, files: LoadedFiles): Session {
  const checked = validateWeights(files.config, files.tensors);
  const model = BertModel.create(files.config, checked.weights);
  const tokenizer = BertTokenizer.fromVocabText(files.vocabText);
  let parameters = 0;
  for (const w of checked.weights.values()) parameters += w.data.length;
  const c = files.config;
  return {
    model,
    tokenizer,
    files,
    summary: {
      name,
      format: files.format,
      layers: c.numLayers,
      hidden: c.hiddenSize,
      heads: c.numHeads,
      intermediate: c.intermediateSize,
      vocab: c.vocabSize,
      maxPositions: c.maxPositions,
      attention: c.attention,
      parameters,
      bytes: files.totalBytes,
      hasMlmHead: model.hasMlmHead,
      hasPooler: model.hasPooler,
      backend: tf.getBackend(),
      ignoredTensors: files.ignored.length,
      transposedTensors: files.transposed.length,
    },
  };
}

export async function loadSession(name: string, files: ModelFile[], onProgress?: ByteProgress, signal?: AbortSignal): Promise<Session> {
  const loaded = await loadModelFiles(files, onProgress, signal);
  return createSession(name, loaded);
}
