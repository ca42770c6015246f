// Resolves a model source description (sent from the page or given to the CLI) to model files.
import { filesFromBlobs, huggingFaceBaseUrl, urlFile, type ModelFile, type UrlSourceOptions } from '../model/files';
import { WeightFormatError } from '../model/weights/types';

export type ModelSource =
  /** Files picked or dropped in the page (File objects survive postMessage). */
  | { kind: 'files'; files: File[] }
  /** A base URL and the file names under it (the bundled models, a mirror). */
  | { kind: 'url'; name: string; baseUrl: string; files: string[]; version?: string }
  /** `hf:org/name`: config.json, vocab.txt and the weights from the hub's file URLs. */
  | { kind: 'hf'; id: string; endpoint?: string };

export function sourceName(source: ModelSource): string {
  switch (source.kind) {
    case 'files':
      return source.files.map((f) => f.name).find((n) => /\.(safetensors|bin|index|bpg)$/.test(n)) ?? 'local files';
    case 'url':
      return source.name;
    case 'hf':
      return source.id;
  }
}

async function exists(url: string, fetchImpl: typeof fetch): Promise<boolean> {
  try {
    const r = await fetchImpl(url, { method: 'HEAD' });
    return r.ok;
  } catch {
    return false;
  }
}

export async function resolveSource(source: ModelSource, opts: UrlSourceOptions = {}): Promise<ModelFile[]> {
  switch (source.kind) {
    case 'files':
      if (source.files.length === 0) throw new WeightFormatError('No files were chosen.');
      return filesFromBlobs(source.files);
    case 'url':
      return source.files.map((name) => urlFile(source.baseUrl, name, { ...opts, version: source.version }));
    case 'hf': {
      const base = huggingFaceBaseUrl(source.id, source.endpoint);
      const fetchImpl = opts.fetchImpl ?? fetch;
      const weights = (await exists(`${base}/model.safetensors`, fetchImpl)) ? 'model.safetensors' : 'pytorch_model.bin';
      if (!(await exists(`${base}/${weights}`, fetchImpl))) {
        throw new WeightFormatError(`${source.id} has neither model.safetensors nor pytorch_model.bin at ${base}.`);
      }
      return ['config.json', 'vocab.txt', weights].map((name) => urlFile(base, name, opts));
    }
  }
}
