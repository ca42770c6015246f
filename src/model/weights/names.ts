// Maps checkpoint variable names onto one canonical set: the Hugging Face BertForPreTraining
// state_dict names (`bert.encoder.layer.0.attention.self.query.weight`, linear weights [out, in]).
// Google/bert4keras TF names use `/` paths, `layer_N`, `kernel` [in, out] (transposed here),
// LayerNorm `gamma`/`beta`; optimizer slots are dropped and reported. Anything unrecognised
// keeps its own name so that validation can report it as unexpected.
import { DTYPE_BYTES, WeightFormatError, type RawTensor } from './types';

export type WeightSource = 'hf' | 'tf' | 'native';

export interface CanonicalWeights {
  tensors: Map<string, RawTensor>;
  /** Canonical names of tensors transposed from [in, out] to [out, in]. */
  transposed: string[];
  /** Original names of tensors dropped because inference never needs them (optimizer state, buffers). */
  ignored: string[];
}

const CANONICAL = [
  /^bert\.embeddings\.(word|position|token_type)_embeddings\.weight$/,
  /^bert\.embeddings\.LayerNorm\.(weight|bias)$/,
  /^bert\.encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.(weight|bias)$/,
  /^bert\.encoder\.layer\.\d+\.(attention\.output|output)\.LayerNorm\.(weight|bias)$/,
  /^bert\.pooler\.dense\.(weight|bias)$/,
  /^cls\.predictions\.transform\.(dense|LayerNorm)\.(weight|bias)$/,
  /^cls\.predictions\.(bias|decoder\.weight|decoder\.bias)$/,
  /^cls\.seq_relationship\.(weight|bias)$/,
];

export function isCanonicalName(name: string): boolean {
  return CANONICAL.some((re) => re.test(name));
}

// Training-only variables in TF checkpoints: Adam/AdamW/LAMB slots, step counters,
// mixed-precision loss scaling, object-graph metadata, moving averages.
const TF_IGNORED = [
  /\/adam_[mv]$/, /\/Adam(_\d+)?$/, /\/(Momentum|RMSProp(_\d+)?|Adagrad|accumulator|ExponentialMovingAverage)$/,
  /(^|\/)global_step$/, /(^|\/)(bad_steps|good_steps|loss_scale|current_loss_scale)$/, /(^|\/)beta[12]_power$/,
  /OPTIMIZER_SLOT/, /_CHECKPOINTABLE_OBJECT_GRAPH/, /(^|\/)save_counter/, /(^|\/)optimizer\//,
];
// Non-weight buffers in PyTorch state_dicts.
const HF_IGNORED = [/(^|\.)position_ids$/, /(^|\.)num_batches_tracked$/];

interface Mapped { name: string; transpose: boolean }

function fromTf(name: string): Mapped | null {
  const special: Record<string, string> = {
    'cls/predictions/output_bias': 'cls.predictions.bias',
    'cls/seq_relationship/output_weights': 'cls.seq_relationship.weight', // already [2, hidden]
    'cls/seq_relationship/output_bias': 'cls.seq_relationship.bias',
  };
  if (special[name]) return { name: special[name], transpose: false };
  let transpose = false;
  const parts = name.split('/').map((p) => {
    const layer = /^layer_(\d+)$/.exec(p);
    if (layer) return `layer.${layer[1]}`;
    if (p === 'kernel') { transpose = true; return 'weight'; }
    if (p === 'gamma') return 'weight';
    if (p === 'beta') return 'bias';
    if (/_embeddings$/.test(p)) return `${p}.weight`;
    return p;
  });
  const mapped = parts.join('.');
  return isCanonicalName(mapped) ? { name: mapped, transpose } : null;
}

function fromHf(name: string): Mapped | null {
  let n = name.replace(/^module\./, '');
  if (/^(embeddings|encoder|pooler)\./.test(n)) n = `bert.${n}`;
  n = n.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
  return isCanonicalName(n) ? { name: n, transpose: false } : null;
}

/** [rows, cols] → [cols, rows] for any element width. */
export function transpose2d(t: RawTensor): RawTensor {
  const [rows, cols] = t.shape as [number, number];
  const item = DTYPE_BYTES[t.dtype];
  const out = new Uint8Array(t.bytes.length);
  if (item === 4 || item === 2) {
    // Aligned typed views move whole elements at a time (copy first if the source is unaligned).
    const src = t.bytes.byteOffset % item === 0 ? t.bytes : t.bytes.slice();
    const a = item === 4 ? new Uint32Array(src.buffer, src.byteOffset, rows * cols) : new Uint16Array(src.buffer, src.byteOffset, rows * cols);
    const b = item === 4 ? new Uint32Array(out.buffer) : new Uint16Array(out.buffer);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) b[c * rows + r] = a[r * cols + c]!;
  } else {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out.set(t.bytes.subarray((r * cols + c) * item, (r * cols + c + 1) * item), (c * rows + r) * item);
    }
  }
  return { name: t.name, dtype: t.dtype, shape: [cols, rows], bytes: out };
}

export function toCanonical(tensors: RawTensor[], source: WeightSource): CanonicalWeights {
  const out = new Map<string, RawTensor>();
  const origin = new Map<string, string>();
  const transposed: string[] = [];
  const ignored: string[] = [];
  const ignoredPatterns = source === 'tf' ? TF_IGNORED : HF_IGNORED;
  for (const t of tensors) {
    if (ignoredPatterns.some((re) => re.test(t.name))) {
      ignored.push(t.name);
      continue;
    }
    const mapped = source === 'tf' ? fromTf(t.name) : source === 'hf' ? fromHf(t.name) : null;
    const name = mapped?.name ?? t.name;
    if (out.has(name)) {
      throw new WeightFormatError(`tensors "${origin.get(name)}" and "${t.name}" both map to ${name}; the checkpoint holds two copies of one weight.`);
    }
    let tensor: RawTensor = { ...t, name };
    if (mapped?.transpose) {
      if (t.shape.length !== 2) throw new WeightFormatError(`kernel ${t.name} has shape [${t.shape.join(', ')}]; a dense kernel is 2-D [in, out].`);
      tensor = { ...transpose2d(t), name };
      transposed.push(name);
    }
    out.set(name, tensor);
    origin.set(name, t.name);
  }
  return { tensors: out, transposed, ignored };
}
