// Graphs derived from the export, run by onnxruntime-web's Node build (wasm EP), against
// Hugging Face's own outputs (3-D UniLM masks, hidden states) and against the untouched export.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadReference } from '../model/bert.test-helpers';
import { deriveBertGraph, OnnxSurgeryError } from './onnx-derive';

const MODEL = new Uint8Array(readFileSync('tests/fixtures/hf-tiny-bert-zh/model.onnx'));
const V = 21128;
const H = 64;

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('deriveBertGraph', () => {
  let original: ort.InferenceSession;
  let derived: ort.InferenceSession; // UniLM: [B, L, L] mask, last-position logits, last hidden
  let hiddenOnly: ort.InferenceSession; // Perturbed Masking: [B, L] mask, last hidden only
  let hiddenOnlyBytes: number;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    original = await ort.InferenceSession.create(MODEL);
    derived = await ort.InferenceSession.create(deriveBertGraph(MODEL, { queryKeyMask: true, logits: 'last-position', hidden: true }));
    const bytes = deriveBertGraph(MODEL, { queryKeyMask: false, logits: 'none', hidden: true });
    hiddenOnlyBytes = bytes.length;
    hiddenOnly = await ort.InferenceSession.create(bytes);
  });

  it('takes a [B, L, L] mask and returns last-position logits and the last hidden state', () => {
    expect(derived.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(derived.outputNames).toEqual(['logits', 'last_hidden']);
  });

  it('matches Hugging Face on the UniLM cases (3-D masks)', async () => {
    for (const c of loadReference().unilm_cases) {
      const ids = c.inputs.input_ids;
      const [b, l] = [ids.length, ids[0]!.length];
      const out = await derived.run({
        input_ids: int64(ids.flat(), [b, l]),
        attention_mask: int64(c.inputs.attention_mask_3d!.flat(2), [b, l, l]),
        token_type_ids: int64(c.inputs.token_type_ids.flat(), [b, l]),
      });
      expect(out.last_hidden!.dims).toEqual([b, l, H]);
      expect(out.logits!.dims).toEqual([b, V]);
      const hs = c.outputs.hidden_states;
      expect(maxDiff(out.last_hidden!.data as Float32Array, hs[hs.length - 1]!.flat(2))).toBeLessThan(1e-4);
      const logits = out.logits!.data as Float32Array;
      for (let r = 0; r < b; r++) {
        const idx = c.outputs.mlm_topk.indices[r]![l - 1]!;
        const want = c.outputs.mlm_topk.values[r]![l - 1]!;
        // The reference keeps the 20 largest raw logits at each position, with their ids.
        expect(maxDiff(idx.map((i) => logits[r * V + i]!), want)).toBeLessThan(1e-4);
      }
    }
  });

  it('equals the untouched export at the last position under a padding-only mask', async () => {
    // The case with the most padding, so that the mask matters.
    const zeros = (m: number[][]) => m.flat().filter((v) => v === 0).length;
    const c = [...loadReference().cases].sort((x, y) => zeros(y.inputs.attention_mask) - zeros(x.inputs.attention_mask))[0]!;
    expect(zeros(c.inputs.attention_mask)).toBeGreaterThan(0);
    const ids = c.inputs.input_ids;
    const [b, l] = [ids.length, ids[0]!.length];
    const pad = c.inputs.attention_mask;
    const feeds = { input_ids: int64(ids.flat(), [b, l]), token_type_ids: int64(c.inputs.token_type_ids.flat(), [b, l]) };
    const full = await original.run({ ...feeds, attention_mask: int64(pad.flat(), [b, l]) });
    const mask3 = pad.map((row) => row.map(() => row));
    const last = await derived.run({ ...feeds, attention_mask: int64(mask3.flat(2), [b, l, l]) });
    const want = full.logits!.data as Float32Array;
    const got = last.logits!.data as Float32Array;
    for (let r = 0; r < b; r++) {
      const row = want.subarray((r * l + l - 1) * V, (r * l + l) * V);
      expect(maxDiff(got.subarray(r * V, (r + 1) * V), row)).toBeLessThan(1e-5);
    }
  });

  it('without the head: only the hidden state, the same as Hugging Face, and no MLM weights left', async () => {
    expect(hiddenOnly.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(hiddenOnly.outputNames).toEqual(['last_hidden']);
    // The decoder [H, V] float32 alone is 5.4 MB: the pruned file must have lost it.
    expect(MODEL.length - hiddenOnlyBytes).toBeGreaterThan(H * V * 4);
    for (const c of loadReference().cases) {
      const ids = c.inputs.input_ids;
      const [b, l] = [ids.length, ids[0]!.length];
      const out = await hiddenOnly.run({
        input_ids: int64(ids.flat(), [b, l]),
        attention_mask: int64(c.inputs.attention_mask.flat(), [b, l]),
        token_type_ids: int64(c.inputs.token_type_ids.flat(), [b, l]),
      });
      const hs = c.outputs.hidden_states;
      expect(maxDiff(out.last_hidden!.data as Float32Array, hs[hs.length - 1]!.flat(2))).toBeLessThan(1e-4);
    }
  });

  it('refuses a graph that is not a BERT export, and a graph with no output', () => {
    expect(() => deriveBertGraph(new Uint8Array([0x08, 0x07]), { queryKeyMask: false, logits: 'all', hidden: false })).toThrow(OnnxSurgeryError);
    expect(() => deriveBertGraph(MODEL, { queryKeyMask: false, logits: 'none', hidden: false })).toThrow(/no output/);
  });
});
