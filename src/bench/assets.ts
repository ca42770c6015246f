// Every file the benchmark page fetches, emitted by the bundler next to the page so that it
// runs offline: onnxruntime-web's own modules and binaries, byte for byte as published (they
// are loaded with a dynamic import rather than bundled, so that ORT's worker and wasm lookup
// behave exactly as in any other app), and the fixture model in both formats (same weights).
// The default model is not bundled here: its .bpg comes from public/ (copied into every build)
// and its ONNX export is put into the build by the driver (scripts/bench-ort.ts).
// The main modules are not in the package's `exports`, hence the node_modules paths.
import ortWasmMain from '../../node_modules/onnxruntime-web/dist/ort.wasm.min.mjs?url';
import ortWasmGlue from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import ortWasmBinary from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import ortWebgpuMain from '../../node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs?url';
import ortWebgpuGlue from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWebgpuBinary from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import configUrl from '../../tests/fixtures/hf-tiny-bert-zh/config.json?url&no-inline';
import vocabUrl from '../../tests/fixtures/hf-tiny-bert-zh/vocab.txt?url&no-inline';
import safetensorsUrl from '../../tests/fixtures/hf-tiny-bert-zh/model.safetensors?url&no-inline';
import onnxUrl from '../../tests/fixtures/hf-tiny-bert-zh/model.onnx?url&no-inline';
import { BENCH_MODEL_PATHS, type BenchModelId } from './protocol';

export type OrtBundle = 'wasm' | 'webgpu';

export interface OrtFiles {
  /** The ES module exporting the `ort` API. */
  main: string;
  /** Emscripten glue and its binary, handed to `ort.env.wasm.wasmPaths`. */
  glue: string;
  binary: string;
}

/** `onnxruntime-web/wasm` is CPU only; `onnxruntime-web/webgpu` is the native C++ WebGPU EP. */
export const ORT_FILES: Record<OrtBundle, OrtFiles> = {
  wasm: { main: ortWasmMain, glue: ortWasmGlue, binary: ortWasmBinary },
  webgpu: { main: ortWebgpuMain, glue: ortWebgpuGlue, binary: ortWebgpuBinary },
};

/** The fixture BERT: our loader reads the Hugging Face files, ORT reads the ONNX export. */
export const FIXTURE_URLS = {
  config: configUrl,
  vocab: vocabUrl,
  safetensors: safetensorsUrl,
  onnx: onnxUrl,
} as const;

export interface BenchModelSource {
  /** The name our loader reports. */
  name: string;
  /** Files our loader reads, by name (the name picks the format). */
  ours: { name: string; url: string }[];
  onnx: string;
  /** What to do when the ONNX file is missing. */
  onnxHint: string;
}

export const BENCH_MODELS: Record<BenchModelId, BenchModelSource> = {
  fixture: {
    name: 'tiny-bert-zh',
    ours: [
      { name: 'config.json', url: FIXTURE_URLS.config },
      { name: 'vocab.txt', url: FIXTURE_URLS.vocab },
      { name: 'model.safetensors', url: FIXTURE_URLS.safetensors },
    ],
    onnx: FIXTURE_URLS.onnx,
    onnxHint: 'Rebuild the page (npm run build) and serve the build with vite preview.',
  },
  default: {
    name: 'default',
    ours: [{ name: 'model.bpg', url: BENCH_MODEL_PATHS.default.bpg }],
    onnx: BENCH_MODEL_PATHS.default.onnx,
    onnxHint: 'Run `npm run bench -- --only ort --ort-model default` once: it exports the ONNX file (train/export_onnx.py --bpg) and copies it into the build.',
  },
};

export { version as ORT_PACKAGE_VERSION } from '../../node_modules/onnxruntime-web/package.json';
