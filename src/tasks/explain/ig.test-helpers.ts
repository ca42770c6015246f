// Shared by the integrated-gradients tests: the fixture session and the Hugging Face IG reference.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { createSession, type Session } from '../session';
import { loadModelFiles } from '../../model/load';
import type { ModelFile } from '../../model/files';
import type { IgPath, IgRule } from './ig';

const MODEL_DIR = 'tests/fixtures/hf-tiny-bert-zh';
const REFERENCE = 'tests/fixtures/reference/tiny-bert-zh-reference.json';

export interface RefIgRule {
  attributions: number[];
  sum: number;
  completeness_gap: number;
}

export interface RefIgCase {
  id: string;
  texts: (string | [string, string])[];
  inputs: { input_ids: number[][]; token_type_ids: number[][]; attention_mask: number[][]; tokens: string[][] };
  mask_position: number;
  target_token: string;
  target_id: number;
  steps_m: number;
  alphas: number[];
  float32: { F_x: number; F_baseline: number; F_at_alpha: number[]; rules: Record<IgRule, RefIgRule> };
}

export function loadIgCases(): RefIgCase[] {
  return (JSON.parse(readFileSync(REFERENCE, 'utf8')) as { ig_cases: RefIgCase[] }).ig_cases;
}

/** The case's texts as the task takes them: [text] or the pair [a, b]. */
export function caseTexts(c: RefIgCase): string[] {
  const first = c.texts[0]!;
  return typeof first === 'string' ? [first] : [...first];
}

function fixtureFiles(names: string[]): ModelFile[] {
  return names.map((name) => {
    const bytes = new Uint8Array(readFileSync(`${MODEL_DIR}/${name}`));
    return { name, size: bytes.byteLength, read: async () => bytes };
  });
}

/** The tiny fixture model on the active backend; `withoutHeads` drops the MLM and NSP heads. */
export async function fixtureSession(withoutHeads = false): Promise<Session> {
  const loaded = await loadModelFiles(fixtureFiles(['config.json', 'vocab.txt', 'model.safetensors']));
  if (withoutHeads) for (const name of [...loaded.tensors.keys()]) if (name.startsWith('cls.')) loaded.tensors.delete(name);
  return createSession('tiny-bert-zh', loaded);
}

export function maxAbs(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** F along the path within 1e-4 of the reference. */
export function expectPathMatches(label: string, path: IgPath, c: RefIgCase): void {
  expect(path.alphas).toHaveLength(c.steps_m + 1);
  path.alphas.forEach((a, k) => expect(a).toBeCloseTo(c.alphas[k]!, 6));
  const d = maxAbs(path.fAtAlpha, c.float32.F_at_alpha);
  expect(d, `${label}: F along the path, max |diff| ${d.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
}
