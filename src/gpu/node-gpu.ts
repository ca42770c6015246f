// WebGPU in Node through Dawn (the `webgpu` npm package). Used by the CLI and by the tests that
// run WGSL without a browser. On machines without a GPU, Dawn runs on SwiftShader's Vulkan ICD,
// which Debian's chromium package ships.
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Dawn crashes the process if the object returned by create() is garbage-collected.
let dawnRoot: GPU | null = null;

/** Creates Dawn's GPU object once and installs it as `navigator.gpu`. Returns null if unavailable. */
export async function installNodeWebGPU(): Promise<GPU | null> {
  if (dawnRoot) return dawnRoot;
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch {
    return null;
  }
  Object.assign(globalThis, mod.globals);
  dawnRoot = mod.create([]);
  const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  (g.navigator as { gpu?: GPU }).gpu = dawnRoot;
  return dawnRoot;
}
