// The generation commands end to end: `npm run cli -- similar|generate|gibbs`, text or JSON
// lines in, one JSON result per line out.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './args';
import { optionsFromFlags } from './generate-commands';

const FIXTURE = 'tests/fixtures/hf-tiny-bert-zh';

function cli(args: string[], input: string): { code: number; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { input, encoding: 'utf8', timeout: 120_000 });
  const lines = r.status === 0 ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  return { code: r.status ?? -1, lines, stderr: r.stderr };
}

describe('generation commands', () => {
  it('reads kebab-case flags into typed options', () => {
    const args = parseArgs(['similar', '--top-k', '7', '--top-p=0.8', '--no-consistent', '--mh', '--order', 'sequential']);
    expect(optionsFromFlags(args, { topK: 'int', topP: 'number', consistent: 'bool', mh: 'bool', order: 'string' })).toEqual({
      topK: 7, topP: 0.8, consistent: false, mh: true, order: 'sequential',
    });
    expect(() => optionsFromFlags(parseArgs(['x', '--top-k', '1.5']), { topK: 'int' })).toThrow(/whole number/);
  });

  it('similar and gibbs print one JSON result per input line (generate shares the same line loop)', () => {
    const sim = cli(['similar', '--model', FIXTURE, '--n', '6', '--max-length', '5', '--seed', '3', '--k', '4'], '今天天气怎么样\n{"text": "我想去北京", "n": 3}\n');
    expect(sim.code, sim.stderr).toBe(0);
    expect(sim.lines).toHaveLength(2);
    expect(sim.lines.map((l) => l.sampled)).toEqual([6, 3]);
    const scores = (sim.lines[0]!.results as { score: number }[]).map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const gibbs = cli(['gibbs', '--model', FIXTURE, '--steps', '4', '--burn-in', '1', '--chains', '2', '--seed', '1', '--backend', 'cpu'], '{"length": 3}\n今天天气\n');
    expect(gibbs.code, gibbs.stderr).toBe(0);
    expect(gibbs.lines.map((l) => l.length)).toEqual([3, 4]);
    expect(gibbs.lines[0]!.backend).toBe('cpu');
  }, 120_000);
});
