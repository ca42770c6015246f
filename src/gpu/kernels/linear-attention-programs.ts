// Programs of the chunked linear-attention kernel (three passes) and of its decoding step.
// Geometry, uniforms and baked constants live here; the WGSL lives in
// shaders/linear_attention_*.wgsl. The head dim and the mode are uniforms, so one compiled
// pipeline per pass serves every mode and every head dim up to the variant's cap.
import commonWgsl from '../../../shaders/linear_attention_common.wgsl?raw';
import chunkStateWgsl from '../../../shaders/linear_attention_chunk_state.wgsl?raw';
import chunkScanWgsl from '../../../shaders/linear_attention_chunk_scan.wgsl?raw';
import chunkOutputWgsl from '../../../shaders/linear_attention_chunk_output.wgsl?raw';
import stepStateWgsl from '../../../shaders/linear_attention_step_state.wgsl?raw';
import stepNormWgsl from '../../../shaders/linear_attention_step_norm.wgsl?raw';
import stepOutputWgsl from '../../../shaders/linear_attention_step_output.wgsl?raw';
import { bakeConstants, declareUniforms, FLAT_LAYOUT, type GpuProgram, type ProgramUniform } from './program';

export type AttentionMode = 'bidirectional' | 'causal' | 'unilm';

/** Largest head dimension the chunked kernel supports (workgroup memory and registers). */
export const LINEAR_ATTENTION_MAX_DIM = 128;

/** Values of `uniforms.mode` in the shaders. */
const MODE_CODE: Record<AttentionMode, number> = { bidirectional: 0, causal: 1, unilm: 2 };
const WORKGROUP = 256;

/** Everything the three passes agree on for one call. */
export interface ChunkPlan {
  mode: AttentionMode;
  batch: number;
  heads: number;
  n: number;
  d: number;
  /** Largest head dim of the shader variant: 64, or 128 (with smaller chunks). */
  dimCap: number;
  /** Keys (and queries) per chunk: 64, or 32 above D = 64 to fit workgroup memory. */
  chunk: number;
  chunks: number;
  /** Chunk sums per chunk: 2 in unilm (source keys, target keys), else 1. */
  slots: number;
  /** Blocks per batch·head after the scan: the global block (if any), then one prefix per chunk. */
  prefixRows: number;
}

export function planChunks(mode: AttentionMode, batch: number, heads: number, n: number, d: number): ChunkPlan {
  const small = d <= 64;
  const chunk = small ? 64 : 32;
  const chunks = Math.ceil(n / chunk);
  const hasGlobal = mode !== 'causal';
  const hasCausal = mode !== 'bidirectional';
  return {
    mode, batch, heads, n, d, chunk, chunks,
    dimCap: small ? 64 : LINEAR_ATTENTION_MAX_DIM,
    slots: hasGlobal && hasCausal ? 2 : 1,
    prefixRows: (hasGlobal ? 1 : 0) + (hasCausal ? chunks : 0),
  };
}

/** Pass 1: chunk-local [D, D+1] sums → [BH·chunks·slots, D, D+1]. Inputs: k, v, keyMask, typeIds. */
export class ChunkStateProgram implements GpuProgram {
  variableNames = ['k', 'v', 'keyMask', 'typeIds'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];
  private readonly consts: { wgsl: string; key: string };

  constructor(p: ChunkPlan) {
    const workgroups = p.batch * p.heads * p.chunks * p.slots;
    this.outputShape = [workgroups * p.d * (p.d + 1)];
    this.dispatch = [workgroups, 1, 1];
    this.consts = bakeConstants({ DP: p.dimCap, CHUNK: p.chunk });
    this.shaderKey = `linearAttentionChunkState:${this.consts.key}`;
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['batch', 'u32', p.batch], ['heads', 'u32', p.heads], ['n', 'u32', p.n], ['d', 'u32', p.d],
      ['mode', 'u32', MODE_CODE[p.mode]],
    ]));
  }

  getUserCode(): string {
    return this.consts.wgsl + commonWgsl + chunkStateWgsl;
  }
}

