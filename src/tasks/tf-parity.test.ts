// Full-model parity for TF checkpoints: the fixture's weights written as a Google-style tensor
// bundle (kernels [in, out], gamma/beta, optimizer slots beside them) load through the same path
// a user's bert_model.ckpt takes, and compute what the Hugging Face files compute.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../gpu/backend';
import type { ModelFile } from '../model/files';
import { googleName } from '../model/weights/google-names.testutil';
import { transpose2d } from '../model/weights/names';
import { readSafetensors } from '../model/weights/safetensors';
import { writeTfCheckpoint } from '../model/weights/tf-bundle';
import type { RawTensor } from '../model/weights/types';
import { forwardJson } from './forward-json';
import { loadSession } from './session';

const DIR = 'tests/fixtures/hf-tiny-bert-zh';

function memFile(name: string, data: Uint8Array): ModelFile {
  return { name, size: data.byteLength, read: async () => data };
}

function tfCheckpointFiles(): ModelFile[] {
  const hf = readSafetensors(new Uint8Array(readFileSync(`${DIR}/model.safetensors`)));
  const tensors: RawTensor[] = [];
  for (const t of hf) {
    const g = googleName(t.name);
    if (!g) continue;
    const stored = g.kernel ? transpose2d(t) : t;
    tensors.push({ ...stored, name: g.name });
    // Training checkpoints carry Adam slots next to every variable.
    if (t.name.includes('layer.0.')) {
      tensors.push({ ...stored, name: `${g.name}/adam_m` }, { ...stored, name: `${g.name}/adam_v` });
    }
  }
  tensors.push({ name: 'global_step', dtype: 'int64', shape: [], bytes: new Uint8Array(8) });
  const { index, data } = writeTfCheckpoint(tensors);
  const config = JSON.parse(readFileSync(`${DIR}/config.json`, 'utf8')) as Record<string, unknown>;
  return [
    memFile('bert_config.json', new TextEncoder().encode(JSON.stringify(config))),
    memFile('vocab.txt', new Uint8Array(readFileSync(`${DIR}/vocab.txt`))),
    memFile('bert_model.ckpt.index', index),
    memFile('bert_model.ckpt.data-00000-of-00001', data),
  ];
}

interface RefCase {
  id: string;
  texts: (string | [string, string])[];
  inputs: { attention_mask: number[][] };
  outputs: { hidden_states: number[][][][]; pooler_output: number[][]; mlm_logits_at_mask?: { logits: number[] }[] };
}
const reference = JSON.parse(readFileSync('tests/fixtures/reference/tiny-bert-zh-reference.json', 'utf8')) as { cases: RefCase[] };

function maxAbsDiff(a: number[], b: number[]): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

describe('TF tensor-bundle checkpoint', () => {
  beforeAll(async () => {
    await initBackend({ override: 'cpu', gpu: null });
  });

  it('loads with optimizer slots ignored and kernels transposed, and matches the reference', async () => {
    const session = await loadSession('tf', tfCheckpointFiles());
    expect(session.summary.format).toBe('tf-checkpoint');
    expect(session.files.ignored).toContain('global_step');
    expect(session.files.ignored.filter((n) => n.endsWith('/adam_m'))).toHaveLength(16);
    expect(session.files.transposed).toHaveLength(2 * 6 + 2); // q,k,v,o,ffn-in,ffn-out per layer + pooler + MLM transform
    for (const c of reference.cases.filter((x) => ['mask_two', 'pair', 'padded_batch'].includes(x.id))) {
      const out = await forwardJson(session, { texts: c.texts });
      const layers = c.outputs.hidden_states.length;
      for (let b = 0; b < c.texts.length; b++) {
        const mask = c.inputs.attention_mask[b]!;
        for (let p = 0; p < mask.length; p++) {
          if (!mask[p]) continue;
          expect(maxAbsDiff(out.hidden_states[layers - 1]![b]![p]!, c.outputs.hidden_states[layers - 1]![b]![p]!)).toBeLessThan(1e-4);
        }
        expect(maxAbsDiff(out.pooler_output![b]!, c.outputs.pooler_output[b]!)).toBeLessThan(1e-4);
      }
      (c.outputs.mlm_logits_at_mask ?? []).forEach((m, i) => expect(maxAbsDiff(out.mlm_logits_at_mask[i]!.logits, m.logits)).toBeLessThan(2e-4));
    }
    session.model.dispose();
  });
});
