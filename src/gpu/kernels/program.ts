// The shape of a program for tfjs's `WebGPUBackend.runWebGPUProgram`: geometry + WGSL body.
// tfjs generates the entry point, the bindings (`result`, one array per variable name,
// `uniforms`) and helpers; our WGSL files hold the body and start with `fn main(index: i32)`.

export interface GpuProgram {
  variableNames: string[];
  outputShape: number[];
  /** Must contain every value baked into the WGSL text: tfjs caches pipelines by it. */
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Extra uniform fields, WGSL struct syntax (e.g. `eps : f32,`). */
  uniforms?: string;
  /** Adds `uniforms.size` (number of output elements). */
  size?: boolean;
  getUserCode: () => string;
}

export type ConstValue = number | boolean;

/**
 * WGSL `const` declarations for values baked into a shader: integers become `u32`, booleans `bool`.
 * Returns the text and a key fragment for `shaderKey`.
 */
export function bakeConstants(values: Record<string, ConstValue>): { wgsl: string; key: string } {
  const lines: string[] = [];
  const key: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'boolean') {
      lines.push(`const ${name}: bool = ${value};`);
    } else {
      if (!Number.isInteger(value) || value < 0) throw new Error(`WGSL constant ${name} must be a non-negative integer, got ${value}`);
      lines.push(`const ${name}: u32 = ${value}u;`);
    }
    key.push(`${name}=${String(value)}`);
  }
  return { wgsl: lines.join('\n') + '\n', key: key.join(',') };
}

/** Flat layout over every output dimension, one workgroup per unit of work along x. */
export function flatLayout(rank: number): { x: number[] } {
  return { x: Array.from({ length: rank }, (_, i) => i) };
}
