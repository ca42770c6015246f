// The two build plugins: WebAssembly text compiled for both kinds of tfjs heap, and the patch
// that lets tfjs-backend-wasm's pthread workers start from a bundle.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shared, unshared } from '../src/cpu/fused-simd.wat';
import { patchCoreCount, patchThreadedFactory } from './wasm-threads-plugin';
import { compileWat, unsharedVariant } from './wat-plugin';

const ADD_ONE = `(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "add_one") (param $p i32) (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (f32.const 1)))))`;

describe('the WAT plugin', () => {
  it('compiles a module for a shared and for an unshared heap, each instantiable only on its own kind', async () => {
    const sharedBytes = await compileWat(ADD_ONE, 'add.wat');
    const unsharedBytes = await compileWat(unsharedVariant(ADD_ONE), 'add.wat');
    const sharedMemory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const plainMemory = new WebAssembly.Memory({ initial: 3 });
    const a = await WebAssembly.instantiate(sharedBytes as Uint8Array<ArrayBuffer>, { env: { memory: sharedMemory } });
    const b = await WebAssembly.instantiate(unsharedBytes as Uint8Array<ArrayBuffer>, { env: { memory: plainMemory } });
    new Float32Array(sharedMemory.buffer)[2] = 1.5;
    new Float32Array(plainMemory.buffer)[2] = 2.5;
    (a.instance.exports.add_one as (p: number) => void)(8);
    (b.instance.exports.add_one as (p: number) => void)(8);
    expect(new Float32Array(sharedMemory.buffer)[2]).toBe(2.5);
    expect(new Float32Array(plainMemory.buffer)[2]).toBe(3.5);
    await expect(WebAssembly.instantiate(unsharedBytes, { env: { memory: sharedMemory } })).rejects.toThrow();
    await expect(WebAssembly.instantiate(sharedBytes, { env: { memory: plainMemory } })).rejects.toThrow();
  });

  it('reports a syntax error with its place', async () => {
    await expect(compileWat('(module (func (export "f") (i32.bogus)))', 'bad.wat')).rejects.toThrow(/bad\.wat:1/);
    expect(() => unsharedVariant('(module)')).toThrow(/shared memory/);
  });

  it('imports the kernels module as both binaries, with its four kernels', async () => {
    for (const bytes of [shared, unshared]) {
      // Chromium refuses to compile modules above 4 KB synchronously on the main thread, and
      // src/cpu/fused-simd.ts compiles synchronously (kernels are synchronous).
      expect(bytes.length).toBeLessThan(4096);
      const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
      expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['attention', 'bias_gelu', 'gather_rows', 'layer_norm']);
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    }
  });
});

describe('the wasm-threads plugin', () => {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const backendSource = readFileSync(join(packageDir, 'dist/backend_wasm.js'), 'utf8');

  it('replaces the factory text handed to pthread workers by the URL of the published classic-script glue', () => {
    expect(backendSource).toContain('wasmFactoryThreadedSimd.toString()');
    const patched = patchThreadedFactory(backendSource);
    expect(patched).not.toContain('wasmFactoryThreadedSimd.toString()');
    expect(patched).toContain("import threadedGlueUrl from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?url';");
    expect(patched).toContain('factoryConfig.mainScriptUrlOrBlob = new URL(threadedGlueUrl, self.location.href).href;');
    // The glue defines the global the pthread worker calls, as a classic script.
    const glue = readFileSync(join(packageDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'), 'utf8');
    expect(glue).toMatch(/^\s*var WasmBackendModuleThreadedSimd = /);
  });

  it('doubles the core count tfjs halves for its thread cap, and nothing else', () => {
    const glue = readFileSync(join(packageDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'), 'utf8');
    const patched = patchCoreCount(glue);
    expect(patched.length).toBe(glue.length + 2);
    expect(patched).toContain('return 2*navigator["hardwareConcurrency"]}');
    // The patched function, evaluated, reports twice the cores the navigator reports.
    const fn = patched.match(/function _emscripten_num_logical_cores\(\)\{[^}]*\}/)![0];
    const count = new Function('navigator', 'ENVIRONMENT_IS_NODE', `${fn}; return _emscripten_num_logical_cores();`);
    expect(count({ hardwareConcurrency: 2 }, false)).toBe(4);
  });

  it('fails loudly when tfjs no longer has the code it patches', () => {
    expect(() => patchThreadedFactory('export const x = 1;')).toThrow(/tfjs-backend-wasm changed/);
    expect(() => patchCoreCount('export const x = 1;')).toThrow(/tfjs-backend-wasm changed/);
  });
});
