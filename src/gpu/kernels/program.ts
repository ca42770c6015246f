// The shape of a program for tfjs's `WebGPUBackend.runWebGPUProgram`: geometry + WGSL body.
// tfjs generates the entry point, the bindings (`result`, one array per variable name,
// `uniforms`) and helpers; our WGSL files hold the body and start with `fn main(index: i32)`.
//
// Every input and output is bound as a flat rank-1 array and every size the shader needs is
// an explicit uniform. tfjs keys its pipeline cache on input ranks and on which dimensions
// broadcast, so shaped bindings would compile a new pipeline whenever a batch, head count or
// chunk count happens to be 1, and SwiftShader needs seconds per compile.
import type * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface ProgramUniform {
  type: 'uint32' | 'float32';
  data: number[];
}

export interface GpuProgram {
  variableNames: string[];
  /** Always rank 1: [number of output elements]. */
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
  /** Values of the fields declared in `uniforms`, in order. */
  uniformData: ProgramUniform[];
  getUserCode: () => string;
}

export type UniformField = [name: string, type: 'u32' | 'f32', value: number];

/** WGSL declaration and data of a program's own uniforms. */
export function declareUniforms(fields: UniformField[]): { uniforms: string; uniformData: ProgramUniform[] } {
  return {
    uniforms: fields.map(([name, type]) => `${name} : ${type},`).join(' '),
    uniformData: fields.map(([, type, value]) => ({ type: type === 'u32' ? 'uint32' : 'float32', data: [value] })),
  };
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

export const FLAT_LAYOUT = { x: [0] };

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The same data seen with another shape (what tfjs's own Reshape kernel returns). */
export function withShape(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Runs `program` on flat views of `inputs`; returns its flat output. */
export function runFlat(backend: WebGPUBackend, program: GpuProgram, inputs: tf.TensorInfo[]): tf.TensorInfo {
  const flat = inputs.map((t) => withShape(t, [elementCount(t.shape)]));
  return backend.runWebGPUProgram(program, flat, 'float32', program.uniformData);
}
