// The masked-character metric end to end on the fixture model (random weights, so only the
// range, the masking and the determinism are checked), reading a held-out file from a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { quietContext } from '../context';
import { loadFixtureSession } from '../generate/fixture-session.testutil';
import type { Session } from '../session';
import { checkHeldoutFiles, HeldoutMissingError, readHeldoutPairs, readHeldoutSentences } from './heldout-files';
import { evaluateMlm, maskSentence } from './mlm-eval';

let session: Session;
let dir: string;

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  session = await loadFixtureSession();
  dir = mkdtempSync(join(tmpdir(), 'eval-heldout-'));
  writeFileSync(join(dir, 'heldout.txt'), '今天天气很好，我们去公园散步。\n\n北京是中国的首都。\r\nabc\n这个模型可以预测被遮住的字。\n');
  writeFileSync(join(dir, 'pairs_heldout.tsv'), '如何打开文件\t怎样打开文件\tp#1\n只有一列\n');
});

afterAll(() => {
  session.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('held-out files', () => {
  it('reads non-empty lines and two-sided pairs, and says how to produce missing files', () => {
    expect(readHeldoutSentences(dir)).toHaveLength(4);
    expect(readHeldoutSentences(dir, 2)).toEqual(['今天天气很好，我们去公园散步。', '北京是中国的首都。']);
    expect(readHeldoutPairs(dir)).toEqual([['如何打开文件', '怎样打开文件']]);
    const empty = mkdtempSync(join(tmpdir(), 'eval-none-'));
    try {
      expect(() => readHeldoutSentences(empty)).toThrow(HeldoutMissingError);
      expect(() => checkHeldoutFiles(empty, false, true)).toThrow(/train\/corpus\.py/);
      expect(() => checkHeldoutFiles(empty, false, false)).not.toThrow();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('evaluateMlm on the fixture', () => {
  it('masks only CJK characters, ~15% of them, the same way for a seed', () => {
    const text = '今天天气很好，我们去公园散步。';
    const a = maskSentence(session, text, 3, 0.15)!;
    const enc = session.tokenizer.encode(text);
    expect(a.positions).toHaveLength(2); // 13 CJK characters · 0.15 = 1.95 → 2
    expect(a.targets).toEqual(a.positions.map((p) => enc.ids[p]));
    expect(a.positions.every((p) => a.ids[p] === session.tokenizer.maskId)).toBe(true);
    expect(a.ids.filter((id, i) => id !== enc.ids[i])).toHaveLength(2);
    expect(maskSentence(session, text, 3, 0.15)).toEqual(a);
    expect(maskSentence(session, 'abc', 3, 0.15)).toBeNull();
  });

  it('gives percentages in [0, 100], deterministic across runs and batch sizes', async () => {
    const sentences = readHeldoutSentences(dir);
    const one = await evaluateMlm(session, sentences, { seed: 5, batchSize: 2 }, quietContext());
    const two = await evaluateMlm(session, sentences, { seed: 5, batchSize: 1 }, quietContext());
    expect(one.sentences).toBe(3); // "abc" has nothing to mask
    expect(one.total).toBeGreaterThanOrEqual(3);
    for (const v of [one.top1Percent, one.top5Percent]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(one.top5Percent).toBeGreaterThanOrEqual(one.top1Percent);
    expect(two).toEqual(one);
  });
});
