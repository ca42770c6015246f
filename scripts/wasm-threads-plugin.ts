// Lets tfjs-backend-wasm's threaded build start its pthread workers from a bundled app.
//
// tfjs hands each pthread worker the Emscripten factory as source text,
// `'var WasmBackendModuleThreadedSimd = ' + factory.toString()`. Once the bundler has minified
// the factory, that text refers to names of the surrounding chunk, and every worker dies with
// "ReferenceError: e is not defined". This plugin swaps the text for the package's own
// classic-script glue (wasm-out/tfjs-backend-wasm-threaded-simd.js, the same factory as
// published), emitted as an asset and loaded by URL.
//
// It also lets `setThreadsCount` decide the size of the XNNPACK pool: tfjs caps it at half of
// navigator.hardwareConcurrency (assuming two hardware threads per core), which on a 2-core
// machine means one thread whatever is asked. The glue's core count is doubled for that cap, so
// the cap becomes the logical core count; src/gpu/backend.ts asks for min(cores, 4).
import type { Plugin } from 'vite';

const BACKEND_MODULE = /@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
const FACTORY_TEXT = /new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\)/;
const GLUE_IMPORT = "import threadedGlueUrl from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?url';\n";
const GLUE_MODULE = /@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
const CORE_COUNT = 'function _emscripten_num_logical_cores(){if(ENVIRONMENT_IS_NODE)return require("os").cpus().length;return navigator["hardwareConcurrency"]}';

/** `code` of tfjs-backend-wasm's backend_wasm.js with the glue URL in place of the factory text. */
export function patchThreadedFactory(code: string): string {
  if (!FACTORY_TEXT.test(code)) {
    throw new Error('tfjs-backend-wasm changed: its threaded factory text is not where the wasm-threads plugin expects it.');
  }
  return GLUE_IMPORT + code.replace(FACTORY_TEXT, 'new URL(threadedGlueUrl, self.location.href).href');
}

/** `code` of the threaded glue with the core count tfjs halves doubled (see above). */
export function patchCoreCount(code: string): string {
  if (!code.includes(CORE_COUNT)) {
    throw new Error('tfjs-backend-wasm changed: its threaded glue does not count cores where the wasm-threads plugin expects it.');
  }
  return code.replace(CORE_COUNT, CORE_COUNT.replace('return navigator["hardwareConcurrency"]}', 'return 2*navigator["hardwareConcurrency"]}'));
}

/**
 * The same for the dev server's dependency pre-bundling, which plugins of the build do not see.
 * Only the core count: the pre-bundle is not minified, so tfjs's factory text works there as is.
 */
export function wasmThreadsDepsPlugin(): { name: string; transform(code: string, id: string): { code: string } | null } {
  return {
    name: 'bert-playground-wasm-threads-deps',
    transform(code, id) {
      return GLUE_MODULE.test(id.split('?')[0]!) ? { code: patchCoreCount(code) } : null;
    },
  };
}

export function wasmThreadsPlugin(): Plugin {
  return {
    name: 'bert-playground-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (id.includes('?')) return null; // e.g. the glue's own ?url import: an asset, left as published
      if (BACKEND_MODULE.test(id)) return { code: patchThreadedFactory(code), map: null };
      if (GLUE_MODULE.test(id)) return { code: patchCoreCount(code), map: null };
      return null;
    },
  };
}
