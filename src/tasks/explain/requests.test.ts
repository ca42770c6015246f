// The attribute / segment JSON-lines formats, and the two CLI commands that speak them, end to end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskError } from '../../worker/protocol';
import { loadIgCases, maxAbs } from './ig.test-helpers';
import { attributeParamsFromJson, treeToNested } from './requests';

const FIXTURE = 'tests/fixtures/hf-tiny-bert-zh';

function cli(args: string[], input = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('attribute requests', () => {
  it('reads the fixture spelling: texts, pairs, explicit ids and options', () => {
    expect(attributeParamsFromJson({ texts: ['a[MASK]'], mask_position: 2, target_id: 5, steps: 8, rule: 'riemann_left', baseline: 'pad' })).toMatchObject({
      target: 'mlm', texts: ['a[MASK]'], maskPosition: 2, targetId: 5, steps: 8, rule: 'riemann_left', baseline: 'pad',
    });
    expect(attributeParamsFromJson({ texts: [['a', 'b']] }).texts).toEqual(['a', 'b']);
    expect(attributeParamsFromJson({ target: 'similarity', texts: ['a', 'b'] }).texts).toEqual(['a', 'b']);
    expect(attributeParamsFromJson({ input_ids: [101, 103, 102], attention_mask: [[1, 1, 1]] })).toMatchObject({ inputIds: [[101, 103, 102]], attentionMask: [[1, 1, 1]] });
    expect(() => attributeParamsFromJson({ steps: 3 })).toThrow(TaskError);
    expect(() => attributeParamsFromJson({ input_ids: [[1, 'x']] })).toThrow(/input_ids/);
  });

  it('writes trees as nested lists of words', () => {
    const leaf = (text: string, start: number) => ({ start, end: start + 1, text, children: [] });
    expect(treeToNested({ start: 0, end: 3, text: '我爱你', children: [leaf('我', 0), { start: 1, end: 3, text: '爱你', children: [leaf('爱', 1), leaf('你', 2)] }] })).toEqual(['我', ['爱', '你']]);
  });
});

describe('attribute and segment commands', () => {
  it('attribute prints the reference attributions for texts and for explicit ids', () => {
    const c = loadIgCases()[0]!;
    const input = [
      { texts: c.texts, mask_position: c.mask_position, target_id: c.target_id, steps: 50, rule: 'riemann_right', baseline: 'zero' },
      { input_ids: c.inputs.input_ids, token_type_ids: c.inputs.token_type_ids, attention_mask: c.inputs.attention_mask, target_id: c.target_id },
    ].map((l) => JSON.stringify(l)).join('\n');
    const r = cli(['attribute', '--model', FIXTURE, '--backend', 'cpu'], input);
    expect(r.code, r.stderr).toBe(0);
    const [right, trap] = lines(r.stdout) as { attributions: number[]; F_x: number; F_baseline: number; completeness_gap: number }[];
    expect(maxAbs(right!.attributions, c.float32.rules.riemann_right.attributions)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(right!.completeness_gap - c.float32.rules.riemann_right.completeness_gap)).toBeLessThanOrEqual(2e-4);
    expect(maxAbs(trap!.attributions, c.float32.rules.trapezoid.attributions)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(trap!.F_x - c.float32.F_x)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(trap!.F_baseline - c.float32.F_baseline)).toBeLessThanOrEqual(1e-4);
  });

  it('segment reads a text file, one sentence a line, and honours --threshold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-'));
    const file = join(dir, 'sentences.txt');
    writeFileSync(file, '今天天气很好\n北京是中国的首都\n');
    const r = cli(['segment', '--model', FIXTURE, '--text', file, '--layer', '1']);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout) as { text: string; words: string[]; layer: number; tree: unknown; default_threshold: number }[];
    expect(out.map((o) => o.words.join(''))).toEqual(['今天天气很好', '北京是中国的首都']);
    expect(out[0]!.layer).toBe(1);
    expect(JSON.stringify(out[0]!.tree).replace(/[^\u4e00-\u9fff]/g, '')).toBe('今天天气很好');
    const high = cli(['segment', '--model', FIXTURE, '--threshold', '1e9', '--no-tree'], '今天天气很好\n');
    expect(high.code, high.stderr).toBe(0);
    expect(lines(high.stdout)[0]).toMatchObject({ words: ['今', '天', '天', '气', '很', '好'], tree: null, threshold: 1e9 });
  });
});
