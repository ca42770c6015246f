// Where model files come from: picked files in the page, a base URL (the bundled model, a
// mirror, or a Hugging Face model id), or a directory in the CLI. All of them look the same
// to the loader: a list of named files that can be read with byte progress.
import { WeightFormatError, type ByteProgress } from './weights/types';

export interface ModelFile {
  /** File name without directories, e.g. `config.json`. */
  name: string;
  /** Size in bytes if known before reading (0 if unknown). */
  size: number;
  read(onProgress?: ByteProgress, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Wraps browser File objects (from a file input or a drop). */
export function filesFromBlobs(blobs: { name: string; size: number; arrayBuffer(): Promise<ArrayBuffer>; stream?: () => ReadableStream<Uint8Array> }[]): ModelFile[] {
  return blobs.map((blob) => ({
    name: blob.name.split('/').pop() ?? blob.name,
    size: blob.size,
    async read(onProgress, signal) {
      if (blob.stream) return readStream(blob.stream(), blob.size, onProgress, signal);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      onProgress?.(bytes.byteLength, bytes.byteLength);
      return bytes;
    },
  }));
}

async function readStream(
  stream: ReadableStream<Uint8Array>,
  expected: number,
  onProgress?: ByteProgress,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw new DOMException('Cancelled', 'AbortError');
    }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.(loaded, Math.max(expected, loaded));
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export interface UrlSourceOptions {
  fetchImpl?: typeof fetch;
  /** Cache Storage name; when set, responses are cached so a reload works offline. */
  cacheName?: string;
  /** Content version of the files (a new version bypasses older cached copies). */
  version?: string;
}

/** A file at `${baseUrl}/${name}`, fetched with byte progress (and cached when possible). */
export function urlFile(baseUrl: string, name: string, opts: UrlSourceOptions = {}): ModelFile {
  const url = `${baseUrl.replace(/\/+$/, '')}/${name}${opts.version ? `?v=${encodeURIComponent(opts.version)}` : ''}`;
  return {
    name,
    size: 0,
    async read(onProgress, signal) {
      const doFetch = opts.fetchImpl ?? fetch;
      let response: Response | undefined;
      const cache = opts.cacheName && typeof caches !== 'undefined' ? await caches.open(opts.cacheName).catch(() => null) : null;
      if (cache) response = (await cache.match(url)) ?? undefined;
      if (!response) {
        try {
          response = await doFetch(url, { signal });
        } catch (e) {
          if (signal?.aborted) throw e;
          throw new WeightFormatError(`Could not fetch ${url}: ${(e as Error).message}. Check the address and your connection.`);
        }
        if (!response.ok) {
          throw new WeightFormatError(`Fetching ${url} failed with HTTP ${response.status}.`);
        }
        if (cache) {
          const copy = response.clone();
          // A full copy is written after the download; a failure to cache is not fatal.
          void copy.arrayBuffer().then((buf) => cache.put(url, new Response(buf, { headers: copy.headers })).catch(() => undefined));
        }
      }
      const total = Number(response.headers.get('content-length') ?? 0);
      if (!response.body) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        onProgress?.(bytes.byteLength, bytes.byteLength);
        return bytes;
      }
      return readStream(response.body, total, onProgress, signal);
    },
  };
}

/** `hf:org/name` → the hub's file URL base for the main branch. */
export function huggingFaceBaseUrl(id: string, endpoint = 'https://huggingface.co'): string {
  const m = /^hf:([\w.-]+\/[\w.-]+|[\w.-]+)$/.exec(id.trim());
  if (!m) throw new WeightFormatError(`"${id}" is not a Hugging Face model id; write it as hf:org/name.`);
  return `${endpoint.replace(/\/+$/, '')}/${m[1]}/resolve/main`;
}
