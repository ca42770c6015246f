// Compiles WebAssembly text (`import { shared, unshared } from './x.wat'`) to bytes at build
// time, for the app, the workers, Vitest and vite-node alike. Two binaries per file: the source
// as written, whose memory import is `shared` (tfjs-backend-wasm's threaded build), and the same
// module importing an unshared memory (its single-threaded build); a module must match the
// sharedness of the memory it imports.
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'vite';
import wabtInit from 'wabt';

const SHARED_MEMORY = /\(memory (\d+) (\d+) shared\)/;

/** The binary of `source` (WAT with SIMD and threads), or an Error naming the file and line. */
export async function compileWat(source: string, filename: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(filename, source, { simd: true, threads: true });
  try {
    // Validation is left to WebAssembly.compile (wabt's validator ignores the threads feature).
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The same module importing an unshared memory (no maximum: any size of heap may be imported). */
export function unsharedVariant(source: string): string {
  if (!SHARED_MEMORY.test(source)) throw new Error('The module declares no shared memory import.');
  return source.replace(SHARED_MEMORY, '(memory $1)');
}

export function watPlugin(): Plugin {
  return {
    name: 'bert-playground-wat',
    async load(id) {
      const path = id.split('?')[0]!;
      if (!path.endsWith('.wat')) return null;
      const source = await readFile(path, 'utf8');
      const shared = await compileWat(source, path);
      const unshared = await compileWat(unsharedVariant(source), path);
      const bytes = (b: Uint8Array) => `new Uint8Array([${Array.from(b).join(',')}])`;
      return `export const shared = ${bytes(shared)};\nexport const unshared = ${bytes(unshared)};\n`;
    },
  };
}
