// Programs of the pairwise kernels: GlobalPointer scores and pair distances. Every invocation
// owns a 4 × 4 block of the [N, M] output and reads storage buffers directly.
import globalPointerRopeWgsl from '../../../shaders/global_pointer_rope.wgsl?raw';
import globalPointerWgsl from '../../../shaders/global_pointer.wgsl?raw';
import pairDistanceWgsl from '../../../shaders/pair_distance.wgsl?raw';
import { bakeConstants, declareUniforms, FLAT_LAYOUT, type GpuProgram, type ProgramUniform } from './program';

export type DistanceMetric = 'euclidean' | 'cosine';

const WORKGROUP = 64;
const blocks4 = (x: number) => Math.ceil(x / 4);

/** RoPE of q (times 1/√D) and k → [2, B, HQ, N, D]. Inputs: q, k [B, HQ, N, D], rope [N, D]. */
export class RopeProgram implements GpuProgram {
  variableNames = ['q', 'k', 'rope'];
  outputShape: number[];
  shaderKey = 'globalPointerRope';
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(s: { batch: number; qHeads: number; n: number; d: number }) {
    const elements = 2 * s.batch * s.qHeads * s.n * s.d;
    this.outputShape = [elements];
    this.dispatch = [Math.ceil(elements / WORKGROUP), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['n', 'u32', s.n], ['d', 'u32', s.d], ['scale', 'f32', 1 / Math.sqrt(s.d)],
    ]));
  }

  getUserCode(): string {
    return globalPointerRopeWgsl;
  }
}

/** Scores → [B, H, N, N]. Inputs: rotated [2, B, HQ, N, D], mask [B, N], biasStart, biasEnd [B, H, N]. */
export class GlobalPointerProgram implements GpuProgram {
  variableNames = ['rotated', 'mask', 'biasStart', 'biasEnd'];
  outputShape: number[];
  shaderKey = 'globalPointerScores';
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(s: { batch: number; heads: number; qHeads: number; n: number; d: number }) {
    this.outputShape = [s.batch * s.heads * s.n * s.n];
    this.dispatch = [Math.ceil((s.batch * s.heads * blocks4(s.n) ** 2) / WORKGROUP), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['batch', 'u32', s.batch], ['heads', 'u32', s.heads], ['qHeads', 'u32', s.qHeads],
      ['n', 'u32', s.n], ['d', 'u32', s.d],
    ]));
  }

  getUserCode(): string {
    return globalPointerWgsl;
  }
}

/** Inputs: a [B, N, H], b [B, M, H]. Output [B, N, M]. */
export class PairDistanceProgram implements GpuProgram {
  variableNames = ['a', 'b'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];
  private readonly consts: { wgsl: string; key: string };

  constructor(s: { batch: number; n: number; m: number; h: number }, metric: DistanceMetric) {
    this.outputShape = [s.batch * s.n * s.m];
    this.dispatch = [Math.ceil((s.batch * blocks4(s.n) * blocks4(s.m)) / WORKGROUP), 1, 1];
    this.consts = bakeConstants({ METRIC: metric === 'euclidean' ? 0 : 1 });
    this.shaderKey = `pairDistance:${this.consts.key}`;
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['batch', 'u32', s.batch], ['n', 'u32', s.n], ['m', 'u32', s.m], ['h', 'u32', s.h],
    ]));
  }

  getUserCode(): string {
    return this.consts.wgsl + pairDistanceWgsl;
  }
}
