// Programs of the chunked linear-attention kernel and of its decoding step. Geometry,
// uniforms and baked constants live here; the WGSL lives in shaders/linear_attention_*.wgsl.
// The head dim and the mode are uniforms, so one compiled pipeline per pass serves every
// mode and head dim (SwiftShader needs seconds per compile).
//
// Passes of one call: features φ(q), φ(k) → chunk sums → scan over chunks → (causal, unilm)
// masked score tiles → outputs. Every invocation owns a 4 × 4 block of its pass's output
// and reads storage buffers directly: no workgroup memory, no barriers.
import commonWgsl from '../../../shaders/linear_attention_common.wgsl?raw';
import featuresWgsl from '../../../shaders/linear_attention_features.wgsl?raw';
import chunkStateWgsl from '../../../shaders/linear_attention_chunk_state.wgsl?raw';
import chunkScanWgsl from '../../../shaders/linear_attention_chunk_scan.wgsl?raw';
import chunkScoresWgsl from '../../../shaders/linear_attention_chunk_scores.wgsl?raw';
import chunkOutputWgsl from '../../../shaders/linear_attention_chunk_output.wgsl?raw';
import stepStateWgsl from '../../../shaders/linear_attention_step_state.wgsl?raw';
import stepNormWgsl from '../../../shaders/linear_attention_step_norm.wgsl?raw';
import stepOutputWgsl from '../../../shaders/linear_attention_step_output.wgsl?raw';
import { bakeConstants, declareUniforms, FLAT_LAYOUT, type GpuProgram, type ProgramUniform, type UniformField } from './program';

export type AttentionMode = 'bidirectional' | 'causal' | 'unilm';

/**
 * Largest head dim of the chunked kernel. The chunk sums take N/64 · D·(D + 1) floats, four
 * times the size of q at D = 256; wider heads gain nothing from the linear form.
 */
export const LINEAR_ATTENTION_MAX_DIM = 256;

/** Keys (and queries) per chunk. */
export const CHUNK = 64;

/** Values of `uniforms.mode` in the shaders. */
const MODE_CODE: Record<AttentionMode, number> = { bidirectional: 0, causal: 1, unilm: 2 };
const WORKGROUP = 64;

/** Everything the passes agree on for one call. */
export interface ChunkPlan {
  mode: AttentionMode;
  batch: number;
  heads: number;
  n: number;
  d: number;
  chunks: number;
  /** Chunk sums per chunk: 2 in unilm (source keys, target keys), else 1. */
  slots: number;
  hasCausal: boolean;
  /** Blocks per batch·head after the scan: the global block (if any), then one prefix per chunk. */
  prefixRows: number;
}

export function planChunks(mode: AttentionMode, batch: number, heads: number, n: number, d: number): ChunkPlan {
  const chunks = Math.ceil(n / CHUNK);
  const hasGlobal = mode !== 'causal';
  const hasCausal = mode !== 'bidirectional';
  return {
    mode, batch, heads, n, d, chunks, hasCausal,
    slots: hasGlobal && hasCausal ? 2 : 1,
    prefixRows: (hasGlobal ? 1 : 0) + (hasCausal ? chunks : 0),
  };
}

const blocks4 = (x: number) => Math.ceil(x / 4);

/** Common geometry: flat output, one invocation per unit of work, 64 per workgroup. */
abstract class FlatProgram implements GpuProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(outputElements: number, invocations: number, fields: UniformField[]) {
    this.outputShape = [outputElements];
    this.dispatch = [Math.ceil(invocations / WORKGROUP), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms(fields));
  }

  abstract getUserCode(): string;
}

function planFields(p: ChunkPlan): UniformField[] {
  return [['batch', 'u32', p.batch], ['heads', 'u32', p.heads], ['n', 'u32', p.n], ['d', 'u32', p.d], ['mode', 'u32', MODE_CODE[p.mode]]];
}

const CHUNK_CONST = bakeConstants({ CHUNK });

/** φ(q), φ(k) → [2, B, H, N, D]. Inputs: q, k. */
export class FeaturesProgram extends FlatProgram {
  variableNames = ['q', 'k'];
  shaderKey = 'linearAttentionFeatures';
  size = true;
  constructor(p: ChunkPlan) {
    const elements = 2 * p.batch * p.heads * p.n * p.d;
    super(elements, elements, []);
  }
  getUserCode(): string {
    return featuresWgsl;
  }
}

