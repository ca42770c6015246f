// The CLI end to end, as a user runs it: `npm run cli -- <command>` with JSON on stdout.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FIXTURE = 'tests/fixtures/hf-tiny-bert-zh';

function cli(args: string[], input = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('cli', () => {
  it('info lists the backends with the WebGPU adapter and its limits', () => {
    const r = cli(['info']);
    expect(r.code, r.stderr).toBe(0);
    const [info] = jsonLines(r.stdout) as [{ backends: { backend: string; available: boolean; limits?: Record<string, number> }[] }];
    const byName = Object.fromEntries(info.backends.map((b) => [b.backend, b]));
    expect(byName.cpu!.available).toBe(true);
    expect(byName.wasm!.available).toBe(true);
    expect(byName.webgpu!.available).toBe(true);
    expect(byName.webgpu!.limits!.maxStorageBufferBindingSize).toBeGreaterThan(128 * 1024 * 1024);
  });

  it('tokenize matches the reference tokenizer', () => {
    const cases = (JSON.parse(readFileSync('tests/fixtures/reference/tokenizer-cases.json', 'utf8')) as { cases: { text: string; tokens: string[]; input_ids: number[] }[] }).cases
      .filter((c) => c.text.trim() && !/[\n\r\u2028\u2029\u0085\u000b\u000c]/.test(c.text));
    const r = cli(['tokenize', '--model', FIXTURE], cases.map((c) => c.text).join('\n'));
    expect(r.code, r.stderr).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(cases.length);
    out.forEach((o, i) => {
      expect(o.tokens).toEqual(cases[i]!.tokens);
      expect(o.input_ids).toEqual(cases[i]!.input_ids);
    });
  });

  it('inspect lists all 202 tensors of a TF index file alone', () => {
    const r = cli(['inspect', 'tests/fixtures/tf-checkpoint-index/bert_model.ckpt.index']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; shape: number[] }[];
    expect(list).toHaveLength(202);
    expect(list.find((t) => t.name === 'bert/embeddings/word_embeddings')!.shape).toEqual([5981, 768]);
  });

  it('convert writes a native fp16 model that fill-mask reads with the same top candidates', () => {
    const out = mkdtempSync(join(tmpdir(), 'bpg-'));
    const conv = cli(['convert', '--model', FIXTURE, '--out', out]);
    expect(conv.code, conv.stderr).toBe(0);
    const written = jsonLines(conv.stdout)[0]!;
    expect(written.bytes).toBeLessThan(3_500_000); // fp16, tied decoder not duplicated
    const text = '中国的首都是[MASK][MASK]。';
    const a = cli(['fill-mask', '--model', FIXTURE, '--top-k', '3'], text);
    const b = cli(['fill-mask', '--model', join(out, 'model.bpg'), '--top-k', '3', '--backend', 'cpu'], text);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    type FM = { masks: { candidates: { id: number; probability: number }[] }[] };
    const [ra, rb] = [jsonLines(a.stdout)[0] as unknown as FM, jsonLines(b.stdout)[0] as unknown as FM];
    expect(rb.masks.map((m) => m.candidates[0]!.id)).toEqual(ra.masks.map((m) => m.candidates[0]!.id));
    ra.masks.forEach((m, i) => expect(Math.abs(m.candidates[0]!.probability - rb.masks[i]!.candidates[0]!.probability)).toBeLessThan(2e-3));
  });

  it('forward writes outputs larger than a pipe buffer in full', () => {
    const text = '今天天气很好，我们去公园散步吧。'.repeat(2);
    const r = cli(['forward', '--model', FIXTURE, '--backend', 'cpu'], JSON.stringify({ texts: [text] }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(65_536);
    const out = JSON.parse(r.stdout) as { hidden_states: number[][][][]; pooler_output: number[][] };
    expect(out.hidden_states).toHaveLength(2);
    expect(out.hidden_states[1]![0]).toHaveLength(text.length + 2);
    expect(out.pooler_output[0]).toHaveLength(64);
  });

  it('bad input: a truncated weight file and an over-long text exit non-zero with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-'));
    copyFileSync(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(FIXTURE, 'vocab.txt'), join(dir, 'vocab.txt'));
    const full = readFileSync(join(FIXTURE, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), full.subarray(0, 5_000_000));
    const r = cli(['forward', '--model', dir], '{"texts":["你好"]}');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated/);
    expect(r.stdout).toBe('');
    const long = cli(['forward', '--model', FIXTURE, '--backend', 'cpu'], JSON.stringify({ texts: ['好'.repeat(200)] }));
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/at most 128/);
  });
});
