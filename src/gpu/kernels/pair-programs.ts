// Programs of the pairwise kernels: GlobalPointer scores and pair distances.
// Both tile the [N, M] output in 64 × 64 blocks, one workgroup of 256 invocations per block.
import globalPointerWgsl from '../../../shaders/global_pointer.wgsl?raw';
import pairDistanceWgsl from '../../../shaders/pair_distance.wgsl?raw';
import { bakeConstants, flatLayout, type GpuProgram } from './program';

export type DistanceMetric = 'euclidean' | 'cosine';

const TILE = 64;

/** Inputs: q, k [B, HQ, N, D], mask [B, N], rope [N, D], biasStart, biasEnd [B, H, N]; uniform scale. */
export class GlobalPointerProgram implements GpuProgram {
  variableNames = ['q', 'k', 'mask', 'rope', 'biasStart', 'biasEnd'];
  outputShape: number[];
  shaderKey = 'globalPointerScores';
  dispatchLayout = flatLayout(4);
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  uniforms = 'scale : f32,';

  constructor(batch: number, heads: number, n: number) {
    this.outputShape = [batch, heads, n, n];
    const tiles = Math.ceil(n / TILE);
    this.dispatch = [batch * heads * tiles * tiles, 1, 1];
  }

  getUserCode(): string {
    return globalPointerWgsl;
  }
}

/** Inputs: a [B, N, H], b [B, M, H]. */
export class PairDistanceProgram implements GpuProgram {
  variableNames = ['a', 'b'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = flatLayout(3);
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  private readonly consts: { wgsl: string; key: string };

  constructor(batch: number, n: number, m: number, metric: DistanceMetric) {
    this.outputShape = [batch, n, m];
    this.dispatch = [batch * Math.ceil(n / TILE) * Math.ceil(m / TILE), 1, 1];
    this.consts = bakeConstants({ METRIC: metric === 'euclidean' ? 0 : 1 });
    this.shaderKey = `pairDistance:${this.consts.key}`;
  }

  getUserCode(): string {
    return this.consts.wgsl + pairDistanceWgsl;
  }
}