/** Pass 2: global sum and exclusive prefix over chunk totals → [BH, prefixRows, D·(D+1)]. */
export class ChunkScanProgram implements GpuProgram {
  variableNames = ['states'];
  outputShape: number[];
  shaderKey = 'linearAttentionChunkScan';
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(p: ChunkPlan) {
    const block = p.d * (p.d + 1);
    const bhCount = p.batch * p.heads;
    this.outputShape = [bhCount * p.prefixRows * block];
    // One invocation per (batch·head, block entry); each walks the chunks.
    this.dispatch = [Math.ceil((bhCount * block) / 64), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['bhCount', 'u32', bhCount], ['chunks', 'u32', p.chunks], ['prefixRows', 'u32', p.prefixRows],
      ['d', 'u32', p.d], ['mode', 'u32', MODE_CODE[p.mode]],
    ]));
  }

  getUserCode(): string {
    return chunkScanWgsl;
  }
}

/** Pass 3: outputs per chunk → [B, H, N, D]. Inputs: q, k, v, keyMask, typeIds, prefix. */
export class ChunkOutputProgram implements GpuProgram {
  variableNames = ['q', 'k', 'v', 'keyMask', 'typeIds', 'prefix'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  uniformData: ProgramUniform[];
  private readonly consts: { wgsl: string; key: string };

  constructor(p: ChunkPlan, eps: number) {
    this.outputShape = [p.batch * p.heads * p.n * p.d];
    this.dispatch = [p.batch * p.heads * p.chunks, 1, 1];
    this.consts = bakeConstants({ DP: p.dimCap, CHUNK: p.chunk, KV_TILE: Math.max(p.chunk * 16, 16 * p.dimCap) });
    this.shaderKey = `linearAttentionChunkOutput:${this.consts.key}`;
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms([
      ['batch', 'u32', p.batch], ['heads', 'u32', p.heads], ['n', 'u32', p.n], ['d', 'u32', p.d],
      ['prefixRows', 'u32', p.prefixRows], ['mode', 'u32', MODE_CODE[p.mode]], ['eps', 'f32', eps],
    ]));
  }

  getUserCode(): string {
    return this.consts.wgsl + commonWgsl + chunkOutputWgsl;
  }
}

/** One invocation per output element; shared by the three programs of the decoding step. */
abstract class StepProgram implements GpuProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout = FLAT_LAYOUT;
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms: string;
  uniformData: ProgramUniform[];

  constructor(elements: number, fields: Parameters<typeof declareUniforms>[0]) {
    this.outputShape = [elements];
    this.dispatch = [Math.ceil(elements / 64), 1, 1];
    ({ uniforms: this.uniforms, uniformData: this.uniformData } = declareUniforms(fields));
  }

  abstract getUserCode(): string;
}

/** S' = S + φ(k) vᵀ. Inputs: state [B,H,D,Dv], k [B,H,D], v [B,H,Dv]. */
export class StepStateProgram extends StepProgram {
  variableNames = ['state', 'k', 'v'];
  shaderKey = 'linearAttentionStepState';
  constructor(bh: number, d: number, dv: number) {
    super(bh * d * dv, [['d', 'u32', d], ['dv', 'u32', dv]]);
  }
  getUserCode(): string {
    return stepStateWgsl;
  }
}

/** z' = z + φ(k). Inputs: norm [B,H,D], k [B,H,D]. */
export class StepNormProgram extends StepProgram {
  variableNames = ['norm', 'k'];
  shaderKey = 'linearAttentionStepNorm';
  constructor(bh: number, d: number) {
    super(bh * d, []);
  }
  getUserCode(): string {
    return stepNormWgsl;
  }
}

/** out = φ(q)ᵀS' / (φ(q)ᵀz' + eps). Inputs: q [B,H,D], state' [B,H,D,Dv], norm' [B,H,D]. */
export class StepOutputProgram extends StepProgram {
  variableNames = ['q', 'state', 'norm'];
  shaderKey = 'linearAttentionStepOutput';
  constructor(bh: number, d: number, dv: number, eps: number) {
    super(bh * dv, [['d', 'u32', d], ['dv', 'u32', dv], ['eps', 'f32', eps]]);
  }
  getUserCode(): string {
    return stepOutputWgsl;
  }
}
