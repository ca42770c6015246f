// Programs of the fused BERT operations: dense (+ activation), LayerNorm (+ residual),
// bias + GELU, self-attention.
// All are barrier-free: every invocation reads storage buffers directly.
import biasGeluWgsl from '../../../shaders/bias_gelu.wgsl?raw';
import denseWgsl from '../../../shaders/dense.wgsl?raw';
import geluCommonWgsl from '../../../shaders/gelu_common.wgsl?raw';
import residualLayerNormWgsl from '../../../shaders/residual_layer_norm.wgsl?raw';
import selfAttentionWgsl from '../../../shaders/self_attention.wgsl?raw';
import type { AttentionDims } from '../../cpu/fused-rows';
import { bakeConstants, declareUniforms, FLAT_LAYOUT, type GpuProgram, type ProgramUniform } from './program';

const WORKGROUP = 64;

/** Inputs: x [M, H], residual [R, H] (if withResidual), gamma, beta [H]. Output [M, H]. One invocation per row. */
export class ResidualLayerNormProgram implements GpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(s: { rows: number; h: number; resRows: number; eps: number }, private readonly withResidual: boolean) {
    this.variableNames = withResidual ? ['x', 'residual', 'gamma', 'beta'] : ['x', 'gamma', 'beta'];
    this.shaderKey = `residualLayerNorm:${withResidual}`;
    this.outputShape = [s.rows * s.h];
    this.dispatch = [Math.ceil(s.rows / WORKGROUP), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['rows', 'u32', s.rows], ['h', 'u32', s.h], ['resRows', 'u32', s.resRows], ['eps', 'f32', s.eps],
    ]));
  }

  getUserCode(): string {
    const value = this.withResidual ? 'x[o] + residual[ro]' : 'x[o]';
    return `fn rowValue(o: u32, ro: u32) -> f32 {\n  return ${value};\n}\n${residualLayerNormWgsl}`;
  }
}

/** Inputs: x [M, I], bias [I]. Output gelu(x + bias) [M, I]. One invocation per 4 outputs. */
export class BiasGeluProgram implements GpuProgram {
  variableNames = ['x', 'bias'];
  outputShape: number[];
  shaderKey = 'biasGelu';
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(s: { rows: number; cols: number }) {
    const elements = s.rows * s.cols;
    this.outputShape = [elements];
    this.dispatch = [Math.ceil(Math.ceil(elements / 4) / WORKGROUP), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([['cols', 'u32', s.cols]]));
  }

  getUserCode(): string {
    return geluCommonWgsl + biasGeluWgsl;
  }
}

/** Extents of an attention call, the same as the CPU kernels'. */
export type AttentionGeometry = AttentionDims;

/**
 * Inputs: q [B, Lq, N·D], k and v [B, Lk, N·D], bias [Bb, 1, Lb, Lk] (if withBias). Output like q.
 * One invocation per (batch, head, query); the head size is baked in (private arrays of D floats).
 */
export class SelfAttentionProgram implements GpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];
  private readonly consts: { wgsl: string; key: string };

  constructor(s: AttentionGeometry, private readonly withBias: boolean) {
    this.variableNames = withBias ? ['q', 'k', 'v', 'bias'] : ['q', 'k', 'v'];
    this.consts = bakeConstants({ D: s.headDim });
    this.shaderKey = `selfAttention:${this.consts.key}:${withBias}`;
    this.outputShape = [s.batch * s.lq * s.heads * s.headDim];
    this.dispatch = [Math.ceil((s.batch * s.heads * s.lq) / WORKGROUP), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['batch', 'u32', s.batch], ['lq', 'u32', s.lq], ['lk', 'u32', s.lk], ['heads', 'u32', s.heads],
      ['biasBatch', 'u32', s.biasBatch], ['biasRows', 'u32', s.biasRows],
    ]));
  }

  getUserCode(): string {
    const value = this.withBias
      ? 'bias[((b % uniforms.biasBatch) * uniforms.biasRows + i % uniforms.biasRows) * uniforms.lk + j]'
      : '0.0';
    return `${this.consts.wgsl}fn biasAt(b: u32, i: u32, j: u32) -> f32 {\n  return ${value};\n}\n${selfAttentionWgsl}`;
  }
}

export type DenseActivation = 'linear' | 'relu' | 'gelu';
const ACT_CODE: Record<DenseActivation, number> = { linear: 0, relu: 1, gelu: 2 };

/** Inputs: x [M, K], w [K, N], bias [N]. Output act(x·w + bias) [M, N]. One invocation per 4 × 4 block. */
export class DenseProgram implements GpuProgram {
  variableNames = ['x', 'w', 'bias'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];
  private readonly consts: { wgsl: string; key: string };

  constructor(s: { m: number; n: number; k: number }, activation: DenseActivation) {
    this.outputShape = [s.m * s.n];
    this.dispatch = [Math.ceil((Math.ceil(s.m / 4) * Math.ceil(s.n / 4)) / WORKGROUP), 1, 1];
    this.consts = bakeConstants({ ACT: ACT_CODE[activation] });
    this.shaderKey = `dense:${this.consts.key}`;
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['m', 'u32', s.m], ['n', 'u32', s.n], ['k', 'u32', s.k],
    ]));
  }

  getUserCode(): string {
    return this.consts.wgsl + geluCommonWgsl + denseWgsl;
  }
}