/** Chunk-local [D, D+1] sums → [BH·chunks·slots, D, D+1]. Inputs: features, v, keyMask, typeIds. */
export class ChunkStateProgram extends FlatProgram {
  variableNames = ['features', 'v', 'keyMask', 'typeIds'];
  shaderKey = `linearAttentionChunkState:${CHUNK_CONST.key}`;
  constructor(p: ChunkPlan) {
    const units = p.batch * p.heads * p.chunks * p.slots;
    super(units * p.d * (p.d + 1), units * blocks4(p.d) * blocks4(p.d + 1), planFields(p));
  }
  getUserCode(): string {
    return CHUNK_CONST.wgsl + commonWgsl + chunkStateWgsl;
  }
}

/** Global sum and exclusive prefix over chunk totals → [BH, prefixRows, D·(D+1)]. Input: the chunk sums. */
export class ChunkScanProgram extends FlatProgram {
  variableNames = ['states'];
  shaderKey = 'linearAttentionChunkScan';
  constructor(p: ChunkPlan) {
    const block = p.d * (p.d + 1);
    const bhCount = p.batch * p.heads;
    super(bhCount * p.prefixRows * block, bhCount * block, [
      ['bhCount', 'u32', bhCount], ['chunks', 'u32', p.chunks], ['prefixRows', 'u32', p.prefixRows],
      ['d', 'u32', p.d], ['mode', 'u32', MODE_CODE[p.mode]],
    ]);
  }
  getUserCode(): string {
    return chunkScanWgsl;
  }
}

/** Masked CHUNK × CHUNK score tiles → [BH·chunks, CHUNK, CHUNK]. Inputs: features, keyMask, typeIds. */
export class ChunkScoresProgram extends FlatProgram {
  variableNames = ['features', 'keyMask', 'typeIds'];
  shaderKey = `linearAttentionChunkScores:${CHUNK_CONST.key}`;
  constructor(p: ChunkPlan) {
    const units = p.batch * p.heads * p.chunks;
    super(units * CHUNK * CHUNK, units * (CHUNK / 4) ** 2, planFields(p));
  }
  getUserCode(): string {
    return CHUNK_CONST.wgsl + commonWgsl + chunkScoresWgsl;
  }
}

/** Outputs → [B, H, N, D]. Inputs: features, v, keyMask, typeIds, prefix, scores. */
export class ChunkOutputProgram extends FlatProgram {
  variableNames = ['features', 'v', 'keyMask', 'typeIds', 'prefix', 'scores'];
  shaderKey = `linearAttentionChunkOutput:${CHUNK_CONST.key}`;
  constructor(p: ChunkPlan, eps: number) {
    const units = p.batch * p.heads * p.chunks;
    super(p.batch * p.heads * p.n * p.d, units * (CHUNK / 4) * blocks4(p.d), [
      ['batch', 'u32', p.batch], ['heads', 'u32', p.heads], ['n', 'u32', p.n], ['d', 'u32', p.d],
      ['prefixRows', 'u32', p.prefixRows], ['mode', 'u32', MODE_CODE[p.mode]], ['eps', 'f32', eps],
    ]);
  }
  getUserCode(): string {
    return CHUNK_CONST.wgsl + commonWgsl + chunkOutputWgsl;
  }
}

/** S' = S + φ(k) vᵀ, one invocation per element. Inputs: state [B,H,D,Dv], k [B,H,D], v [B,H,Dv]. */
export class StepStateProgram extends FlatProgram {
  variableNames = ['state', 'k', 'v'];
  shaderKey = 'linearAttentionStepState';
  size = true;
  constructor(bh: number, d: number, dv: number) {
    super(bh * d * dv, bh * d * dv, [['d', 'u32', d], ['dv', 'u32', dv]]);
  }
  getUserCode(): string {
    return stepStateWgsl;
  }
}

/** z' = z + φ(k), one invocation per element. Inputs: norm [B,H,D], k [B,H,D]. */
export class StepNormProgram extends FlatProgram {
  variableNames = ['norm', 'k'];
  shaderKey = 'linearAttentionStepNorm';
  size = true;
  constructor(bh: number, d: number) {
    super(bh * d, bh * d, []);
  }
  getUserCode(): string {
    return stepNormWgsl;
  }
}

/** out = φ(q)ᵀS' / (φ(q)ᵀz' + eps), one invocation per element. Inputs: q [B,H,D], state', norm'. */
export class StepOutputProgram extends FlatProgram {
  variableNames = ['q', 'state', 'norm'];
  shaderKey = 'linearAttentionStepOutput';
  size = true;
  constructor(bh: number, d: number, dv: number, eps: number) {
    super(bh * dv, bh * dv, [['d', 'u32', d], ['dv', 'u32', dv], ['eps', 'f32', eps]]);
  }
  getUserCode(): string {
    return stepOutputWgsl;
  }
}
