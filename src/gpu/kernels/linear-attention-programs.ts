// Programs of the chunked linear-attention kernel (three passes) and of its decoding step.
// Geometry and baked constants live here; the WGSL lives in shaders/linear_attention_*.wgsl.
import commonWgsl from '../../../shaders/linear_attention_common.wgsl?raw';
import chunkStateWgsl from '../../../shaders/linear_attention_chunk_state.wgsl?raw';
import chunkScanWgsl from '../../../shaders/linear_attention_chunk_scan.wgsl?raw';
import chunkOutputWgsl from '../../../shaders/linear_attention_chunk_output.wgsl?raw';
import stepStateWgsl from '../../../shaders/linear_attention_step_state.wgsl?raw';
import stepNormWgsl from '../../../shaders/linear_attention_step_norm.wgsl?raw';
import stepOutputWgsl from '../../../shaders/linear_attention_step_output.wgsl?raw';
import { bakeConstants, flatLayout, type GpuProgram } from './program';

export type AttentionMode = 'bidirectional' | 'causal' | 'unilm';

/** Largest head dimension the chunked kernel supports (workgroup memory and registers). */
export const LINEAR_ATTENTION_MAX_DIM = 128;

const MODE_CODE: Record<AttentionMode, number> = { bidirectional: 0, causal: 1, unilm: 2 };
const WORKGROUP = 256;

/** Everything the three passes agree on for one call. */
export interface ChunkPlan {
  mode: AttentionMode;
  batch: number;
  heads: number;
  n: number;
  d: number;
  /**
   * Largest head dim of the shader variant (64 or 128); the head dim itself is a uniform, so
   * one compiled pipeline per pass serves every D up to the cap and every mode.
   */
  dimCap: number;
  /** Keys (and queries) per chunk: 64, or 32 above D = 64 to fit workgroup memory. */
  chunk: number;
  chunks: number;
  /** Chunk sums per chunk: 2 in unilm (source keys, target keys), else 1. */
  slots: number;
  hasGlobal: boolean;
  hasCausal: boolean;
  /** Blocks per batch·head after the scan: the global block, then one prefix per chunk. */
  prefixRows: number;
}

export function planChunks(mode: AttentionMode, batch: number, heads: number, n: number, d: number): ChunkPlan {
  const dimCap = d <= 64 ? 64 : LINEAR_ATTENTION_MAX_DIM;
  const chunk = d <= 64 ? 64 : 32;
  const chunks = Math.ceil(n / chunk);
  const hasGlobal = mode !== 'causal';
  const hasCausal = mode !== 'bidirectional';
  return {
    mode, batch, heads, n, d, dimCap, chunk, chunks,
    slots: mode === 'unilm' ? 2 : 1,
    hasGlobal, hasCausal,
    prefixRows: (hasGlobal ? 1 : 0) + (hasCausal ? chunks : 0),
  };
}

/** Value of `uniforms.mode` in the shaders. */
export function modeCode(mode: AttentionMode): number {
  return MODE_CODE[mode];
}

/** Pass 1: chunk-local [D, D+1] sums. Inputs: k, v, keyMask, typeIds. */
export class ChunkStateProgram implements GpuProgram {
  variableNames = ['k', 'v', 'keyMask', 'typeIds'];
  uniforms = 'mode : u32,';
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = flatLayout(3);
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  private readonly consts: { wgsl: string; key: string };

  constructor(p: ChunkPlan) {
    this.outputShape = [p.batch * p.heads * p.chunks * p.slots, p.d, p.d + 1];
    this.dispatch = [p.batch * p.heads * p.chunks * p.slots, 1, 1];
    this.consts = bakeConstants({ DP: p.dimCap, CHUNK: p.chunk });
    this.shaderKey = `linearAttentionChunkState:${this.consts.key}`;
  }

  getUserCode(): string {
    return this.consts.wgsl + commonWgsl + chunkStateWgsl;
  }
}

/** Pass 2: global sum and exclusive prefix over chunk totals. Input: the pass-1 sums. */
export class ChunkScanProgram implements GpuProgram {
  variableNames = ['states'];
  uniforms = 'mode : u32,';
  outputShape: number[];
  shaderKey = 'linearAttentionChunkScan';
  dispatchLayout = flatLayout(3);
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];

  constructor(p: ChunkPlan) {
    const block = p.d * (p.d + 1);
    this.outputShape = [p.batch * p.heads, p.prefixRows, block];
    // One invocation per (batch·head, block entry); each walks the chunks.
    this.dispatch = [Math.ceil((p.batch * p.heads * block) / 64), 1, 1];
  }

  getUserCode(): string {
    return chunkScanWgsl;
  }
}

/** Pass 3: outputs per chunk. Inputs: q, k, v, keyMask, typeIds, prefix; uniform eps. */
export class ChunkOutputProgram implements GpuProgram {
  variableNames = ['q', 'k', 'v', 'keyMask', 'typeIds', 'prefix'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = flatLayout(4);
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = 'eps : f32, mode : u32,';
  private readonly consts: { wgsl: string; key: string };

  constructor(p: ChunkPlan) {
    const dp = p.dimCap;
    this.outputShape = [p.batch, p.heads, p.n, p.d];
    this.dispatch = [p.batch * p.heads * p.chunks, 1, 1];
    this.consts = bakeConstants({ DP: dp, CHUNK: p.chunk, KV_TILE: Math.max(p.chunk * 16, 16 * dp) });
    this.shaderKey = `linearAttentionChunkOutput:${this.consts.key}`;
  }

  getUserCode(): string {
    return this.consts.wgsl + commonWgsl + chunkOutputWgsl;
  }
}

/** Elementwise programs of the decoding step share this geometry. */
abstract class ElementwiseProgram implements GpuProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(outputShape: number[]) {
    this.outputShape = outputShape;
    this.dispatchLayout = flatLayout(outputShape.length);
    const elements = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(elements / 64), 1, 1];
  }

  abstract getUserCode(): string;
}

/** S' = S + φ(k) vᵀ. Inputs: state [B,H,D,Dv], k [B,H,D], v [B,H,Dv]. */
export class StepStateProgram extends ElementwiseProgram {
  variableNames = ['state', 'k', 'v'];
  shaderKey = 'linearAttentionStepState';
  getUserCode(): string {
    return stepStateWgsl;
  }
}

/** z' = z + φ(k). Inputs: norm [B,H,D], k [B,H,D]. */
export class StepNormProgram extends ElementwiseProgram {
  variableNames = ['norm', 'k'];
  shaderKey = 'linearAttentionStepNorm';
  getUserCode(): string {
    return stepNormWgsl;
  }
}

/** out = φ(q)ᵀS' / (φ(q)ᵀz' + eps). Inputs: q [B,H,D], state', norm'; uniform eps. */
export class StepOutputProgram extends ElementwiseProgram {
  variableNames = ['q', 'state', 'norm'];
  shaderKey = 'linearAttentionStepOutput';
  uniforms = 'eps : f32,';
  getUserCode(): string {
    return stepOutputWgsl;
  }
}
