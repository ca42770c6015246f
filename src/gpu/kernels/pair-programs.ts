// Programs of the pairwise kernels: GlobalPointer scores and pair distances.
// Both tile the [N, M] output in 64 × 64 blocks, one workgroup of 256 invocations per block.
import globalPointerWgsl from '../../../shaders/global_pointer.wgsl?raw';
import pairDistanceWgsl from '../../../shaders/pair_distance.wgsl?raw';
import { bakeConstants, declareUniforms, FLAT_LAYOUT, type GpuProgram, type ProgramUniform } from './program';

export type DistanceMetric = 'euclidean' | 'cosine';

const TILE = 64;

/** Inputs: q, k [B, HQ, N, D], mask [B, N], rope [N, D], biasStart, biasEnd [B, H, N]. Output [B, H, N, N]. */
export class GlobalPointerProgram implements GpuProgram {
  variableNames = ['q', 'k', 'mask', 'rope', 'biasStart', 'biasEnd'];
  outputShape: number[];
  shaderKey = 'globalPointerScores';
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(s: { batch: number; heads: number; qHeads: number; n: number; d: number }) {
    this.outputShape = [s.batch * s.heads * s.n * s.n];
    const tiles = Math.ceil(s.n / TILE);
    this.dispatch = [s.batch * s.heads * tiles * tiles, 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['batch', 'u32', s.batch], ['heads', 'u32', s.heads], ['qHeads', 'u32', s.qHeads],
      ['n', 'u32', s.n], ['d', 'u32', s.d], ['scale', 'f32', 1 / Math.sqrt(s.d)],
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
  workgroupSize: [number, number, number] = [256, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];
  private readonly consts: { wgsl: string; key: string };

  constructor(s: { batch: number; n: number; m: number; h: number }, metric: DistanceMetric) {
    this.outputShape = [s.batch * s.n * s.m];
    this.dispatch = [s.batch * Math.ceil(s.n / TILE) * Math.ceil(s.m / TILE), 1, 1];
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
